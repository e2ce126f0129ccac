/**
 * Invariant I8 (docs/security.md): a sandboxed command's processes are capped. The kernel applies
 * `RLIMIT_NPROC` to normal users only, which is how the server is run: run as root (as in CI), the tests
 * start the server as `nobody` (`setpriv`); run as a normal user, as that user. Built server, mock model,
 * real bwrap.
 */
import { chmodSync, chownSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { callCodex, toolOutputs } from "../support/HostileWorkspace.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, SERVER_BIN, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const asRoot = process.getuid?.() === 0
/** The user the server runs as: `nobody` when the tests run as root, else the tests' own. */
const SERVER_UID = asRoot ? 65534 : process.getuid!()

const running: Array<{ server: ServerProcess; model: MockModelServer }> = []
afterEach(async () => {
  for (const { server, model } of running.splice(0)) {
    server.kill()
    await server.exited
    await model.close()
  }
})

/** A directory the server's user owns. */
const serversDir = (prefix: string) => {
  const dir = makeTempDir(prefix)
  if (asRoot) chownSync(dir, SERVER_UID, SERVER_UID)
  chmodSync(dir, 0o755)
  return dir
}

/** The built server run as `SERVER_UID`, with `extra` in its config.toml. */
const startServer = async (turns: ReadonlyArray<MockTurn>, extra: string) => {
  const model = await startMockModelServer(turns)
  const codexHome = serversDir("procs-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { extra }))
  if (asRoot) chownSync(join(codexHome, "config.toml"), SERVER_UID, SERVER_UID)
  const asNobody = ["--reuid", String(SERVER_UID), "--regid", String(SERVER_UID), "--clear-groups", process.execPath, SERVER_BIN, "mcp"]
  const server = spawnServer({ codexHome, env: { HOME: codexHome }, ...(asRoot ? { command: { file: "setpriv", args: asNobody } } : {}) })
  running.push({ server, model })
  await server.initialize()
  return { server, model }
}

/**
 * Starts 300 background sleeps (in a subshell, whose fork failures end it), then counts the processes
 * in the sandbox with the shell's own glob, which needs no fork.
 */
const BOMB = "(for i in $(seq 300); do sleep 30 & done) 2>/dev/null; set -- /proc/[0-9]*; echo \"processes: $#\""

const processCount = (output: string) => Number(/processes: (\d+)/.exec(JSON.parse(output).output)?.[1])

describe("I8: a command's processes are capped (the server run as a normal user)", () => {
  it.each([{ policy: "workspace-write" }, { policy: "read-only" }])("under $policy, 300 background processes stop at the configured 64; the next command runs", async ({ policy }) => {
    const { server, model } = await startServer([
      MockTurn.shell(["sh", "-c", BOMB], { callId: "bomb" }),
      MockTurn.shell(["sh", "-c", "echo next"], { callId: "next" }),
      MockTurn.message("done")
    ], "sandbox_max_processes = 64")
    const cwd = serversDir("procs-work-")
    await callCodex(server, { cwd, sandbox: policy, "approval-policy": "never" }, "denied", 60_000)
    const [bomb, next] = toolOutputs(model)
    expect(processCount(bomb!)).toBeGreaterThan(10)
    expect(processCount(bomb!)).toBeLessThanOrEqual(64)
    expect(JSON.parse(next!).output).toBe("next\n")
  })

  it("a real fork bomb runs into the cap until its time-out: the host never sees more of its processes than the cap", async () => {
    // The shell itself keeps running (without forking) until the 3 s time-out, so the bomb is sampled while it runs.
    const bomb = "b() { b | b & }; b; while :; do :; done"
    const { server, model } = await startServer([
      MockTurn.functionCall("shell", { command: ["bash", "-c", bomb], timeout_ms: 3000 }, "bomb"),
      MockTurn.shell(["sh", "-c", "echo next"], { callId: "next" }),
      MockTurn.message("done")
    ], "sandbox_max_processes = 64")
    const processesOfUser = () =>
      readdirSync("/proc").filter((entry) => {
        if (!/^\d+$/.test(entry)) return false
        try {
          return readFileSync(`/proc/${entry}/status`, "utf8").match(/^Uid:\s+(\d+)/m)?.[1] === String(SERVER_UID)
        } catch {
          return false
        }
      }).length
    // The user's other processes (the server; the tests' own when they do not run as root) are not the bomb's.
    const before = processesOfUser()
    const counts: Array<number> = []
    const sampler = setInterval(() => counts.push(processesOfUser() - before), 100)
    setTimeout(() => clearInterval(sampler), 2500)
    await callCodex(server, { cwd: serversDir("procs-work-"), sandbox: "workspace-write", "approval-policy": "never" }, "denied", 60_000)
    clearInterval(sampler)
    // The sandbox's outer bwrap runs as that user too, and a fork being refused is counted while it is: a few beyond 64.
    expect(Math.max(...counts)).toBeGreaterThan(40)
    expect(Math.max(...counts)).toBeLessThanOrEqual(68)
    expect(JSON.parse(toolOutputs(model)[0]!).metadata.exit_code).toBe(124)
    expect(JSON.parse(toolOutputs(model)[1]!).output).toBe("next\n")
  })

  it("without the setting the default cap (2048) holds, far above what the bomb needs: all 300 run", async () => {
    const { server, model } = await startServer([MockTurn.shell(["sh", "-c", BOMB], { callId: "bomb" }), MockTurn.message("done")], "")
    await callCodex(server, { cwd: serversDir("procs-work-"), sandbox: "workspace-write", "approval-policy": "never" }, "denied", 60_000)
    expect(processCount(toolOutputs(model)[0]!)).toBeGreaterThan(300)
  })
})
