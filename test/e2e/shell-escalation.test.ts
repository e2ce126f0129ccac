/**
 * Escalation under `on-request`, end to end (built server, mock model, real bubblewrap): the `shell`
 * spec offers `with_escalated_permissions` and `justification`; an escalated command is asked about
 * with the justification as the reason, and once approved runs outside the sandbox. Under other
 * policies the parameters are not offered, and a model that sends them anyway gains nothing.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { callCodex, listTree, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { type MockModelServer, MockTurn } from "../support/MockModelServer.js"

const { makeStage, start } = useHostileStage()

const JUSTIFICATION = "The build cache lives outside the workspace."

/** The `shell` tool's parameters in the first request (Chat wire: tools are wrapped in `function`). */
const shellParameters = (model: MockModelServer) => {
  const tools = model.requests[0]!.body.tools as Array<{ function: { name: string; description: string; parameters: any } }>
  return tools.find((tool) => tool.function.name === "shell")!.function
}

const escalatedWrite = (target: string, callId = "esc1") =>
  MockTurn.functionCall("shell", {
    command: ["sh", "-c", `echo escalated > ${target}`],
    with_escalated_permissions: true,
    justification: JUSTIFICATION
  }, callId)

describe("on-request escalation", () => {
  it("offers the escalation parameters, asks with the justification, and runs unsandboxed once approved", async () => {
    const stage = makeStage()
    const target = join(stage.outside, "escalated.txt")
    const { server, model } = await start(stage, [escalatedWrite(target), MockTurn.message("done")])
    const call = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "on-request", cwd: stage.work }, "approved")

    const shell = shellParameters(model)
    expect(Object.keys(shell.parameters.properties)).toEqual(["command", "justification", "timeout_ms", "with_escalated_permissions", "workdir"])
    expect(shell.parameters.properties.with_escalated_permissions.type).toBe("boolean")
    expect(shell.description).toContain("with_escalated_permissions")
    expect(shell.description).toContain("Commands that require network access")

    expect(call.asked).toHaveLength(1)
    expect(call.asked[0]!.params).toMatchObject({
      codex_elicitation: "exec-approval",
      codex_command: ["sh", "-c", `echo escalated > ${target}`],
      codex_reason: JUSTIFICATION
    })
    expect(call.events.find((event) => event.type === "exec_approval_request")?.reason).toBe(JUSTIFICATION)
    expect(readFileSync(target, "utf8")).toBe("escalated\n")
  })

  it("a denied escalation never runs", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [escalatedWrite(join(stage.outside, "no.txt")), MockTurn.message("done")])
    const call = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "on-request", cwd: stage.work }, "denied")
    expect(call.asked).toHaveLength(1)
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    expect(toolOutputs(model)[0]).toBe("exec command rejected by user")
  })

  it("without escalation the same write stays in the sandbox and fails", async () => {
    const stage = makeStage()
    const target = join(stage.outside, "sandboxed.txt")
    const { server, model } = await start(stage, [
      MockTurn.shell(["sh", "-c", `echo plain > ${target}`]),
      MockTurn.message("done")
    ])
    const call = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "on-request", cwd: stage.work })
    expect(call.asked).toHaveLength(0)
    expect(existsSync(target)).toBe(false)
    expect(toolOutputs(model)[0]).toContain("Read-only file system")
  })
})

describe("other policies", () => {
  it("under `never` the parameters are not offered, and a hostile model's escalation widens nothing", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [escalatedWrite(join(stage.outside, "pwned.txt")), MockTurn.message("done")])
    const call = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    const shell = shellParameters(model)
    expect(Object.keys(shell.parameters.properties)).toEqual(["command", "timeout_ms", "workdir"])
    expect(shell.description).toBe("Runs a shell command and returns its output.")
    expect(call.asked).toHaveLength(0)
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    expect(toolOutputs(model)[0]).toContain("Read-only file system")
  })

  it("under `on-failure` an escalation flag is ignored: the command runs sandboxed, and leaving the sandbox still takes an approval", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [escalatedWrite(join(stage.outside, "pwned.txt")), MockTurn.message("done")])
    const call = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "on-failure", cwd: stage.work }, "denied")
    expect(Object.keys(shellParameters(model).parameters.properties)).not.toContain("with_escalated_permissions")
    // The only question is the reference's retry-without-sandbox offer after the sandboxed failure, never the justification.
    expect(call.asked.map((m) => m.params.codex_reason)).toEqual(["command failed; retry without sandbox?"])
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
  })
})
