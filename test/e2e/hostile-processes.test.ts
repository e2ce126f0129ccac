/**
 * A hostile model against containment and approvals, end to end (built server, mock model, real
 * bubblewrap): `setsid`/`nohup` grandchildren under danger-full-access must die with their command
 * (and with the server on stdin EOF); a session-approved command must not become a way out of the
 * sandbox once the model has rewritten what it runs; a missing bubblewrap must be visible to the
 * client and in the log, not only to the model.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { processesWith } from "../exec/support.js"
import { callCodex, listTree, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { MockTurn } from "../support/MockModelServer.js"
import { waitForProcessExit } from "../support/Processes.js"
import type { ServerProcess } from "../support/ServerProcess.js"

const { makeStage, start } = useHostileStage()

let token = ""
afterEach(() => {
  // Only matters when a test fails: leave nothing running behind.
  for (const pid of processesWith(token)) process.kill(pid, "SIGKILL")
})

/** Three grandchildren that leave the command's process group or ignore hang-ups, each marking `dir` once started. */
const escapees = (dir: string) =>
  [
    `setsid sh -c 'touch ${dir}/m1; sleep 30; :' ${token}-setsid &`,
    `nohup sh -c 'touch ${dir}/m2; sleep 30; :' ${token}-nohup >/dev/null 2>&1 &`,
    `setsid -f sh -c 'touch ${dir}/m3; sleep 30; :' ${token}-fork`,
    `while [ ! -e ${dir}/m1 ] || [ ! -e ${dir}/m2 ] || [ ! -e ${dir}/m3 ]; do sleep 0.01; done`
  ].join("\n")

const waitUntil = async (what: string, check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const allDead = async () => Promise.all(processesWith(token).map((pid) => waitForProcessExit(pid)))

describe("danger-full-access contains the whole process tree", () => {
  it("setsid / nohup grandchildren die when the command ends", async () => {
    const stage = makeStage()
    token = `hostile-linger-${process.pid}-${Date.now()}`
    const { server } = await start(stage, [MockTurn.shell(["sh", "-c", escapees(stage.work)]), MockTurn.message("done")])
    await callCodex(server, { sandbox: "danger-full-access", "approval-policy": "never", cwd: stage.work })
    expect(listTree(stage.work)).toEqual(["m1", "m2", "m3"])
    await allDead()
    expect(processesWith(token)).toEqual([])
  })

  it("and when the server's stdin closes while the command runs", async () => {
    const stage = makeStage()
    token = `hostile-eof-${process.pid}-${Date.now()}`
    const { server } = await start(stage, [
      MockTurn.shell(["sh", "-c", `${escapees(stage.work)}\nsleep 30`], { timeoutMs: 60_000 }),
      MockTurn.message("done")
    ])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "x", sandbox: "danger-full-access", "approval-policy": "never", cwd: stage.work } } })
    await waitUntil("the grandchildren to start", () => ["m1", "m2", "m3"].every((m) => existsSync(join(stage.work, m))))
    expect(processesWith(token).length).toBeGreaterThanOrEqual(3)
    await server.closeAndWait()
    await allDead()
    expect(processesWith(token)).toEqual([])
  })
})

describe("session approval", () => {
  it("a command approved for the session reruns inside the sandbox; a rewritten script is caught and asked about again", async () => {
    const stage = makeStage()
    writeFileSync(join(stage.work, "run.sh"), "echo ok\n")
    const marker = join(stage.outside, "escaped")
    const { server, model } = await start(stage, [
      MockTurn.functionCall("shell", { command: ["sh", "run.sh"], with_escalated_permissions: true, justification: "tests" }, "c1"),
      MockTurn.shell(["sh", "-c", `echo 'touch ${marker}' > run.sh`], { callId: "c2" }),
      MockTurn.shell(["sh", "run.sh"], { callId: "c3" }),
      MockTurn.message("done")
    ])
    const call = await callCodex(
      server,
      { sandbox: "workspace-write", "approval-policy": "on-request", cwd: stage.work },
      ["approved_for_session", "denied"]
    )
    expect(existsSync(marker)).toBe(false)
    expect(call.asked.map((m) => m.params.codex_command)).toEqual([["sh", "run.sh"], ["sh", "run.sh"]])
    expect(call.asked[1]!.params.codex_reason).toBe("command failed; retry without sandbox?")
    expect(toolOutputs(model).at(-1)).toBe("exec command rejected by user")
  })
})

const stderrShows = (server: ServerProcess, text: string) => waitUntil(`stderr to show ${JSON.stringify(text)}`, () => server.stderr.includes(text))

describe("a missing bubblewrap is visible", () => {
  it("a WARN at start-up, an event the client sees when a command is refused, and a WARN when full access runs uncontained", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [
      MockTurn.shell(["sh", "-c", "echo ran > ran.txt"], { callId: "c1" }),
      MockTurn.message("done"),
      MockTurn.shell(["sh", "-c", "echo full > full.txt"], { callId: "c2" }),
      MockTurn.message("done")
    ], { extra: `codex_linux_sandbox_exe = "${join(stage.root, "no-bwrap")}"` })
    await stderrShows(server, "apt-get install bubblewrap")
    expect(server.stderr).toMatch(/level=WARN.*The command sandbox is unavailable/)

    const refused = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    expect(existsSync(join(stage.work, "ran.txt"))).toBe(false)
    const event = refused.events.find((e) => e.type === "background_event")
    expect(event?.message).toContain("apt-get install bubblewrap")
    expect(toolOutputs(model)[0]).toMatch(/^exec command rejected: auto-rejected because command is not on trusted list: The command sandbox is unavailable/)

    await callCodex(server, { sandbox: "danger-full-access", "approval-policy": "never", cwd: stage.work })
    expect(existsSync(join(stage.work, "full.txt"))).toBe(true)
    await stderrShows(server, "danger-full-access commands run without process containment")
  })
})
