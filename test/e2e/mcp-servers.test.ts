/**
 * Tools from other MCP servers (`[mcp_servers]` in config.toml), end to end: the built server, the mock
 * model, and the real `server-everything` / `server-filesystem` from node_modules over stdio and
 * streamable HTTP. The model calls `server__tool`; the tool's output reaches the next request.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { everythingStdio, FILESYSTEM_JS, mcpServerToml, startEverythingHttp } from "../support/McpServers.js"
import { MockTurn } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess } from "../support/ServerProcess.js"

const start = useAgentServer()
const httpServers: Array<{ readonly child: { kill: () => boolean } }> = []
afterEach(() => {
  for (const server of httpServers.splice(0)) server.child.kill()
})

const eventsOf = (server: ServerProcess, requestId: number) =>
  server.messages.filter((m) => m.method === "codex/event" && m.params?._meta?.requestId === requestId).map((m) => m.params.msg)

/** The text the model got back for its tool call, on either wire. */
const toolOutput = (body: any, callId = "call1234"): string | undefined =>
  body.messages !== undefined
    ? body.messages.find((m: any) => m.role === "tool" && m.tool_call_id === callId)?.content
    : body.input.find((item: any) => item.type === "function_call_output" && item.call_id === callId)?.output

describe("tools from other MCP servers", () => {
  it("offers server__tool to the model, calls it over stdio and gives the model its output (chat wire)", async () => {
    const { server, model } = await start(
      [MockTurn.functionCall("everything__echo", { message: "hello mcp" }), MockTurn.message("done")],
      { approvalPolicy: "never", extra: mcpServerToml("everything", everythingStdio()) }
    )
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "echo it" } }, 30_000)
    expect(answer.result.content).toEqual([{ type: "text", text: "done" }])
    const offered = model.requests[0]!.body.tools.map((tool: any) => tool.function.name)
    expect(offered).toEqual(expect.arrayContaining(["shell", "everything__echo", "everything__get-sum"]))
    const echo = model.requests[0]!.body.tools.find((tool: any) => tool.function.name === "everything__echo").function
    expect(echo.parameters).toMatchObject({ type: "object", properties: { message: { type: "string" } } })
    expect(toolOutput(model.requests[1]!.body)).toBe("Echo: hello mcp")

    const events = eventsOf(server, answer.id as number)
    const begin = events.findIndex((msg) => msg.type === "mcp_tool_call_begin")
    const end = events.findIndex((msg) => msg.type === "mcp_tool_call_end")
    expect(begin).toBeGreaterThan(0)
    expect(end).toBeGreaterThan(begin)
    const invocation = { server: "everything", tool: "echo", arguments: { message: "hello mcp" } }
    expect(events[begin]).toEqual({ type: "mcp_tool_call_begin", call_id: "call1234", invocation })
    expect(events[end]).toMatchObject({
      type: "mcp_tool_call_end",
      call_id: "call1234",
      invocation,
      result: { Ok: { content: [{ type: "text", text: "Echo: hello mcp" }] } }
    })
    expect(events[end].duration).toEqual({ secs: expect.any(Number), nanos: expect.any(Number) })
  })

  it("calls get-sum on the Responses wire", async () => {
    const { server, model } = await start(
      [MockTurn.functionCall("everything__get-sum", { a: 2, b: 40 }), MockTurn.message("42")],
      { approvalPolicy: "never", wireApi: "responses", extra: mcpServerToml("everything", everythingStdio()) }
    )
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "add" } }, 30_000)
    expect(answer.result.content).toEqual([{ type: "text", text: "42" }])
    const offered = model.requests[0]!.body.tools.find((tool: any) => tool.name === "everything__get-sum")
    expect(offered).toMatchObject({ type: "function", strict: false, parameters: { type: "object" } })
    expect(toolOutput(model.requests[1]!.body)).toBe("The sum of 2 and 40 is 42.")
  })

  it("calls a streamable HTTP server", async () => {
    const http = await startEverythingHttp()
    httpServers.push(http)
    const { server, model } = await start(
      [MockTurn.functionCall("web__echo", { message: "over http" }), MockTurn.message("done")],
      { approvalPolicy: "never", extra: mcpServerToml("web", { url: http.url }) }
    )
    await server.request("tools/call", { name: "codex", arguments: { prompt: "echo" } }, 30_000)
    expect(toolOutput(model.requests[1]!.body)).toBe("Echo: over http")
  })

  it("reads a workspace file through server-filesystem", async () => {
    const workspace = makeTempDir("mcp-workspace-")
    writeFileSync(join(workspace, "notes.txt"), "the secret is 7\n")
    const { server, model } = await start(
      [MockTurn.functionCall("fs__read_text_file", { path: join(workspace, "notes.txt") }), MockTurn.message("read")],
      { approvalPolicy: "never", extra: mcpServerToml("fs", { command: process.execPath, args: [FILESYSTEM_JS, workspace] }) }
    )
    await server.request("tools/call", { name: "codex", arguments: { prompt: "read notes" } }, 30_000)
    // The text, then the structured content the server sends beside it.
    expect(toolOutput(model.requests[1]!.body)).toBe(`the secret is 7\n\n${JSON.stringify({ content: "the secret is 7\n" })}`)
  })

  it("ends a call that outlasts tool_timeout_sec with an error the model and the client see", async () => {
    const { server, model } = await start(
      [MockTurn.functionCall("everything__trigger-long-running-operation", { duration: 30, steps: 30 }), MockTurn.message("gave up")],
      { approvalPolicy: "never", extra: mcpServerToml("everything", everythingStdio({ toolTimeoutSec: 0.5 })) }
    )
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "wait" } }, 30_000)
    expect(answer.result.content).toEqual([{ type: "text", text: "gave up" }])
    expect(toolOutput(model.requests[1]!.body)).toBe("tool call error: tool call timed out after 0.5 s (tool_timeout_sec)")
    const end = eventsOf(server, answer.id as number).find((msg) => msg.type === "mcp_tool_call_end")
    expect(end.result).toEqual({ Err: "tool call error: tool call timed out after 0.5 s (tool_timeout_sec)" })
  })

  it("gives the model the parse error of bad JSON arguments", async () => {
    const { server, model } = await start(
      [{ kind: "functionCall", name: "everything__echo", arguments: "{not json", callId: "call1234" }, MockTurn.message("ok")],
      { approvalPolicy: "never", extra: mcpServerToml("everything", everythingStdio()) }
    )
    await server.request("tools/call", { name: "codex", arguments: { prompt: "x" } }, 30_000)
    expect(toolOutput(model.requests[1]!.body)).toMatch(/^err: .*JSON/)
  })

  it("reports a server that cannot start as a background event, and the turn still completes", async () => {
    const { server, model } = await start(
      [MockTurn.message("fine without it")],
      {
        approvalPolicy: "never",
        extra: mcpServerToml("missing", { command: "/nonexistent/mcp-server" }) + mcpServerToml("everything", everythingStdio())
      }
    )
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } }, 30_000)
    expect(answer.result.content).toEqual([{ type: "text", text: "fine without it" }])
    const background = eventsOf(server, answer.id as number).filter((msg) => msg.type === "background_event")
    expect(background).toEqual([{ type: "background_event", message: expect.stringMatching(/^MCP server `missing` failed to start: .*ENOENT/) }])
    const offered = model.requests[0]!.body.tools.map((tool: any) => tool.function.name)
    expect(offered).toContain("everything__echo")
    expect(offered.some((name: string) => name.startsWith("missing__"))).toBe(false)
  })
})
