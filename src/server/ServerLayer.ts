/**
 * Wires the stdio server: the single writer, logging, the handlers of every method group, the router,
 * and the agent (config, conversations, model). `agentLayer` is also what an embedding program uses.
 */
import { Effect, Layer, type LogLevel } from "effect"
import { AuthManager } from "../services/AuthManager.js"
import { Config, type ConfigOptions } from "../services/Config.js"
import { ConversationManager } from "../services/ConversationManager.js"
import { ModelClient } from "../services/ModelClient.js"
import { OutgoingSender } from "../services/OutgoingSender.js"
import { ToolRegistry } from "../services/ToolRegistry.js"
import { AuthHandlers } from "./AuthHandlers.js"
import { codexToolCallsLayer } from "./CodexToolRunner.js"
import { ConversationHandlers } from "./ConversationHandlers.js"
import { ConversationStoreHandlers } from "./ConversationStoreHandlers.js"
import { RequestHandlers } from "./Handlers.js"
import { ClientLogLevel, serverLoggerLayer } from "./Logging.js"
import { McpHandlers } from "./McpHandlers.js"
import { Router } from "./Router.js"

/** The AuthManager configured from config.toml. */
export const authManagerLayer = Layer.unwrap(Effect.gen(function*() {
  const { base } = yield* Config
  return AuthManager.layer({
    codexHome: base.codexHome,
    preferredAuthMethod: base.preferredAuthMethod,
    issuer: base.authIssuer,
    loginPort: base.loginPort
  })
}))

/** Config, auth, conversations and the real model client. */
export const agentLayer = (options: ConfigOptions) =>
  ConversationManager.layer.pipe(
    Layer.provide(Layer.mergeAll(ModelClient.layer.pipe(Layer.provide(AuthManager.modelAuth)), ToolRegistry.layer)),
    Layer.provideMerge(authManagerLayer),
    Layer.provideMerge(Config.layer(options))
  )

const requestHandlersLayer = Layer.effect(RequestHandlers, Effect.gen(function*() {
  const mcp = yield* McpHandlers
  const { forwardApprovals: _, ...conversations } = yield* ConversationHandlers
  const store = yield* ConversationStoreHandlers
  return RequestHandlers.of({
    ...mcp,
    ...conversations,
    ...store,
    ...(yield* AuthHandlers)
  })
})).pipe(
  Layer.provide(Layer.mergeAll(
    McpHandlers.layer.pipe(Layer.provide(codexToolCallsLayer)),
    AuthHandlers.layer,
    ConversationStoreHandlers.layer.pipe(Layer.provideMerge(ConversationHandlers.layer))
  ))
)

export interface ServerOptions extends ConfigOptions {
  readonly stderrLogLevel: LogLevel.LogLevel
}

/** Everything the stdio loop needs. Fails with `ConfigError` when the startup config is broken. */
export const serverLayer = (options: ServerOptions) =>
  Router.layer.pipe(
    Layer.provide(requestHandlersLayer),
    Layer.provide(agentLayer(options)),
    Layer.provideMerge(serverLoggerLayer(options.stderrLogLevel)),
    Layer.provideMerge(ClientLogLevel.layer),
    Layer.provideMerge(OutgoingSender.layer)
  )
