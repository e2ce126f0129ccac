/**
 * `notify`, end to end: after each completed task the configured program runs with the
 * `agent-turn-complete` JSON as its last argument; the turn does not wait for it, and a program that
 * cannot start is logged while the server keeps serving.
 */
import { existsSync, readFileSync, watch, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { isRunning } from "../support/Processes.js"
import { makeTempDir } from "../support/ServerProcess.js"

const start = useAgentServer()

/** Resolves when `path` exists (it is written by rename, so it is whole); fails loudly after `timeoutMs`. */
const waitForFile = (path: string, timeoutMs = 10_000) =>
  new Promise<void>((resolve, reject) => {
    const watcher = watch(dirname(path), () => check())
    const timer = setTimeout(() => {
      watcher.close()
      reject(new Error(`${path} did not appear within ${timeoutMs} ms`))
    }, timeoutMs)
    const check = () => {
      if (!existsSync(path)) return
      clearTimeout(timer)
      watcher.close()
      resolve()
    }
    check()
  })

/** A notify program: writes `{pid, argv}` to argv[2] (via rename), then exits, or hangs with `hang`. */
const notifyScript = (dir: string) => {
  const script = join(dir, "notify.mjs")
  writeFileSync(script, [
    `import { renameSync, writeFileSync } from "node:fs"`,
    `const [out, ...rest] = process.argv.slice(2)`,
    `writeFileSync(out + ".tmp", JSON.stringify({ pid: process.pid, argv: rest }))`,
    `renameSync(out + ".tmp", out)`,
    `if (rest[0] === "hang") setInterval(() => {}, 1000)`
  ].join("\n"))
  return script
}

const notifyLine = (argv: ReadonlyArray<string>) => `notify = ${JSON.stringify(argv)}`

describe("notify", () => {
  it("runs the program with the agent-turn-complete JSON as its last argument", async () => {
    const dir = makeTempDir("codex-notify-")
    const out = join(dir, "argv.json")
    const { server } = await start([MockTurn.message("All done.")], { extra: notifyLine([process.execPath, notifyScript(dir), out]) })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "say done" } })
    expect(answer.result.structuredContent.content).toBe("All done.")
    await waitForFile(out)
    const { argv } = JSON.parse(readFileSync(out, "utf8"))
    expect(argv).toHaveLength(1)
    expect(JSON.parse(argv[0])).toEqual({
      type: "agent-turn-complete",
      "turn-id": String(answer.id),
      "input-messages": ["say done"],
      "last-assistant-message": "All done."
    })
  })

  it("does not keep the turn waiting for a program that is still running", async () => {
    const dir = makeTempDir("codex-notify-")
    const out = join(dir, "argv.json")
    const { server } = await start([MockTurn.message("ok"), MockTurn.message("again")], {
      extra: notifyLine([process.execPath, notifyScript(dir), out, "hang"])
    })
    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "one" } })
    expect(first.result.structuredContent.content).toBe("ok")
    await waitForFile(out)
    const { pid } = JSON.parse(readFileSync(out, "utf8"))
    try {
      expect(isRunning(pid)).toBe(true)
      const second = await server.request("tools/call", { name: "codex", arguments: { prompt: "two" } })
      expect(second.result.structuredContent.content).toBe("again")
    } finally {
      process.kill(-pid, "SIGKILL")
    }
  })

  it("logs a program that cannot start, and keeps serving", async () => {
    const missing = join(makeTempDir("codex-notify-"), "no-such-notifier")
    const { server } = await start([MockTurn.message("ok"), MockTurn.message("still ok")], { extra: notifyLine([missing]) })
    await server.request("tools/call", { name: "codex", arguments: { prompt: "one" } })
    await server.waitForStderr("notify program failed to start")
    expect(server.stderr).toContain(basename(missing))
    const second = await server.request("tools/call", { name: "codex", arguments: { prompt: "two" } })
    expect(second.result.structuredContent.content).toBe("still ok")
  })
})
