/**
 * A `fetch` for the model SDK that caps every server-sent event of a response body while it streams.
 * The SDK buffers a whole event (a whole line, even) before it parses it, so a provider or model that
 * sends one 100 MiB event would be held in memory, copied and parsed at once; here the body fails as
 * soon as an event passes `MAX_STREAM_EVENT_BYTES`, before the SDK has buffered it, with an error that
 * no retry can fix. Events end at a blank line (`\n`, `\r\n` or `\r` line ends, as SSE allows).
 */
import { fatal } from "./ModelError.js"
import { MAX_STREAM_EVENT_BYTES, overLimit } from "./ModelOutputLimits.js"

const LF = 0x0a
const CR = 0x0d

/** A byte counter per event; `push` answers false once the current event is over `maxBytes`. */
export const makeEventCounter = (maxBytes: number) => {
  let eventBytes = 0
  let lineBytes = 0
  let previous = 0
  return (chunk: Uint8Array): boolean => {
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index]!
      if (byte === LF || byte === CR) {
        // `\r\n` is one line end.
        if (!(byte === LF && previous === CR)) {
          if (lineBytes === 0) eventBytes = 0
          lineBytes = 0
        }
      } else {
        lineBytes++
        if (++eventBytes > maxBytes) return false
      }
      previous = byte
    }
    return true
  }
}

const capped = (response: Response, maxBytes: number): Response => {
  if (response.body === null) return response
  const fits = makeEventCounter(maxBytes)
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        if (fits(chunk)) controller.enqueue(chunk)
        else {
          controller.error(fatal(
            `${overLimit("an event of the model's response", maxBytes + 1, maxBytes, "bytes or more")} ` +
              "(e.g. one tool call's arguments): the response was dropped"
          ))
        }
      }
    })
  )
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/** `fetch`, with every response body's events capped at `maxBytes`. */
export const fetchWithEventCap = (maxBytes = MAX_STREAM_EVENT_BYTES): typeof fetch => (input, init) =>
  fetch(input, init).then((response) => capped(response, maxBytes))
