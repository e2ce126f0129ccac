/**
 * `mcp --cluster <postgres-url>`: this process becomes a runner of the cluster (it hosts the
 * conversations of the shards it owns, over effect's socket runner keyed by the cluster's secret) and its front reaches every
 * conversation through the cluster. Runners find each other, and keep shard locks, message storage and
 * conversation histories, in the one PostgreSQL database.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { Cause, Data, Duration, Effect, Layer, Option, Redacted } from "effect"
import { type MessageStorage, RunnerAddress, type Runners, type Sharding } from "effect/cluster"
import { clusterSecret } from "./ClusterSecret.js"
import { runnerTransport } from "./RunnerTransport.js"
import { ConversationManager } from "../services/ConversationManager.js"
import { type ClusterOptions, DEFAULT_SHARDS, runnerApplicationName, withoutPassword } from "./ClusterOptions.js"
import * as ClusterConversationManager from "./ClusterConversationManager.js"
import * as ConversationHosting from "./ConversationHosting.js"
import { ConversationStore } from "./ConversationStore.js"

/** What the socket runner layer provides. */
type ShardingServices = Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage

/** The cluster could not start on this process; the message says what to fix. */
export class ClusterStartError extends Data.TaggedError("ClusterStartError")<{ readonly message: string }> {}

/**
 * How fast a dead runner is noticed and its shards move: the lock a runner holds on each of its shards
 * expires this long after its last refresh (PostgreSQL also drops a dead session's advisory locks at once).
 */
const failoverTimings = {
  // Also the deadline of each lock operation: shorter fails spuriously on a busy machine.
  shardLockRefreshInterval: Duration.seconds(2),
  shardLockExpiration: Duration.seconds(6),
  refreshAssignmentsInterval: Duration.seconds(1),
  runnerHealthCheckInterval: Duration.seconds(2)
}

/** The cluster's ConversationManager; it needs what `ConversationManager.layer` needs, to host conversations here. */
export const clusteredConversations = (options: ClusterOptions) => {
  // The application name carries the runner's address: `cluster status` finds who holds which shard lock by it.
  const sql = PgClient.layer({ url: Redacted.make(options.url), applicationName: runnerApplicationName(options) })
  // Other runners are reached, and reach this one, only with the cluster's key (see `RunnerTransport`).
  const sharding = Layer.unwrap(Effect.map(clusterSecret, (secret) =>
    runnerTransport(secret, {
      host: options.host,
      port: options.port,
      runnerAddress: Option.some(RunnerAddress.make(options.host, options.port)),
      shardsPerGroup: options.shards ?? DEFAULT_SHARDS,
      ...failoverTimings
    })
  )).pipe(
    Layer.catchTag("SocketServerError", (error) =>
      Layer.unwrap<ShardingServices, never, never, ClusterStartError, never>(Effect.fail(
        new ClusterStartError({
          message: `cannot listen on ${options.host}:${options.port} for the other runners (${
            String(error.reason.cause ?? error.reason._tag)
          }); choose another --runner-address`
        })
      )))
  )
  const hosting = ConversationHosting.layer.pipe(Layer.provide(ConversationManager.layer))
  return Layer.merge(ClusterConversationManager.layer, hosting).pipe(
    Layer.provide(ConversationStore.layerFor(withoutPassword(options.url))),
    Layer.provide(sharding),
    Layer.provide(sql),
    // PostgreSQL unreachable (or any other start failure, a defect included): say which database, once.
    Layer.catchCause((cause) => {
      if (Cause.hasInterruptsOnly(cause)) return Layer.unwrap<ConversationManager, never, never, never, never>(Effect.interrupt)
      const error = Cause.squash(cause)
      return Layer.unwrap<ConversationManager, never, never, ClusterStartError, never>(Effect.fail(
        error instanceof ClusterStartError ? error : new ClusterStartError({
          message: `cannot start the cluster runner with PostgreSQL at ${withoutPassword(options.url)}: ${
            error instanceof Error ? error.message : String(error)
          }`
        })
      ))
    })
  )
}
