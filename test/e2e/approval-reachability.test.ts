/**
 * Approvals reach someone who can answer, or the command is refused saying why. A client without the
 * MCP `elicitation` capability is never sent `elicitation/create`: the command is not run, and both the
 * tool result and the events say the client cannot show approvals and how to change the policy. A
 * client that never answers does not hold the turn: `approval_timeout_ms` ends the wait as a denial,
 * on the MCP path and on the conversation API's `execCommandApproval` alike.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { connectSdkClient, type SdkConnection } from "../support/SdkClient.js"
import { makeTempDir } from "../support/ServerProcess.js"

const start = useAgentServer()
const toolOutput = (model: MockModelServer, request: number) =>
  (model.requests[request]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content

describe("a client without the elicitation capability", () => {
  let connection: SdkConnection | undefined
  let model: MockModelServer | undefined
  afterEach(async () => {
    await connection?.close()
    await model?.close()
    connection = model = undefined
  })

  it("is never asked: the command is refused and the result and events say how to change the policy", async () => {
    const workdir = makeTempDir("codex-work-")
    model = await startMockModelServer([MockTurn.shell(["touch", "made.txt"], { workdir }), MockTurn.message("could not run it")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "untrusted" }))
    connection = await connectSdkClient({ codexHome, capabilities: { capabilities: {} } })
    const events: Array<{ type: string; message?: string }> = []
    const serverRequests: Array<string> = []
    connection.client.fallbackNotificationHandler = async (notification) => {
      if (notification.method === "codex/event") events.push((notification.params as { msg: { type: string } }).msg)
    }
    connection.client.fallbackRequestHandler = async (request) => {
      serverRequests.push(request.method)
      return {}
    }
    const result = await connection.client.callTool({ name: "codex", arguments: { prompt: "touch a file" } }) as {
      content: Array<{ type: string; text: string }>
    }
    expect(existsSync(join(workdir, "made.txt"))).toBe(false)
    expect(serverRequests).toEqual([])
    const notice = /cannot show approval requests.*approval-policy.*never/
    expect(result.content.map((part) => part.text).join("\n")).toMatch(notice)
    expect(events.some((msg) => msg.type === "background_event" && notice.test(msg.message ?? ""))).toBe(true)
    expect(toolOutput(model, 1)).toMatch(/^exec command rejected: this MCP client cannot show approval requests/)
    expect(toolOutput(model, 1)).not.toMatch(/rejected by user/)
  }, 30_000)
})

describe("approval_timeout_ms", () => {
  it("ends an unanswered elicitation as a denial and the turn completes", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server, model } = await start([MockTurn.shell(["touch", "late.txt"], { workdir }), MockTurn.message("moved on")], {
      approvalPolicy: "untrusted",
      extra: "approval_timeout_ms = 300"
    })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "touch" } }, 10_000)
    expect(answer.result.content[0].text).toBe("moved on")
    expect(server.messages.some((m) => m.method === "elicitation/create")).toBe(true)
    expect(existsSync(join(workdir, "late.txt"))).toBe(false)
    expect(toolOutput(model, 1)).toMatch(/no answer to the approval request within 300 ms \(approval_timeout_ms\)/)
    const notices = server.messages.filter((m) => m.method === "codex/event" && m.params.msg.type === "background_event")
    expect(notices.map((m) => m.params.msg.message)).toEqual([expect.stringMatching(/approval_timeout_ms/)])
  })

  it("ends an unanswered execCommandApproval of the conversation API the same way", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server, model } = await start([MockTurn.shell(["touch", "late.txt"], { workdir }), MockTurn.message("moved on")], {
      approvalPolicy: "untrusted",
      extra: "approval_timeout_ms = 300"
    })
    const { conversationId } = (await server.request("newConversation", { cwd: workdir })).result
    await server.request("addConversationListener", { conversationId })
    await server.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "touch" } }] })
    await server.waitForServerRequest("execCommandApproval")
    await server.waitFor((m) => m.method === "codex/event/task_complete", "task_complete", 10_000)
    expect(existsSync(join(workdir, "late.txt"))).toBe(false)
    expect(toolOutput(model, 1)).toMatch(/approval_timeout_ms/)
  })
})
