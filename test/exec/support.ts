/**
 * Helpers for the exec tests: temp dirs, a minimal command environment, and waiting for a process to
 * die (polled with a deadline that fails loudly, never a blind sleep).
 */
import { readdirSync, readFileSync } from "node:fs"
import { Effect } from "effect"
import { makeTempDir } from "../support/TempDirs.js"

export const tempDir = (prefix = "codex-exec-") => makeTempDir(prefix)

/** What a command gets in these tests: a PATH and nothing else. */
export const testEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" }

/** Alive and not a zombie. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]
    return state !== "Z"
  } catch {
    return false
  }
}

/** Pids of live processes whose command line contains `token`. */
export const processesWith = (token: string): Array<number> =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, "utf8").includes(token) && isAlive(Number(name))
      } catch {
        return false
      }
    })
    .map(Number)

/** Waits until `check()` holds, re-checking every 10 ms; fails with `what` after `timeoutMs`. */
export const eventually = (what: string, check: () => boolean, timeoutMs = 5_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`))
      yield* Effect.sleep("10 millis")
    }
  })

/** The pid written to `file` by the command under test, once it is there. */
export const pidFrom = (file: string) =>
  eventually(`${file} to hold a pid`, () => {
    try {
      return /^\d+\s*$/.test(readFileSync(file, "utf8"))
    } catch {
      return false
    }
  }).pipe(Effect.map(() => Number(readFileSync(file, "utf8"))))
