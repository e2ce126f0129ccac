/**
 * What an operator reads from a cluster's database without joining it: its conversations
 * (`sessions --cluster`) and its runners, the shards each holds and how many conversations live on those
 * shards (`cluster status`). It takes no lock and registers nothing: it only reads (creating the store's tables
 * if the cluster never ran).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { Cause, Data, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { DEFAULT_SHARDS, runnerOfApplicationName, withoutPassword } from "./ClusterOptions.js"
import { ConversationStore, type StoredSummary } from "./ConversationStore.js"

/** The database could not be read; the message names it (without its password). */
export class ClusterInspectionError extends Data.TaggedError("ClusterInspectionError")<{ readonly message: string }> {}

export interface RunnerStatus {
  /** `host:port`, where the other runners reach it. */
  readonly address: string
  readonly healthy: boolean
  /** ISO 8601. */
  readonly lastHeartbeat: string
  readonly shards: number
  /** Stored, unarchived conversations whose shard this runner holds. */
  readonly conversations: number
}

export interface ClusterStatus {
  readonly runners: ReadonlyArray<RunnerStatus>
  /** Conversations on shards no runner holds (they start on the next runner to take the shard). */
  readonly unownedConversations: number
}

/**
 * The shard a conversation lives on: effect's cluster routing (`Sharding.getShardId`, group "default"),
 * a djb2 hash that is part of its persistent wire format and never changes.
 */
const shardOf = (conversationId: string, shards: number): string => {
  let h = 5381
  let i = conversationId.length
  while (i) h = (h * 33) ^ conversationId.charCodeAt(--i)
  const hash = (h & 0xbfffffff) | ((h >>> 1) & 0x40000000)
  return `default:${Math.abs(hash % shards) + 1}`
}

const PAGE = 500

/** effect's advisory lock namespace for the `cluster` table prefix, as pg_locks shows it (an unsigned oid). */
const LOCK_NAMESPACE_OID = ((text: string) => {
  const bytes = new TextEncoder().encode(text)
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193)
  return hash >>> 0
})("effect-cluster:cluster")

const withDatabase = <A, E>(url: string, effect: Effect.Effect<A, E, SqlClient.SqlClient | ConversationStore>) =>
  effect.pipe(
    Effect.provide(ConversationStore.layerFor(withoutPassword(url)).pipe(
      Layer.provideMerge(PgClient.layer({ url: Redacted.make(url), applicationName: "codex-effect-inspect" }))
    )),
    Effect.catchCause((cause) =>
      Effect.fail(
        new ClusterInspectionError({
          message: `cannot read the cluster at ${withoutPassword(url)}: ${
            ((error) => (error instanceof Error ? error.message : String(error)))(Cause.squash(cause))
          }`
        })
      )
    )
  )

const allConversations = Effect.gen(function*() {
  const store = yield* ConversationStore
  const all: Array<StoredSummary> = []
  for (;;) {
    const page = yield* store.list({ pageSize: PAGE, after: all.at(-1)?.conversationId, archived: false })
    all.push(...page)
    if (page.length < PAGE) return all
  }
})

/** Every unarchived conversation of the cluster, newest first. */
export const listClusterConversations = (url: string) => withDatabase(url, allConversations)

/** The runners registered in the cluster, with their shards and conversations. */
export const clusterStatus = (url: string, shards: number = DEFAULT_SHARDS) =>
  withDatabase(
    url,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const runners = yield* sql<{ readonly address: string; readonly healthy: boolean; readonly last_heartbeat: Date }>`
        SELECT address, healthy, last_heartbeat FROM cluster_runners ORDER BY address`
      // Shard locks are advisory locks of each runner's lock session (effect's SqlRunnerStorage: namespace
      // FNV-1a of "effect-cluster:cluster", lock number 1000000 + shard for the one group).
      const held = yield* sql<{ readonly objid: number; readonly application_name: string }>`
        SELECT l.objid::bigint AS objid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${LOCK_NAMESPACE_OID}
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`
      const locks = held.flatMap((row) => {
        const address = runnerOfApplicationName(row.application_name)
        return address === undefined ? [] : [{ shard_id: `default:${Number(row.objid) - 1_000_000}`, address }]
      })
      const conversations = yield* allConversations
      const owner = new Map(locks.map((lock) => [lock.shard_id, lock.address]))
      const perRunner = new Map<string, number>()
      let unowned = 0
      for (const { conversationId } of conversations) {
        const address = owner.get(shardOf(conversationId, shards))
        if (address === undefined) unowned += 1
        else perRunner.set(address, (perRunner.get(address) ?? 0) + 1)
      }
      const status: ClusterStatus = {
        runners: runners.map((runner) => ({
          address: runner.address,
          healthy: runner.healthy,
          lastHeartbeat: new Date(runner.last_heartbeat).toISOString(),
          shards: locks.filter((lock) => lock.address === runner.address).length,
          conversations: perRunner.get(runner.address) ?? 0
        })),
        unownedConversations: unowned
      }
      return status
    })
  )
