/**
 * Every process exits once its work is done, also when many start at once on a busy machine. A V8 flag
 * once made about one start in fourteen hang at exit (the main thread joining a worker thread that never
 * woke) when eight ran side by side: a client that ends a server, or a script that runs a command, would
 * wait forever. Runs 48 short commands, 8 at a time, each given 15 s.
 */
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { SERVER_BIN } from "../support/ServerProcess.js"

/** Outside /tmp, so the compile cache is on, as for a user's `~/.codex` (it was part of the hang). */
const TRUSTED_PARENT = resolve(import.meta.dirname, "../../.test-homes")
let codexHome = ""
afterAll(() => rmSync(codexHome, { recursive: true, force: true }))

const EACH_MS = 15_000

/** Runs `login status`; resolves with its exit code, or "hung" when it has not exited in time (then killed). */
const loginStatus = () =>
  new Promise<number | string>((resolve) => {
    const child = spawn(process.execPath, [SERVER_BIN, "login", "status"], {
      env: { ...process.env, CODEX_HOME: codexHome, OPENAI_API_KEY: undefined },
      stdio: ["ignore", "ignore", "ignore"]
    })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      resolve("hung")
    }, EACH_MS)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      resolve(code ?? `signal ${signal}`)
    })
  })

describe("short-lived commands under load", () => {
  it("48 `login status` runs, 8 at a time: each exits, none hangs", async () => {
    mkdirSync(TRUSTED_PARENT, { recursive: true, mode: 0o755 })
    codexHome = mkdtempSync(join(TRUSTED_PARENT, "exit-under-load-"))
    writeFileSync(join(codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: "sk-test" }), { mode: 0o600 })
    const outcomes = await Promise.all(Array.from({ length: 8 }, async () => {
      const mine: Array<number | string> = []
      for (let i = 0; i < 6; i++) mine.push(await loginStatus())
      return mine
    }))
    expect(outcomes.flat().filter((outcome) => outcome !== 0)).toEqual([])
  }, 8 * 6 * EACH_MS)
})
