/**
 * What the cluster tests look at in PostgreSQL, which has no event to wait on: a condition re-checked until it
 * holds (failing loudly after a deadline), and how the shards are split between runners.
 */
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { postgresBinDir } from "./Postgres.js"

/** Re-checks `ready` until it holds, failing loudly after `timeoutMs`. */
export const waitUntil = async (ready: () => boolean, timeoutMs: number, describe: () => string) => {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`)
    // PostgreSQL has no event to wait on here: look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Shards held per runner (advisory locks, one session each) in the database at `url`, smallest first. */
export const shardSplit = (url: string) =>
  spawnSync(join(postgresBinDir()!, "psql"), [
    url,
    "-tAc",
    `SELECT string_agg(n::text, ',' ORDER BY n) FROM (SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'
       AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY pid) AS held`
  ], { encoding: "utf8", timeout: 10_000 }).stdout.trim()
