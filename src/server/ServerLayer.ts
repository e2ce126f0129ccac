/**
 * Wires the stdio server: the single writer, logging, the handlers of every method group, the router,
 * the agent (`CodexLayer`: config, auth, conversations, model) and the one-time bubblewrap check.
 */
import { Effect, Layer, type LogLevel } from "effect"
import type { ConfigOptions } from "../services/Config.js"
import { CodexLayer } from "../services/CodexLayer.js"
import { OutgoingSender } from "./OutgoingSender.js"
import { AuthHandlers } from "./AuthHandlers.js"
import { ClientCapabilities } from "./ClientCapabilities.js"
import { DEFAULT_PROGRESS_INTERVAL_MS } from "./CallProgress.js"
import { codexToolCallsLayer, type CodexToolOptions } from "./CodexToolRunner.js"
import { ConversationHandlers } from "./ConversationHandlers.js"
import { ConversationStoreHandlers } from "./ConversationStoreHandlers.js"
import { RequestHandlers } from "./Handlers.js"
import { ClientLogLevel, serverLoggerLayer } from "./Logging.js"
import { McpHandlers } from "./McpHandlers.js"
import { Router } from "./Router.js"
import { sandboxStartupCheckLayer } from "./SandboxStartupCheck.js"

const requestHandlersLayer = (options: CodexToolOptions) => Layer.effect(RequestHandlers, Effect.gen(function*() {
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
    McpHandlers.layer.pipe(Layer.provide(codexToolCallsLayer(options))),
    AuthHandlers.layer,
    ConversationStoreHandlers.layer.pipe(Layer.provideMerge(ConversationHandlers.layer))
  ))
)

interface ServerOptions extends ConfigOptions {
  readonly stderrLogLevel: LogLevel.LogLevel
  /** How often a `tools/call` with a progress token hears from the server at least (default 5 s). */
  readonly progressIntervalMs?: number | undefined
}

/** Everything the stdio loop needs. Fails with `ConfigError` when the startup config is broken. */
export const serverLayer = (options: ServerOptions) =>
  Router.layer.pipe(
    Layer.provide(Layer.mergeAll(
      requestHandlersLayer({ progressIntervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS }),
      sandboxStartupCheckLayer
    )),
    Layer.provide(CodexLayer(options)),
    Layer.provide(ClientCapabilities.layer),
    Layer.provideMerge(serverLoggerLayer(options.stderrLogLevel)),
    Layer.provideMerge(ClientLogLevel.layer),
    Layer.provideMerge(OutgoingSender.layer)
  )
