/**
 * MCP connections shared between conversations. Measured (bench/mcp-connections.ts): a `server-everything`
 * process costs ~78 MiB resident and about half a second of CPU to start, so 50 conversations × 2 servers
 * each would be 100 processes and 7.8 GiB. Conversations whose entry and working directory are the same
 * share one connection instead (MCP multiplexes concurrent calls by request id): an effect `RcMap` counts
 * them, and the last conversation to let go of it closes it, killing the process group (a start still
 * under way is interrupted, which kills the process too). A server that failed to start is tried again by
 * the next conversation.
 */
import { Effect, Equal, Hash, RcMap, type Scope } from "effect"
import type { McpConnection, McpConnectionContext, McpServerError } from "./McpConnection.js"
import type { McpServerConfig } from "../config/McpServerConfig.js"

/**
 * The MCP client SDK (with zod and ajv, ~1 MB of code) is loaded with the first server to connect, not at
 * startup: most servers never have an `mcp_servers` entry, and the loaded code would stay resident.
 */
const loadConnection = Effect.promise(() => import("./McpConnection.js"))

/** What makes two conversations' servers the same: the entry (which says where a stdio server runs). */
class PoolKey implements Equal.Equal {
  readonly id: string
  constructor(readonly server: McpServerConfig, readonly context: McpConnectionContext) {
    this.id = JSON.stringify(server)
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof PoolKey && that.id === this.id
  }
  [Hash.symbol](): number {
    return Hash.string(this.id)
  }
}

export interface McpConnectionPool {
  /** The shared connection for `server`, held until the current scope closes. */
  readonly acquire: (server: McpServerConfig, context: McpConnectionContext) => Effect.Effect<McpConnection, McpServerError, Scope.Scope>
}

/** A pool whose connections all close with the current scope. */
export const makeMcpConnectionPool: Effect.Effect<McpConnectionPool, never, Scope.Scope> = Effect.gen(function*() {
  const connections = yield* RcMap.make({
    lookup: (key: PoolKey) =>
      Effect.acquireRelease(
        loadConnection.pipe(Effect.flatMap(({ connectMcpServer }) => connectMcpServer(key.server, key.context))),
        (connection) => connection.close
      )
  })
  return {
    acquire: (server, context) => {
      const key = new PoolKey(server, context)
      // A failed start is not kept: the next conversation tries again.
      return RcMap.get(connections, key).pipe(Effect.tapError(() => RcMap.invalidate(connections, key)))
    }
  }
})
