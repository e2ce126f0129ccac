/**
 * Wires the server: the single writer, logging, the handlers of every method group, the router,
 * the agent (`CodexLayer`: config, auth, conversations, model) and the one-time bubblewrap check.
 * The stdio server loads this module after its first answer (see `StdioSession`).
 */
import { Context, Effect, Layer, type LogLevel } from "effect"
import { ClientRequests } from "../rpc/Groups.js"
import { CodexLayer, type CodexLayerOptions, codexServicesLayer } from "../services/CodexLayer.js"
import { OutgoingSender } from "./OutgoingSender.js"
import { AuthHandlers } from "../faces/conversation-api/AuthHandlers.js"
import { ClientCapabilities } from "../faces/mcp/ClientCapabilities.js"
import { DEFAULT_PROGRESS_INTERVAL_MS } from "../faces/mcp/CallProgress.js"
import { CodexToolCalls } from "../faces/mcp/CodexToolRunner.js"
import { ConversationHandlers } from "../faces/conversation-api/ConversationHandlers.js"
import { ConversationStoreHandlers } from "../faces/conversation-api/ConversationStoreHandlers.js"
import { RequestHandlers } from "./Handlers.js"
import { ClientLogLevel, serverLoggerLayer } from "./Logging.js"
import { McpHandlers } from "../faces/mcp/McpHandlers.js"
import { McpLifecycleHandlers } from "../faces/mcp/McpLifecycle.js"
import { Router, routesOf } from "./Router.js"
import * as SandboxStartupCheck from "../services/SandboxStartupCheck.js"
import { TaskHandlers } from "../faces/mcp/tasks/TaskHandlers.js"
import { TaskStore } from "../faces/mcp/tasks/TaskStore.js"

export interface ServerOptions extends CodexLayerOptions {
  readonly stderrLogLevel: LogLevel.LogLevel
  /** How often a `tools/call` with a progress token hears from the server at least (default 5 s). */
  readonly progressIntervalMs?: number | undefined
  /** On SIGTERM, how long the requests running may take to finish before they are answered with an error. */
  readonly drainTimeoutMs?: number | undefined
}

/** Every handler, on the agent and the client's `McpLifecycleHandlers`. */
const requestHandlersLayer = (options: Pick<ServerOptions, "progressIntervalMs">) =>
  Layer.effect(RequestHandlers, Effect.gen(function*() {
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
      McpHandlers.layer.pipe(
        Layer.provide(CodexToolCalls.layer({ progressIntervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS }))
      ),
      AuthHandlers.layer,
      ConversationStoreHandlers.layer.pipe(Layer.provideMerge(ConversationHandlers.layer)),
      TaskHandlers.layer
    )),
    // One store per client session: its tasks end with the session.
    Layer.provide(TaskStore.layer)
  )

/** The router over every method a client may call, answered by `RequestHandlers`. */
export const routerLayer = Layer.effect(Router, Effect.gen(function*() {
  return yield* Router.make(routesOf(ClientRequests, yield* RequestHandlers))
}))

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
  routerLayer.pipe(
    Layer.provide(requestHandlersLayer(options)),
    Layer.provide(agent),
    Layer.provide(McpLifecycleHandlers.layer),
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

/**
 * The stdio server's agent and handlers, built in the current scope on the session it has already (its
 * writer, logging, client capabilities, lifecycle handlers and `Config`): the routes of every method.
 */
export const agentRoutes = Effect.fnUntraced(function*(options: ServerOptions) {
  const agent = SandboxStartupCheck.layer.pipe(Layer.provideMerge(codexServicesLayer(options)))
  const context = yield* Layer.build(requestHandlersLayer(options).pipe(Layer.provide(agent)))
  return routesOf(ClientRequests, Context.get(context, RequestHandlers))
})
