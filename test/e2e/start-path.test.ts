/**
 * What a start costs beyond loading the server: a stdio server that answers `initialize` and exits builds
 * no `Intl.Segmenter` (the first loads ICU data, 10–30 ms) and loads none of Node's big modules after the
 * launcher changes V8's flags (V8 then refuses Node's precompiled code for them and each is compiled
 * from source). `exec` changes no flag at all: its turn loads fetch's modules (~1 MB) after the start.
 * A preloaded script watches and reports at exit. The CA certificates of `NODE_EXTRA_CA_CERTS` (16–30 ms)
 * are read after the `initialize` answer.
 */
import { execFileSync, spawn } from "node:child_process"
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useServerCleanup } from "../support/AgentServer.js"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, SERVER_BIN, ServerProcess } from "../support/ServerProcess.js"

const WATCH = `
import * as v8 from "node:v8"
import { syncBuiltinESMExports } from "node:module"
import { writeFileSync } from "node:fs"
let segmenters = 0
const Segmenter = Intl.Segmenter
Intl.Segmenter = class extends Segmenter {
  constructor(...args) {
    super(...args)
    segmenters++
  }
}
let beforeFlags
const flags = []
const setFlags = v8.default.setFlagsFromString
v8.default.setFlagsFromString = (flag) => {
  beforeFlags ??= new Set(process.moduleLoadList)
  flags.push(flag)
  setFlags(flag)
}
syncBuiltinESMExports()
process.on("exit", () => {
  const afterFlags = beforeFlags === undefined ? [] : process.moduleLoadList.filter((name) => !beforeFlags.has(name))
  writeFileSync(process.env.START_PATH_REPORT, JSON.stringify({ segmenters, flags, afterFlags }))
})
`

/** Node modules a start loads that cost most when compiled from source. */
const BIG_MODULES = [
  "child_process",
  "crypto",
  "internal/crypto/webcrypto",
  "fs/promises",
  "readline",
  "stream",
  "stream/consumers",
  "internal/util/parse_args/parse_args",
  "worker_threads"
].map((name) => `NativeModule ${name}`)

const track = useServerCleanup()

/** Whether process `pid` has `path` open. */
const holdsFile = (pid: number, path: string) =>
  readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === path
    } catch {
      return false
    }
  })

/** The preloaded watcher, and where it reports. */
const watcher = () => {
  const dir = makeTempDir("start-path-")
  writeFileSync(join(dir, "watch.mjs"), WATCH)
  return { watch: join(dir, "watch.mjs"), report: join(dir, "report.json") }
}

describe("the start path", () => {
  it("answering initialize builds no Intl.Segmenter and compiles none of Node's big modules from source", async () => {
    const { report, watch } = watcher()
    const model = await startMockModelServer([])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url))
    const server = new ServerProcess({
      codexHome,
      env: { START_PATH_REPORT: report },
      command: { file: process.execPath, args: ["--import", watch, SERVER_BIN, "mcp"] }
    })
    track({ server, model })
    await server.initialize()
    expect((await server.closeAndWait()).code).toBe(0)
    const { afterFlags, segmenters } = JSON.parse(readFileSync(report, "utf8"))
    expect(segmenters).toBe(0)
    expect(afterFlags.filter((name: string) => BIG_MODULES.includes(name))).toEqual([])
  })

  it("exec runs its turn under V8's default flags", async () => {
    const { report, watch } = watcher()
    const model = await startMockModelServer([MockTurn.message("done")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: "responses" }))
    const work = makeTempDir("exec-work-")
    const env = { ...process.env, OPENAI_API_KEY: undefined, CODEX_EFFECT_LOG: undefined, CODEX_HOME: codexHome, START_PATH_REPORT: report }
    const child = spawn(process.execPath, ["--import", watch, SERVER_BIN, "exec", "--skip-git-repo-check", "-C", work, "say done"], { env })
    let stdout = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    const status = await new Promise((done) => child.once("close", done))
    await model.close()
    expect({ status, stdout }).toEqual({ status: 0, stdout: "done\n" })
    const { flags } = JSON.parse(readFileSync(report, "utf8"))
    expect(flags).toEqual([])
  })

  it("the stdio server answers initialize before it reads NODE_EXTRA_CA_CERTS", async () => {
    // A FIFO held open for writing: whoever reads it blocks until the test lets go.
    const dir = makeTempDir("extra-ca-")
    const fifo = join(dir, "extra-ca.pem")
    execFileSync("mkfifo", [fifo])
    const writer = openSync(fifo, "r+")
    let released = false
    const release = () => {
      if (!released) closeSync(writer)
      released = true
    }
    const model = await startMockModelServer([])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url))
    const server = new ServerProcess({ codexHome, env: { NODE_EXTRA_CA_CERTS: fifo }, command: { file: process.execPath, args: [SERVER_BIN, "mcp"] } })
    track({ server, model })
    try {
      await server.initialize()
      // Then it reads them (and waits in `read` until the test lets go), before its next answer.
      const deadline = Date.now() + 10_000
      while (!holdsFile(server.child.pid!, fifo)) {
        if (Date.now() > deadline) throw new Error("timed out after 10000 ms waiting for the server to read the certificates")
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      release()
    }
    expect(await server.request("ping")).toMatchObject({ result: {} })
  })
})
