/**
 * MCP servers of a conversation, end to end: a cancelled turn cancels its MCP call on the server, server
 * processes are shared by conversations and die with the last of them and with the server, a
 * crashed server starts again, `untrusted`
 * asks before each call (elicitation and `mcpToolCallApproval`), and codex-effect works as an MCP server
 * of itself.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { descendantPids, everythingStdio, everythingTapped, mcpServerToml } from "../support/McpServers.js"
import { mockConfigToml, MockTurn } from "../support/MockModelServer.js"
import { isRunning, waitForProcessExit } from "../support/Processes.js"
import { makeTempDir, SERVER_BIN, type ServerProcess } from "../support/ServerProcess.js"

const start = useAgentServer()

const toolOutput = (body: any, callId = "call1234"): string | undefined =>
  body.messages.find((m: any) => m.role === "tool" && m.tool_call_id === callId)?.content

const codexEvent = (server: ServerProcess, type: string, requestId?: number) =>
  server.waitFor(
    (m) => m.method === "codex/event" && m.params?.msg?.type === type && (requestId === undefined || m.params._meta?.requestId === requestId),
    `codex/event ${type}`,
    20_000
  )

/** Waits until `file` holds a line matching `pattern`; there is no event for another process's write. */
const waitForLine = async (file: string, pattern: RegExp, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : []
    const found = lines.find((line) => pattern.test(line))
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in ${file} after ${timeoutMs} ms`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Waits until `pid` is gone from /proc: its parent has reaped it, so the parent has seen it exit. */
const waitForReaped = async (pid: number, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} was not reaped within ${timeoutMs} ms`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const text = (value: string) => [{ type: "text", data: { text: value } }]

describe("MCP server lifecycle", { timeout: 60_000 }, () => {
  it("cancels the in-flight MCP call when the turn is cancelled", async () => {
    const log = join(makeTempDir("mcp-tap-"), "client-to-server.jsonl")
    const { server } = await start(
      [MockTurn.functionCall("everything__trigger-long-running-operation", { duration: 60, steps: 60 })],
      { approvalPolicy: "never", extra: mcpServerToml("everything", everythingTapped(log)) }
    )
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "wait" } } })
    await codexEvent(server, "mcp_tool_call_begin", 1)
    const call = JSON.parse(await waitForLine(log, /"method":"tools\/call"/))
    server.send({ method: "notifications/cancelled", params: { requestId: 1 } })
    await codexEvent(server, "turn_aborted", 1)
    const cancelled = JSON.parse(await waitForLine(log, /"method":"notifications\/cancelled"/))
    expect(cancelled.params.requestId).toBe(call.id)
  })

  it("shares servers between conversations (whatever their cwd) and kills them when the last of those closes, the rest on EOF", async () => {
    const { server } = await start([MockTurn.message("one"), MockTurn.message("two"), MockTurn.message("three")], {
      approvalPolicy: "never",
      extra: mcpServerToml("a", everythingStdio()) + mcpServerToml("b", everythingTapped(join(makeTempDir("mcp-tap-"), "log")))
    })
    const [here, there] = [makeTempDir("mcp-cwd-"), makeTempDir("mcp-cwd-")]
    /** The server's MCP server processes (not, say, the sandbox probe, which may come and go meanwhile). */
    const mcpPids = () =>
      descendantPids(server.child.pid!).filter((pid) => {
        try {
          return /server-everything|McpWireTap/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"))
        } catch {
          return false
        }
      })
    /** A conversation in `cwd` after one turn, and the MCP server processes that appeared for it. */
    const startConversation = async (cwd: string) => {
      const before = new Set(mcpPids())
      const created = (await server.request("newConversation", { cwd })).result
      await server.request("addConversationListener", { conversationId: created.conversationId })
      await server.request("sendUserMessage", { conversationId: created.conversationId, items: text("hi") })
      await server.waitFor(
        (m) => m.method === "codex/event/task_complete" && m.params?.conversationId === created.conversationId,
        "task_complete",
        30_000
      )
      return { created, pids: mcpPids().filter((pid) => !before.has(pid)) }
    }
    const archive = (created: { conversationId: string; rolloutPath: string }) =>
      server.request("archiveConversation", { conversationId: created.conversationId, rolloutPath: created.rolloutPath })

    const first = await startConversation(here)
    const second = await startConversation(there)
    // Two servers; the tapped one is a wrapper and the real server (one process group). They start in
    // `/`, not in a conversation's cwd, so conversations anywhere share them.
    expect(first.pids.length).toBeGreaterThanOrEqual(3)
    expect(second.pids).toEqual([])

    await archive(first.created)
    expect(first.pids.every(isRunning)).toBe(true)
    await archive(second.created)
    for (const pid of first.pids) await waitForProcessExit(pid)
    const third = await startConversation(here)
    expect(third.pids.length).toBeGreaterThanOrEqual(3)

    server.child.stdin.end()
    await server.waitForExit()
    for (const pid of third.pids) await waitForProcessExit(pid)
  })

  it("starts a crashed server again on the next call, and says it crashed", async () => {
    const { server, model } = await start(
      [
        MockTurn.functionCall("everything__echo", { message: "first" }),
        MockTurn.message("one"),
        MockTurn.functionCall("everything__echo", { message: "second" }, "call2"),
        MockTurn.message("two")
      ],
      { approvalPolicy: "never", extra: mcpServerToml("everything", everythingStdio()) }
    )
    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "one" } }, 30_000)
    const crashed = descendantPids(server.child.pid!)
    for (const pid of crashed) process.kill(pid, "SIGKILL")
    // Reaped (not just a zombie): the agent has seen its server exit.
    for (const pid of crashed) await waitForReaped(pid)
    server.send({
      id: 2,
      method: "tools/call",
      params: { name: "codex-reply", arguments: { sessionId: first.result.structuredContent.threadId, prompt: "two" } }
    })
    const crash = await codexEvent(server, "background_event", 2)
    expect(crash.params.msg.message).toMatch(/^MCP server `everything` exited/)
    await server.waitFor((m) => m.id === 2, "the codex-reply result", 30_000)
    expect(toolOutput(model.requests[3]!.body, "call2")).toBe("Echo: second")
  })

  it("asks with an mcp-tool-call elicitation under untrusted", async () => {
    const { server, model } = await start(
      [MockTurn.functionCall("everything__echo", { message: "may I" }), MockTurn.message("done")],
      { approvalPolicy: "untrusted", extra: mcpServerToml("everything", everythingStdio()) }
    )
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "echo" } } })
    const elicitation = await server.waitForServerRequest("elicitation/create", 30_000)
    expect(elicitation.params).toEqual({
      message: "Allow Codex to call the tool `echo` of the MCP server `everything`?",
      requestedSchema: expect.objectContaining({ type: "object" }),
      threadId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      codex_elicitation: "mcp-tool-call",
      codex_mcp_tool_call_id: "1",
      codex_event_id: "1",
      codex_call_id: "call1234",
      codex_mcp_server: "everything",
      codex_mcp_tool: "echo",
      codex_mcp_arguments: { message: "may I" }
    })
    server.send({ id: elicitation.id!, result: { action: "accept", content: {} } })
    await server.waitFor((m) => m.id === 1, "the codex tool result", 30_000)
    expect(toolOutput(model.requests[1]!.body)).toBe("Echo: may I")
  })

  it("asks the conversation API client with mcpToolCallApproval, and a denial never calls the tool", async () => {
    const { server, model } = await start(
      [MockTurn.functionCall("everything__echo", { message: "no" }), MockTurn.message("ok")],
      { approvalPolicy: "untrusted", extra: mcpServerToml("everything", everythingStdio()) }
    )
    const { conversationId } = (await server.request("newConversation", {})).result
    await server.request("addConversationListener", { conversationId })
    await server.request("sendUserMessage", { conversationId, items: text("echo") })
    const approval = await server.waitForServerRequest("mcpToolCallApproval", 30_000)
    expect(approval.params).toEqual({
      conversation_id: conversationId,
      call_id: "call1234",
      server: "everything",
      tool: "echo",
      arguments: { message: "no" }
    })
    server.send({ id: approval.id!, result: { decision: "denied" } })
    await server.waitFor((m) => m.method === "codex/event/task_complete", "task_complete", 30_000)
    expect(toolOutput(model.requests[1]!.body)).toBe("the user denied this MCP tool call")
    expect(server.messages.some((m) => m.method === "codex/event/mcp_tool_call_begin")).toBe(false)
  })

  it("calls its own codex tool through mcp_servers (an inner codex-effect on the same mock model)", async () => {
    const innerHome = makeTempDir("codex-home-inner-")
    const { server, model } = await start(
      [MockTurn.functionCall("inner__codex", { prompt: "inner task" }), MockTurn.message("inner answer"), MockTurn.message("outer done")],
      { approvalPolicy: "never", extra: mcpServerToml("inner", { command: process.execPath, args: [SERVER_BIN, "mcp"], env: { CODEX_HOME: innerHome } }) }
    )
    writeFileSync(join(innerHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never" }))
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "delegate" } }, 60_000)
    expect(answer.result.content).toEqual([{ type: "text", text: "outer done" }])
    expect(model.requests[1]!.body.messages.at(-1)).toEqual({ role: "user", content: "inner task" })
    expect(toolOutput(model.requests[2]!.body)).toMatch(/^inner answer\n\{"threadId":"[^"]+","content":"inner answer"\}$/)
  })
})
