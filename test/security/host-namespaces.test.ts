/**
 * I7 (docs/security.md): a sandboxed command shares no kernel object with the host but the file system as
 * bound. End to end: the built server, a hostile mock model, real bubblewrap.
 *
 * System V IPC objects and POSIX message queues have no path: they live in the IPC namespace, found by
 * number or name. The test creates a shared memory segment and a message queue as the user, the way a
 * host program (a database, an X client) does, and the model tries to write both from each sandbox mode.
 * Processes too: the server's own pid must be neither visible nor signalable from inside.
 */
import { execFileSync } from "node:child_process"
import { afterEach, describe, expect, it } from "vitest"
import { callCodex, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { MockTurn } from "../support/MockModelServer.js"

const { makeStage, start } = useHostileStage()

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A System V object made by `ipcmk` (`-M 64`: shared memory, `-Q`: a message queue), removed after the test. */
const hostIpc = (kind: "-M" | "-Q"): number => {
  const id = Number(/(\d+)\s*$/.exec(execFileSync("ipcmk", kind === "-M" ? ["-M", "64"] : ["-Q"], { encoding: "utf8" }))![1])
  cleanups.push(() => execFileSync("ipcrm", [kind === "-M" ? "-m" : "-q", String(id)], { stdio: "ignore" }))
  return id
}

const perl = (script: string) => execFileSync("perl", ["-e", script], { encoding: "utf8" })

/** The command's own output, from the tool output the model received. */
const commandOutput = (output: string): string => JSON.parse(output).output

const POLICIES = [
  { name: "read-only", args: { sandbox: "read-only" }, workspaceWrite: "" },
  { name: "workspace-write", args: { sandbox: "workspace-write" }, workspaceWrite: "" },
  { name: "workspace-write with network access", args: { sandbox: "workspace-write" }, workspaceWrite: "network_access = true" }
] as const

describe("I7: a command shares no kernel object with the host", () => {
  it.each(POLICIES)("under $name: the host's System V shared memory and message queues are out of reach", async ({ args, workspaceWrite }) => {
    const stage = makeStage()
    const shm = hostIpc("-M")
    const queue = hostIpc("-Q")
    perl(`shmwrite(${shm}, "host", 0, 4) or die $!`)
    const probe = [
      `shmwrite(${shm}, "SBOX", 0, 4) ? print("wrote shm\\n") : print("shm: $!\\n");`,
      `msgsnd(${queue}, pack("l! a*", 1, "from the sandbox"), 0) ? print("sent msg\\n") : print("msg: $!\\n");`
    ].join("")
    const { server, model } = await start(stage, [
      MockTurn.shell(["perl", "-e", probe], { callId: "ipc" }),
      MockTurn.shell(["sh", "-c", "ipcs -m -q | grep -c '^0x' || true"], { callId: "list" }),
      MockTurn.message("done")
    ], { workspaceWrite })
    await callCodex(server, { ...args, "approval-policy": "never", cwd: stage.work })

    const [ipc, list] = toolOutputs(model).map(commandOutput)
    expect(ipc).not.toContain("wrote shm")
    expect(ipc).not.toContain("sent msg")
    expect(list!.trim()).toBe("0")
    expect(perl(`shmread(${shm}, $v, 0, 4) or die $!; print $v`)).toBe("host")
    expect(perl(`use IPC::SysV qw(IPC_NOWAIT); print msgrcv(${queue}, my $m, 256, 0, IPC_NOWAIT) ? "received" : "empty"`)).toBe("empty")
  })

  it("the server's process is neither visible nor signalable from the sandbox", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [
      MockTurn.shell(["sh", "-c", "test -e /proc/$SERVER_PID && echo visible; kill -STOP $SERVER_PID 2>/dev/null && echo stopped; echo checked"]),
      MockTurn.message("done")
    ], { workspaceWrite: "" })
    const pid = server.child.pid!
    // The model knows the pid (it may guess it); the command gets it through its environment here.
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work, config: { "shell_environment_policy.set.SERVER_PID": String(pid) } })
    expect(commandOutput(toolOutputs(model)[0]!)).toBe("checked\n")
    expect(await server.request("tools/list", {}, 5_000)).toHaveProperty("result")
  })
})
