/**
 * The key runners authenticate each other with (see `RunnerTransport`): 32 random bytes that the first
 * runner to start generates and stores in the cluster's PostgreSQL database, and every later runner
 * reads. Joining the cluster already takes the database (its URL and credentials): whoever can read this
 * row can also read every conversation and enqueue messages there, so keeping the key beside them adds
 * no one to the cluster, and an operator has nothing to generate, distribute or keep in sync. Whoever
 * has only the runner port (a network peer, a sandboxed command) has no key and completes no handshake.
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** The advisory lock key that serialises creating the table (an arbitrary constant of this project). */
const SECRET_LOCK = 0x73656372

/** The cluster's key: the stored one, or a new one stored now if this is the first runner. */
export const clusterSecret = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql`SELECT pg_advisory_xact_lock(${SECRET_LOCK})`
    yield* sql`CREATE TABLE IF NOT EXISTS codex_cluster_secret (
      only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
      secret TEXT NOT NULL
    )`
    yield* sql`INSERT INTO codex_cluster_secret (secret) VALUES (${randomBytes(32).toString("hex")}) ON CONFLICT DO NOTHING`
    return yield* sql<{ readonly secret: string }>`SELECT secret FROM codex_cluster_secret`
  }))
  return Uint8Array.from(Buffer.from(rows[0]!.secret, "hex"))
})
