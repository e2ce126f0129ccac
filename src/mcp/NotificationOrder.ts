/**
 * Keeps a server's notifications ahead of the answer they precede. The MCP SDK's client runs a
 * notification handler one microtask after the message arrives but settles a response at once, and
 * forgets a call's progress handler when it settles: a server that sends its last progress and then
 * its answer in one read lost that progress ("unknown token"). Deferring responses by one microtask
 * puts them behind every notification already queued (microtasks run in order).
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"

const isResponse = (message: JSONRPCMessage) => "id" in message && !("method" in message)

/** Call after `client.connect(transport)`, which installs the handler this wraps. */
export const keepNotificationsBeforeAnswers = (transport: Transport): void => {
  const deliver = transport.onmessage
  if (deliver === undefined) return
  transport.onmessage = (message, extra) => {
    if (isResponse(message)) queueMicrotask(() => deliver(message, extra))
    else deliver(message, extra)
  }
}
