/**
 * A conversation's MCP servers. They start in parallel when the conversation starts (or are shared with
 * another conversation that runs the same ones, see McpConnectionPool), each within its own start-up
 * time-out; the first task waits for all of them. A server that failed to start (or crashed since
 * the last task) is reported to the task as a `background_event` naming it, and the conversation goes on
 * without its tools — unless it is `required = true`: then every task fails with an `error` naming it. The conversation's scope holds its connections: when the last conversation holding one
 * closes, its processes are killed.
 */
import { Deferred, Effect, Result, Scope } from "effect"
import { type ConversationMcpTools, RequiredMcpServerFailed } from "../agent/conversation/ConversationMcpTools.js"
import type { Tool } from "../agent/Tool.js"
import type { EventMsg } from "../rpc/Event.js"
import type { McpConnection, McpConnectionContext } from "./McpConnection.js"
import type { McpConnectionPool } from "./McpConnectionPool.js"
import type { McpServerConfig } from "../config/McpServerConfig.js"
import { mcpTool } from "./McpToolCall.js"
import { qualifiedToolName } from "./McpToolNames.js"

interface Started {
  readonly connections: ReadonlyArray<McpConnection>
  /** Why each `required = true` server could not start: every task fails with these. */
  readonly requiredFailures: ReadonlyArray<string>
  /** Start-up failures not yet reported to a task. */
  readonly failures: Array<string>
}

/** Every enabled tool of every connection, sorted by the name the model sees; a duplicate name is dropped. */
const toolsOf = (connections: ReadonlyArray<McpConnection>) => {
  const byName = new Map<string, Tool>()
  for (const connection of connections) {
    for (const tool of connection.tools()) {
      const name = qualifiedToolName(connection.server.name, tool.name)
      if (!byName.has(name)) byName.set(name, mcpTool(connection, tool, name))
    }
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, tool]) => tool)
}

/** Starts (or joins) `servers` in the background, held by the current scope. */
export const startMcpConnections = (
  pool: McpConnectionPool,
  servers: ReadonlyArray<McpServerConfig>,
  context: McpConnectionContext
) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const started = yield* Deferred.make<Started>()
    const connect = (server: McpServerConfig) =>
      pool.acquire(server, context).pipe(
        Scope.provide(scope),
        Effect.tapError((error) => Effect.logWarning(error.message)),
        Effect.result
      )
    yield* Effect.forEach(servers, connect, { concurrency: "unbounded" }).pipe(
      Effect.flatMap((results) =>
        Deferred.succeed(started, {
          connections: results.flatMap((result) => (Result.isSuccess(result) ? [result.success] : [])),
          requiredFailures: results.flatMap((result, i) => (Result.isFailure(result) && servers[i]!.required === true ? [result.failure.message] : [])),
          failures: results.flatMap((result, i) => (Result.isFailure(result) && servers[i]!.required !== true ? [result.failure.message] : []))
        })
      ),
      Effect.forkIn(scope)
    )

    const report = (emit: (msg: EventMsg) => Effect.Effect<void>, state: Started) =>
      Effect.suspend(() => {
        const messages = state.failures.splice(0)
        for (const connection of state.connections) {
          const crash = connection.takeCrashReport()
          if (crash !== undefined) messages.push(`${crash}; it starts again on its next tool call`)
        }
        return Effect.forEach(messages, (message) => emit({ type: "background_event", message }), { discard: true })
      })

    const tools: ConversationMcpTools = {
      forTask: (emit) =>
        Deferred.await(started).pipe(
          Effect.tap((state) =>
            state.requiredFailures.length === 0
              ? Effect.void
              : Effect.fail(new RequiredMcpServerFailed({ message: `${state.requiredFailures.join("; ")} (the server is required: required = true)` }))
          ),
          Effect.tap((state) => report(emit, state)),
          Effect.map((state) => toolsOf(state.connections))
        ),
      list: Deferred.await(started).pipe(Effect.map((state) => {
        const listed: Record<string, Readonly<Record<string, unknown>>> = {}
        for (const connection of state.connections) {
          for (const tool of connection.tools()) listed[qualifiedToolName(connection.server.name, tool.name)] = tool
        }
        return listed
      }))
    }
    return tools
  })
