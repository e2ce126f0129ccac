/**
 * Wires the stdio server: the single writer, logging, the handlers of every method group and the
 * router. Services the handlers need (conversations, auth, config) are provided from outside, so
 * tests and embedding programs can swap them.
 */
import { Effect, Layer, type LogLevel } from "effect"
import { AuthRequests, ConversationRequests } from "../rpc/Groups.js"
import { OutgoingSender } from "../services/OutgoingSender.js"
import { RequestHandlers } from "./Handlers.js"
import { ClientLogLevel, serverLoggerLayer } from "./Logging.js"
import { CodexToolCalls, McpHandlers } from "./McpHandlers.js"
import { Router } from "./Router.js"
import { unavailableHandlers } from "./UnavailableHandlers.js"

const requestHandlersLayer = Layer.effect(RequestHandlers, Effect.gen(function*() {
  const mcp = yield* McpHandlers
  return RequestHandlers.of({
    ...mcp,
    ...unavailableHandlers(ConversationRequests, "the conversation API is not part of this build yet"),
    ...unavailableHandlers(AuthRequests, "the auth API is not part of this build yet")
  })
})).pipe(Layer.provide(McpHandlers.layer))

/** Everything the stdio loop needs, given the sender to write with. */
export const serverLayer = (options: { readonly stderrLogLevel: LogLevel.LogLevel }) =>
  Router.layer.pipe(
    Layer.provide(requestHandlersLayer),
    Layer.provide(CodexToolCalls.layerUnavailable),
    Layer.provideMerge(serverLoggerLayer(options.stderrLogLevel)),
    Layer.provideMerge(ClientLogLevel.layer),
    Layer.provideMerge(OutgoingSender.layer)
  )
