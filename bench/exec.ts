/**
 * The `exec` rows: one `exec --experimental-json` process per sample, run the way the Codex SDK runs it
 * (prompt on stdin, `CODEX_API_KEY`, the SDK's originator), against the mock model: the time from spawn
 * to the `thread.started` line, and to the exit after a one-message turn. The reference runs at its
 * best (no update check, analytics or plugins; a model it knows, so no metadata warning), with its
 * TMPDIR outside CODEX_HOME. Each server keeps one CODEX_HOME and one TMPDIR across samples, as on a
 * user's machine: Node's compile cache (ours) stays warm, and the reference unpacks its bundled skills
 * into CODEX_HOME once, not on every sample.
 */
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { MockTurn, startMockModelServer } from "../test/support/MockModelServer.ts"
import type { Scenario, Target } from "./scenarios.ts"

const SERVER_BIN = resolve("dist/codex-effect.mjs")

const benchDir = (prefix: string) => {
  mkdirSync(".bench/homes", { recursive: true })
  return mkdtempSync(join(process.cwd(), `.bench/homes/${prefix}-`))
}

const kept = new Map<string, string>()
/** One directory per server and purpose, kept across samples. */
const keptDir = (target: Target, purpose: string) => {
  const key = `${target.name} ${purpose}`
  const existing = kept.get(key)
  if (existing !== undefined) return existing
  const dir = benchDir(`exec-${purpose}`)
  kept.set(key, dir)
  return dir
}

const configToml = (url: string) =>
  [
    `model = "gpt-5.4"`,
    `model_provider = "mock"`,
    `check_for_update_on_startup = false`,
    ``,
    `[model_providers.mock]`,
    `name = "mock"`,
    `base_url = "${url}"`,
    `wire_api = "responses"`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    `supports_websockets = false`,
    ``,
    `[analytics]`,
    `enabled = false`,
    ``,
    `[features]`,
    `plugins = false`,
    `remote_plugin = false`,
    `apps = false`,
    ``
  ].join("\n")

/** [spawn → thread.started, spawn → exit] in ms, for one one-message turn. */
const execOnce = async (target: Target): Promise<ReadonlyArray<number>> => {
  const model = await startMockModelServer([MockTurn.message("done")])
  const home = keptDir(target, "home")
  writeFileSync(join(home, "config.toml"), configToml(model.url))
  const work = keptDir(target, "work")
  const args = ["exec", "--experimental-json", "--skip-git-repo-check", "-C", work]
  const [file, argv] = target.command === undefined ? [process.execPath, [SERVER_BIN, ...args]] : [target.command.file, args]
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: keptDir(target, "user"),
    CODEX_HOME: home,
    TMPDIR: keptDir(target, "tmp"),
    CODEX_API_KEY: "sk-bench",
    CODEX_INTERNAL_ORIGINATOR_OVERRIDE: "codex_sdk_ts",
    RUST_LOG: "error"
  }
  try {
    const started = performance.now()
    const child = spawn(file, argv, { env, stdio: ["pipe", "pipe", "pipe"] })
    child.stdin.end("say done")
    let threadStarted: number | undefined
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk
      if (threadStarted === undefined && stdout.includes(`"thread.started"`)) threadStarted = performance.now() - started
    })
    child.stderr.on("data", (chunk: string) => (stderr += chunk))
    const code = await new Promise<number | null>((done) => child.once("exit", done))
    const ended = performance.now() - started
    if (code !== 0 || threadStarted === undefined || !stdout.includes(`"turn.completed"`)) {
      throw new Error(`exec exited ${code}: ${stdout.slice(-300)} ${stderr.slice(-300)}`)
    }
    return [threadStarted, ended]
  } finally {
    await model.close()
  }
}

export const execScenario: Scenario = {
  metrics: [
    { name: "exec: spawn → thread.started", unit: "ms" },
    { name: "exec: one-message turn, spawn → exit", unit: "ms" }
  ],
  sample: execOnce
}
