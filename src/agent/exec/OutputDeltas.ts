/**
 * What clients see of a running command's output: `exec_command_output_delta` events of at most
 * `maxChunkBytes` each (the reference reads 8 KiB at a time), and per command at most `maxEvents`
 * events and `maxBytes` bytes in all. Past either cap nothing more is streamed, whatever the command
 * prints; one `background_event` says so, and `exec_command_end` still carries the head and tail.
 *
 * Each emit waits for the event's subscribers (the conversation's event PubSub is bounded), so a
 * client that reads slowly slows the command instead of growing the server's memory.
 */
import { Effect } from "effect"
import type { EventMsg } from "../../rpc/Event.js"
import type { OutputStream } from "./CommandRunner.js"

interface OutputDeltaLimits {
  readonly maxChunkBytes: number
  readonly maxEvents: number
  readonly maxBytes: number
}

const DEFAULT_OUTPUT_DELTA_LIMITS: OutputDeltaLimits = {
  maxChunkBytes: 8 * 1024,
  // The reference's cap on delta events per command.
  maxEvents: 10_000,
  maxBytes: 1024 * 1024
}

/** An `onOutput` callback for `runCommand` that streams `callId`'s output within `limits`. */
export const streamOutputDeltas = (
  callId: string,
  emit: (msg: EventMsg) => Effect.Effect<void>,
  limits: OutputDeltaLimits = DEFAULT_OUTPUT_DELTA_LIMITS
) => {
  let events = 0
  let bytes = 0
  let capped = false

  const stop = () => {
    capped = true
    return emit({
      type: "background_event",
      message: `command output beyond ${bytes} bytes (${events} chunks) is not streamed; ` +
        "its end event carries the head and tail"
    })
  }

  return (stream: OutputStream, chunk: Uint8Array): Effect.Effect<void> =>
    Effect.gen(function*() {
      for (let offset = 0; offset < chunk.length && !capped; offset += limits.maxChunkBytes) {
        if (events >= limits.maxEvents || bytes >= limits.maxBytes) return yield* stop()
        const piece = chunk.subarray(offset, Math.min(chunk.length, offset + limits.maxChunkBytes, offset + limits.maxBytes - bytes))
        events++
        bytes += piece.length
        yield* emit({
          type: "exec_command_output_delta",
          call_id: callId,
          stream,
          chunk: Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString("base64")
        })
        // A piece shortened by the byte cap ends the stream here.
        if (piece.length < Math.min(limits.maxChunkBytes, chunk.length - offset)) return yield* stop()
      }
    })
}
