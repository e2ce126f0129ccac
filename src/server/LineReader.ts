/**
 * Newline-delimited JSON, the stdio transport's framing (and the only place that knows it): an incoming
 * byte stream (stdin, or any `Stream<Uint8Array>`) cut into lines, each line decoded into the JSON-RPC message
 * the router receives, and outgoing messages written one per line. A line longer than the cap is not
 * buffered: its bytes are skipped up to the next newline and reported once as `Oversized`, so a client cannot
 * grow the server's memory by never sending a newline (see docs/differences.md, Bounded resources).
 */
import { Stream } from "effect"
import {
  classifyMessage,
  type EncodedMessage,
  type IncomingMessage,
  invalidRequest,
  type JsonRpcError,
  parseError
} from "../rpc/JsonRpc.js"

/** The default cap on one incoming line. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024

export type IncomingLine =
  | { readonly _tag: "Line"; readonly text: string }
  | { readonly _tag: "Oversized"; readonly bytes: number }

/** Cuts chunks into lines, keeping at most `maxBytes` of an unfinished line. */
class LineSplitter {
  private parts: Array<Uint8Array> = []
  private size = 0
  private skipping = false
  private skipped = 0

  constructor(private readonly maxBytes: number) {}

  /** The lines `chunk` completes. */
  push(chunk: Uint8Array): Array<IncomingLine> {
    const lines: Array<IncomingLine> = []
    let start = 0
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start)
      const end = newline === -1 ? chunk.length : newline
      const piece = chunk.subarray(start, end)
      if (this.skipping) {
        this.skipped += piece.length
      } else if (this.size + piece.length > this.maxBytes) {
        this.skipping = true
        this.skipped = this.size + piece.length
        this.parts = []
        this.size = 0
      } else if (piece.length > 0) {
        this.parts.push(piece)
        this.size += piece.length
      }
      if (newline === -1) break
      lines.push(this.takeLine())
      start = newline + 1
    }
    return lines
  }

  /** The unfinished line at the end of the input, if any. */
  end(): Array<IncomingLine> {
    return this.skipping || this.size > 0 ? [this.takeLine()] : []
  }

  private takeLine(): IncomingLine {
    if (this.skipping) {
      const bytes = this.skipped
      this.skipping = false
      this.skipped = 0
      return { _tag: "Oversized", bytes }
    }
    const text = Buffer.concat(this.parts, this.size).toString("utf8")
    this.parts = []
    this.size = 0
    return { _tag: "Line", text }
  }
}

/** The lines of `input` until it ends. A read error ends the stream like EOF (as in the reference). */
export const readLines = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  maxBytes: number = MAX_LINE_BYTES
): Stream.Stream<IncomingLine, never, R> =>
  Stream.suspend(() => {
    const splitter = new LineSplitter(maxBytes)
    return input.pipe(
      Stream.map((chunk) => splitter.push(chunk)),
      Stream.flattenIterable,
      Stream.concat(Stream.suspend(() => Stream.fromIterable(splitter.end()))),
      // After the lines already read; an unfinished line is dropped with the failed read.
      Stream.catch(() => Stream.empty)
    )
  })

/** What one line holds for the router: a message, nothing (a blank line), or a fault answered with id `null`. */
export type DecodedLine =
  | { readonly _tag: "Message"; readonly message: IncomingMessage }
  | { readonly _tag: "Blank" }
  | { readonly _tag: "Fault"; readonly error: JsonRpcError }

/** The message one line carries: JSON parsed once, then classified. */
export const decodeLine = (line: IncomingLine): DecodedLine => {
  if (line._tag === "Oversized") {
    return { _tag: "Fault", error: invalidRequest(`Invalid Request: line of ${line.bytes} bytes exceeds the 16 MiB limit`) }
  }
  if (line.text.trim().length === 0) return { _tag: "Blank" }
  try {
    return { _tag: "Message", message: classifyMessage(JSON.parse(line.text)) }
  } catch (error) {
    return { _tag: "Fault", error: parseError(`Parse error: ${error instanceof Error ? error.message : String(error)}`) }
  }
}

/** Outgoing messages as newline-delimited JSON: one line each. */
export const toLines = (messages: ReadonlyArray<EncodedMessage>): string => {
  let text = ""
  for (const { json } of messages) text += json + "\n"
  return text
}
