/**
 * Invariant I8 (docs/security.md): a sandboxed command's processes are capped. The kernel applies
 * `RLIMIT_NPROC` to normal users only, which is how the server is run, so the server here runs as
 * `nobody` (`setpriv`); the tests themselves run as root in CI. Built server, mock model, real bwrap.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, chownSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { callCodex, toolOutputs } from "../support/HostileWorkspace.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, SERVER_BIN, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const NOBODY = 65534
const asRoot = process.getuid?.() === 0

const running: Array<{ server: ServerProcess; model: MockModelServer }> = []
afterEach(async () => {
  for (const { server, model } of running.splice(0)) {
    server.kill()
    await server.exited
    await model.close()
  }
})

/** A directory `nobody` owns. */
const nobodysDir = (prefix: string) => {
  const dir = makeTempDir(prefix)
  chownSync(dir, NOBODY, NOBODY)
  chmodSync(dir, 0o755)
  return dir
}

/** The built server run as `nobody`, with `extra` in its config.toml. */
const startAsNobody = async (turns: ReadonlyArray<MockTurn>, extra: string) => {
  const model = await startMockModelServer(turns)
  const codexHome = nobodysDir("procs-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { extra }))
  chownSync(join(codexHome, "config.toml"), NOBODY, NOBODY)
  const server = spawnServer({
    codexHome,
    env: { HOME: codexHome },
    command: {
      file: "setpriv",
      args: ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", process.execPath, SERVER_BIN, "mcp"]
    }
  })
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

describe.skipIf(!asRoot)("I8: a command's processes are capped (the server run as a normal user)", () => {
  it.each([{ policy: "workspace-write" }, { policy: "read-only" }])("under $policy, 300 background processes stop at the configured 64; the next command runs", async ({ policy }) => {
    const { server, model } = await startAsNobody([
      MockTurn.shell(["sh", "-c", BOMB], { callId: "bomb" }),
      MockTurn.shell(["sh", "-c", "echo next"], { callId: "next" }),
      MockTurn.message("done")
    ], "sandbox_max_processes = 64")
    const cwd = nobodysDir("procs-work-")
    await callCodex(server, { cwd, sandbox: policy, "approval-policy": "never" }, "denied", 60_000)
    const [bomb, next] = toolOutputs(model)
    expect(processCount(bomb!)).toBeGreaterThan(10)
    expect(processCount(bomb!)).toBeLessThanOrEqual(64)
    expect(JSON.parse(next!).output).toBe("next\n")
  })

  it("a real fork bomb runs into the cap until its time-out: the host never sees more of its processes than the cap", async () => {
    // The shell itself keeps running (without forking) until the 3 s time-out, so the bomb is sampled while it runs.
    const bomb = "b() { b | b & }; b; while :; do :; done"
    const { server, model } = await startAsNobody([
      MockTurn.functionCall("shell", { command: ["bash", "-c", bomb], timeout_ms: 3000 }, "bomb"),
      MockTurn.shell(["sh", "-c", "echo next"], { callId: "next" }),
      MockTurn.message("done")
    ], "sandbox_max_processes = 64")
    const counts: Array<number> = []
    const sampler = setInterval(() => {
      counts.push(Number(execFileSync("pgrep", ["-c", "-u", String(NOBODY)], { encoding: "utf8" }).trim() || 0))
    }, 100)
    setTimeout(() => clearInterval(sampler), 2500)
    await callCodex(server, { cwd: nobodysDir("procs-work-"), sandbox: "workspace-write", "approval-policy": "never" }, "denied", 60_000)
    clearInterval(sampler)
    // The server and the sandbox's outer bwrap run as nobody too, and a fork being refused is counted while it is: a few beyond 64.
    expect(Math.max(...counts)).toBeGreaterThan(40)
    expect(Math.max(...counts)).toBeLessThanOrEqual(70)
    expect(JSON.parse(toolOutputs(model)[0]!).metadata.exit_code).toBe(124)
    expect(JSON.parse(toolOutputs(model)[1]!).output).toBe("next\n")
  })

  it("without the setting the default cap (2048) holds, far above what the bomb needs: all 300 run", async () => {
    const { server, model } = await startAsNobody([MockTurn.shell(["sh", "-c", BOMB], { callId: "bomb" }), MockTurn.message("done")], "")
    await callCodex(server, { cwd: nobodysDir("procs-work-"), sandbox: "workspace-write", "approval-policy": "never" }, "denied", 60_000)
    expect(processCount(toolOutputs(model)[0]!)).toBeGreaterThan(300)
  })
})
