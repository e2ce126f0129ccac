/**
 * MCP connections shared between conversations. Measured (bench/mcp-connections.ts): a `server-everything`
 * process costs ~78 MiB resident and about half a second of CPU to start, so 50 conversations × 2 servers
 * each would be 100 processes and 7.8 GiB. Conversations whose entry and working directory are the same
 * share one connection instead (MCP multiplexes concurrent calls by request id); it is counted, and the
 * last conversation to let go of it closes it, killing the process group. A server that failed to start is
 * tried again by the next conversation.
 */
import { Deferred, Effect, Exit, Fiber, Option, type Scope } from "effect"
import type { McpConnection, McpConnectionContext, McpServerError } from "./McpConnection.js"
import type { McpServerConfig } from "./McpServerConfig.js"

/**
 * The MCP client SDK (with zod and ajv, ~1 MB of code) is loaded with the first server to connect, not at
 * startup: most servers never have an `mcp_servers` entry, and the loaded code would stay resident.
 */
const loadConnection = Effect.promise(() => import("./McpConnection.js"))

interface Entry {
  refs: number
  readonly ready: Deferred.Deferred<McpConnection, McpServerError>
  starting: Fiber.Fiber<void> | undefined
}

/** What makes two conversations' servers the same: the entry (which says where a stdio server runs). */
const keyOf = (server: McpServerConfig) => JSON.stringify(server)

export interface McpConnectionPool {
  /** The shared connection for `server`, held until the current scope closes. */
  readonly acquire: (server: McpServerConfig, context: McpConnectionContext) => Effect.Effect<McpConnection, McpServerError, Scope.Scope>
}

export const makeMcpConnectionPool = (): McpConnectionPool => {
  const entries = new Map<string, Entry>()

  const enter = (key: string, server: McpServerConfig, context: McpConnectionContext) =>
    Effect.gen(function*() {
      const existing = entries.get(key)
      if (existing !== undefined) {
        existing.refs++
        return existing
      }
      const entry: Entry = { refs: 1, ready: yield* Deferred.make<McpConnection, McpServerError>(), starting: undefined }
      entries.set(key, entry)
      entry.starting = yield* loadConnection.pipe(
        Effect.flatMap(({ connectMcpServer }) => connectMcpServer(server, context)),
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.suspend(() => {
            // A failed start is not kept: the next conversation tries again.
            if (Exit.isFailure(exit) && entries.get(key) === entry) entries.delete(key)
            return Deferred.done(entry.ready, exit)
          })
        ),
        Effect.asVoid,
        Effect.forkDetach
      )
      return entry
    })

  const leave = (key: string, entry: Entry) =>
    Effect.gen(function*() {
      entry.refs--
      if (entry.refs > 0) return
      if (entries.get(key) === entry) entries.delete(key)
      // Still starting: stopping the start kills the process too.
      if (entry.starting !== undefined) yield* Fiber.interrupt(entry.starting)
      const started = yield* Deferred.poll(entry.ready)
      if (Option.isSome(started)) {
        const connection = yield* Effect.option(started.value)
        if (Option.isSome(connection)) yield* connection.value.close
      }
    })

  return {
    acquire: (server, context) => {
      const key = keyOf(server)
      return Effect.acquireRelease(Effect.suspend(() => enter(key, server, context)), (entry) => leave(key, entry)).pipe(
        Effect.flatMap((entry) => Deferred.await(entry.ready))
      )
    }
  }
}
