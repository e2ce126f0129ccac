/**
 * App-server framing: one JSON message per line, as the reference writes them: without the `"jsonrpc"`
 * member, and every notification stamped with `emittedAtMs` (when it was written). The single writer
 * (`OutgoingSender`) serialises each message once; this rewrites its text, it does not parse it again.
 */
import { Effect, Layer, Sink, Stdio } from "effect"
import type { EncodedMessage } from "../../rpc/JsonRpc.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"

const VERSION_PREFIX = `{"jsonrpc":"2.0",`

/** One message as the reference frames it (the writer always puts `jsonrpc` first). */
export const appServerLine = ({ json, message }: EncodedMessage, now: number): string => {
  const body = json.startsWith(VERSION_PREFIX) ? `{${json.slice(VERSION_PREFIX.length)}` : json
  const isNotification = "method" in message && !("id" in message)
  return isNotification ? `${body.slice(0, -1)},"emittedAtMs":${now}}\n` : `${body}\n`
}

export const appServerLines = (messages: ReadonlyArray<EncodedMessage>): string => {
  const now = Date.now()
  let text = ""
  for (const message of messages) text += appServerLine(message, now)
  return text
}

/** The app-server's writer: newline-delimited messages on the `Stdio` service's stdout (`AppServerFraming.layer`). */
export const layer = Layer.unwrap(Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  return OutgoingSender.layerMessages(Sink.mapInput(stdio.stdout(), appServerLines))
}))
