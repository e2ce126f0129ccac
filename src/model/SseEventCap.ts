/**
 * A `fetch` for the model SDK that caps every server-sent event of a response body while it streams.
 * The SDK buffers a whole event (a whole line, even) before it parses it, so a provider or model that
 * sends one 100 MiB event would be held in memory, copied and parsed at once; here the body fails as
 * soon as an event passes `MAX_STREAM_EVENT_BYTES`, before the SDK has buffered it, with an error that
 * no retry can fix. Events end at a blank line (`\n`, `\r\n` or `\r` line ends, as SSE allows). The
 * whole body is capped too (`MAX_RESPONSE_BYTES`), which bounds what one turn can keep.
 */
import { fatal } from "./ModelError.js"
import { MAX_RESPONSE_BYTES, MAX_STREAM_EVENT_BYTES, overLimit } from "./ModelOutputLimits.js"

const LF = 0x0a
const CR = 0x0d

/** Byte counters per event and per body: answers the limit a chunk passes, or undefined. */
export const makeEventCounter = (maxEventBytes: number, maxBodyBytes: number) => {
  let eventBytes = 0
  let lineBytes = 0
  let previous = 0
  let bodyBytes = 0
  return (chunk: Uint8Array): "event" | "body" | undefined => {
    bodyBytes += chunk.length
    if (bodyBytes > maxBodyBytes) return "body"
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
        if (++eventBytes > maxEventBytes) return "event"
      }
      previous = byte
    }
    return undefined
  }
}

const tooLarge = (over: "event" | "body", maxEventBytes: number, maxBodyBytes: number, source: string) =>
  fatal(
    over === "event"
      ? `${overLimit(`an event of ${source}`, maxEventBytes + 1, maxEventBytes, "bytes or more")} ` +
        `${source === MODEL_RESPONSE ? "(e.g. one tool call's arguments)" : "(one message)"}: the response was dropped`
      : `${overLimit(source, maxBodyBytes + 1, maxBodyBytes, "bytes or more")}: the response was dropped`
  )

const MODEL_RESPONSE = "the model's response"

const capped = (response: Response, maxEventBytes: number, maxBodyBytes: number, source: string): Response => {
  if (response.body === null) return response
  const over = makeEventCounter(maxEventBytes, maxBodyBytes)
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        const limit = over(chunk)
        if (limit === undefined) controller.enqueue(chunk)
        else controller.error(tooLarge(limit, maxEventBytes, maxBodyBytes, source))
      }
    })
  )
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/**
 * `fetch`, with every response body's events and whole body capped; `source` names the body in the
 * error (a configured MCP server's HTTP answers are capped the same way, one JSON body being one event).
 */
export const fetchWithEventCap = (
  maxEventBytes = MAX_STREAM_EVENT_BYTES,
  maxBodyBytes = MAX_RESPONSE_BYTES,
  source = MODEL_RESPONSE
): typeof fetch =>
(input, init) => fetch(input, init).then((response) => capped(response, maxEventBytes, maxBodyBytes, source))
