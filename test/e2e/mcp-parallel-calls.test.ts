/**
 * `supports_parallel_tool_calls` of a configured MCP server, end to end over the Responses API: the model
 * is told it may make several calls in one response, and two calls of that server's tools in one response
 * run at the same time (the meeting server answers "together" only when a second call arrives while the
 * first runs). Without the setting, the calls run one after the other and the model is not told.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { mcpServerToml } from "../support/McpServers.js"
import { type MockModelServer, MockTurn } from "../support/MockModelServer.js"

const start = useAgentServer()
const MEETING_JS = new URL("../support/MeetingMcpServer.mjs", import.meta.url).pathname

const twoMeetings = [
  MockTurn.functionCalls(
    { name: "meeting__meet", args: {}, callId: "first" },
    { name: "meeting__meet", args: {}, callId: "second" }
  ),
  MockTurn.message("done")
]

const outputs = (model: MockModelServer) =>
  (model.requests[1]!.body.input as Array<{ type: string; call_id?: string; output?: string }>)
    .filter((item) => item.type === "function_call_output")
    .map((item) => [item.call_id, item.output])

const serverToml = (parallel: boolean) =>
  mcpServerToml("meeting", { command: process.execPath, args: [MEETING_JS] }).trimEnd() +
  (parallel ? "\nsupports_parallel_tool_calls = true\n" : "\n")

describe("MCP servers' supports_parallel_tool_calls", () => {
  it("runs two calls of one response at the same time, and records both outputs in call order", async () => {
    const { server, model } = await start(twoMeetings, { wireApi: "responses", approvalPolicy: "never", extra: serverToml(true) })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "meet twice" } }, 30_000)
    expect(answer.result.structuredContent).toMatchObject({ content: "done" })
    expect(model.requests[0]!.body.parallel_tool_calls).toBe(true)
    expect(outputs(model)).toEqual([["first", "together"], ["second", "together"]])
  })

  it("runs them one after the other when the server does not say it supports it", async () => {
    const { server, model } = await start(twoMeetings, { wireApi: "responses", approvalPolicy: "never", extra: serverToml(false) })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "meet twice" } }, 30_000)
    expect(answer.result.structuredContent).toMatchObject({ content: "done" })
    expect(model.requests[0]!.body.parallel_tool_calls).toBe(false)
    expect(outputs(model)).toEqual([["first", "alone"], ["second", "alone"]])
  })
})
