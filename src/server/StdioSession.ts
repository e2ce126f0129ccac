/**
 * The stdio server's session, built so that its first answer does not wait for the agent. At start: the
 * client's writer, logging and capabilities, the config (read and checked now, so a broken `-c` override
 * still fails the start and a broken config.toml is still reported at once), and a router that answers the
 * MCP lifecycle methods (`McpLifecycleHandlers`) itself. The agent and every other handler (`ServerLayer`
 * and the modules under it, ~400 KB) load once the first answer is written, or as soon as a request needs
 * them; such a request waits for them, holding the messages behind it so they keep their order.
 */
import { flushCompileCache } from "node:module"
import { Cause, Deferred, Effect, Layer, Scope } from "effect"
import { McpLifecycleRequests } from "../rpc/Mcp.js"
import { internalError, type JsonRpcError } from "../rpc/JsonRpc.js"
import { ClientCapabilities } from "../faces/mcp/ClientCapabilities.js"
import { McpLifecycleHandlers } from "../faces/mcp/McpLifecycle.js"
import { Config } from "../services/Config.js"
import { ProcessEnvironment } from "../services/ProcessEnvironment.js"
import { ClientLogLevel, serverLoggerLayer } from "./Logging.js"
import { OutgoingSender } from "./OutgoingSender.js"
import { Router, type Routes, routesOf } from "./Router.js"
import type { ServerOptions } from "./ServerLayer.js"

const loadAgentRoutes = (options: ServerOptions) =>
  Effect.flatMap(Effect.promise(() => import("./ServerLayer.js")), ({ agentRoutes }) => agentRoutes(options)).pipe(
    // Node writes its compile cache only at a clean exit, and the launcher wrote it before these chunks
    // loaded: written now, a server that its client ends with a signal still loads them from cache next time.
    Effect.tap(() => Effect.sync(flushCompileCache))
  )

const router = (options: ServerOptions) =>
  Layer.effect(Router, Effect.gen(function*() {
    const lifecycle = routesOf(McpLifecycleRequests, yield* McpLifecycleHandlers)
    // `--cluster` builds its conversations at start, so a database it cannot reach still fails the start.
    if (options.conversations !== undefined) {
      const agent = yield* loadAgentRoutes(options)
      return yield* Router.make((method) => McpLifecycleRequests.requests.has(method) ? lifecycle(method) : agent(method))
    }
    const scope = yield* Scope.Scope
    const session = yield* Effect.context<Effect.Services<ReturnType<typeof loadAgentRoutes>>>()
    const agent = yield* Deferred.make<Routes, JsonRpcError>()
    let loading = false
    /** Starts building the agent in the session's scope, once; its requests wait on `agent`. */
    const load = Effect.suspend(() => {
      if (loading) return Effect.void
      loading = true
      return loadAgentRoutes(options).pipe(
        Effect.provideContext(session),
        Effect.provideService(Scope.Scope, scope),
        Effect.catchCause((cause) =>
          // Interrupted: the session is closing, nobody waits for the agent.
          Cause.hasInterruptsOnly(cause) ? Effect.interrupt : Effect.logError("the agent could not be started", cause).pipe(
            Effect.andThen(Effect.fail(internalError(`Internal error: the agent could not be started: ${Cause.squash(cause)}`)))
          )
        ),
        Deferred.into(agent),
        Effect.forkIn(scope),
        Effect.asVoid
      )
    })
    const routes: Routes = (method) =>
      McpLifecycleRequests.requests.has(method)
        ? lifecycle(method)
        : load.pipe(Effect.andThen(Deferred.await(agent)), Effect.flatMap((agentRoutes) => agentRoutes(method)))
    return yield* Router.make(routes, load)
  }))

/** Everything the stdio loop needs (stdin and stdout from `Stdio`). Fails with `ConfigError` when the startup config is broken. */
export const stdioServerLayer = (options: ServerOptions) =>
  router(options).pipe(
    Layer.provide(McpLifecycleHandlers.layer),
    Layer.provideMerge(ClientCapabilities.layer),
    Layer.provideMerge(
      options.env === undefined ? Config.layer(options) : Config.layer(options).pipe(Layer.provide(Layer.succeed(ProcessEnvironment, options.env)))
    ),
    Layer.provideMerge(serverLoggerLayer(options.stderrLogLevel)),
    Layer.provideMerge(ClientLogLevel.layer),
    Layer.provideMerge(OutgoingSender.layer)
  )
