/**
 * `required = true` on an MCP server: when it cannot start, no task runs without it — the call fails
 * with an error naming the server — while a server that is not required only costs its tools.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { mcpServerToml } from "../support/McpServers.js"
import { MockTurn } from "../support/MockModelServer.js"

const start = useAgentServer()

const broken = (name: string, required: boolean) =>
  mcpServerToml(name, { command: "/nonexistent/mcp-server", startupTimeoutSec: 5 }) + (required ? "\nrequired = true\n" : "\n")

describe("required MCP servers", () => {
  it("a required server that cannot start fails the call, naming it; the model is never asked", async () => {
    const { server, model } = await start([MockTurn.message("never")], { approvalPolicy: "never", extra: broken("needed", true) })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toMatch(/MCP server `needed` failed to start: .*\(the server is required: required = true\)/)
    expect(model.requests).toHaveLength(0)
  })

  it("a server that is not required only loses its tools", async () => {
    const { server } = await start([MockTurn.message("fine")], { approvalPolicy: "never", extra: broken("optional", false) })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(answer.result.isError).not.toBe(true)
    expect(answer.result.content[0].text).toBe("fine")
  })
})
