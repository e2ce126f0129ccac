/**
 * Per-tool approval of MCP server tools, end to end with the real server-everything:
 * `[mcp_servers.<name>.tools.<tool>] approval_mode = "prompt"` asks even under `never`, and
 * `default_tools_approval_mode = "approve"` calls without asking even under `untrusted`; other tools
 * follow the approval policy (`auto`).
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { type MockModelServer, MockTurn } from "../support/MockModelServer.js"

const start = useAgentServer()

const toolOutput = (model: MockModelServer, request: number, callId: string): string | undefined =>
  (model.requests[request]!.body.messages as Array<{ role: string; tool_call_id?: string; content: string }>)
    .find((m) => m.role === "tool" && m.tool_call_id === callId)?.content

describe("MCP tool approval modes", () => {
  it("asks for a tool with approval_mode = prompt under never, and not for the others", async () => {
    const { server, model } = await start(
      [
        MockTurn.functionCall("everything__echo", { message: "ask me" }, "call1"),
        MockTurn.functionCall("everything__get-sum", { a: 2, b: 3 }, "call2"),
        MockTurn.message("done")
      ],
      {
        approvalPolicy: "never",
        extra: `${mcpServerToml("everything", everythingStdio())}\n[mcp_servers.everything.tools.echo]\napproval_mode = "prompt"\n`
      }
    )
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "go" } } })
    const elicitation = await server.waitForServerRequest("elicitation/create", 30_000)
    expect(elicitation.params).toMatchObject({ codex_elicitation: "mcp-tool-call", codex_mcp_server: "everything", codex_mcp_tool: "echo" })
    server.send({ id: elicitation.id!, result: { action: "accept", content: {} } })
    const answer = await server.waitFor((m) => m.id === 1, "the codex tool result", 30_000)
    expect(answer.result.structuredContent).toMatchObject({ content: "done" })
    expect(toolOutput(model, 1, "call1")).toBe("Echo: ask me")
    expect(toolOutput(model, 2, "call2")).toContain("5")
    expect(server.messages.filter((m) => m.method === "elicitation/create")).toHaveLength(1)
    expect(server.stderr).not.toContain("approval_mode")
  })

  it("calls without asking under untrusted when default_tools_approval_mode = approve", async () => {
    const { server, model } = await start(
      [MockTurn.functionCall("everything__echo", { message: "pre-approved" }, "call1"), MockTurn.message("done")],
      {
        approvalPolicy: "untrusted",
        extra: mcpServerToml("everything", everythingStdio()).replace("\n\n", "\n") + `default_tools_approval_mode = "approve"\n`
      }
    )
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "go" } }, 30_000)
    expect(answer.result.structuredContent).toMatchObject({ content: "done" })
    expect(toolOutput(model, 1, "call1")).toBe("Echo: pre-approved")
    expect(server.messages.filter((m) => m.method === "elicitation/create")).toHaveLength(0)
  })
})
