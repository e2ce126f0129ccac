/**
 * Wires the server: the single writer, logging, the handlers of every method group, the router,
 * the agent (`CodexLayer`: config, auth, conversations, model) and the one-time bubblewrap check.
 */
import { Effect, Layer, type LogLevel } from "effect"
import { CodexLayer, type CodexLayerOptions } from "../services/CodexLayer.js"
import { OutgoingSender } from "./OutgoingSender.js"
import { AuthHandlers } from "../faces/conversation-api/AuthHandlers.js"
import { ClientCapabilities } from "../faces/mcp/ClientCapabilities.js"
import { DEFAULT_PROGRESS_INTERVAL_MS } from "../faces/mcp/CallProgress.js"
import { CodexToolCalls, type CodexToolOptions } from "../faces/mcp/CodexToolRunner.js"
import { ConversationHandlers } from "../faces/conversation-api/ConversationHandlers.js"
import { ConversationStoreHandlers } from "../faces/conversation-api/ConversationStoreHandlers.js"
import { RequestHandlers } from "./Handlers.js"
import { ClientLogLevel, serverLoggerLayer } from "./Logging.js"
import { McpHandlers } from "../faces/mcp/McpHandlers.js"
import { Router } from "./Router.js"
import * as SandboxStartupCheck from "../services/SandboxStartupCheck.js"
import { TaskHandlers } from "../faces/mcp/tasks/TaskHandlers.js"
import { TaskStore } from "../faces/mcp/tasks/TaskStore.js"

const requestHandlersLayer = (options: CodexToolOptions) => Layer.effect(RequestHandlers, Effect.gen(function*() {
  const mcp = yield* McpHandlers
  const { forwardApprovals: _, ...conversations } = yield* ConversationHandlers
  const store = yield* ConversationStoreHandlers
  return RequestHandlers.of({
    ...mcp,
    ...conversations,
    ...store,
    ...(yield* AuthHandlers),
    ...(yield* TaskHandlers)
  })
})).pipe(
  Layer.provide(Layer.mergeAll(
    McpHandlers.layer.pipe(Layer.provide(CodexToolCalls.layer(options))),
    AuthHandlers.layer,
    ConversationStoreHandlers.layer.pipe(Layer.provideMerge(ConversationHandlers.layer)),
    TaskHandlers.layer
  )),
  // One store per client session: its tasks end with the session.
  Layer.provide(TaskStore.layer)
)

export interface ServerOptions extends CodexLayerOptions {
  readonly stderrLogLevel: LogLevel.LogLevel
  /** How often a `tools/call` with a progress token hears from the server at least (default 5 s). */
  readonly progressIntervalMs?: number | undefined
  /** On SIGTERM, how long the requests running may take to finish before they are answered with an error. */
  readonly drainTimeoutMs?: number | undefined
}

/** The drain timeout when none is given: long enough for a turn that runs commands. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 5 * 60 * 1000

/**
 * One client's side of the server over `sender`: its logging level and capabilities, the handlers and
 * the router, on `agent` (the `CodexLayer`, or the context of one shared by several HTTP sessions).
 * The client's logger is also the agent's, so a conversation's logs reach the client that asked for them.
 */
export const sessionLayer = <A, E1, R1, E2, R2>(
  options: Pick<ServerOptions, "stderrLogLevel" | "progressIntervalMs">,
  sender: Layer.Layer<OutgoingSender, E1, R1>,
  agent: Layer.Layer<A, E2, R2>
) =>
  Router.layer.pipe(
    Layer.provide(requestHandlersLayer({ progressIntervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS })),
    Layer.provide(agent),
    Layer.provide(ClientCapabilities.layer),
    Layer.provideMerge(serverLoggerLayer(options.stderrLogLevel)),
    Layer.provideMerge(ClientLogLevel.layer),
    Layer.provideMerge(sender)
  )

/** The agent with the one-time bubblewrap check. Fails with `ConfigError` when the startup config is broken. */
export const agentLayer = (options: CodexLayerOptions) =>
  SandboxStartupCheck.layer.pipe(Layer.provideMerge(CodexLayer(options)))

/** The services of the agent, as several HTTP sessions share them. */
export type AgentServices = Layer.Success<ReturnType<typeof agentLayer>>

/** Everything the stdio loop needs (stdin and stdout from `Stdio`). Fails with `ConfigError` when the startup config is broken. */
export const serverLayer = (options: ServerOptions) => sessionLayer(options, OutgoingSender.layer, agentLayer(options))
