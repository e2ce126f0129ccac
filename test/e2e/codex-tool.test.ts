/**
 * The `codex` and `codex-reply` MCP tools end to end: the built server, a mock model provider over
 * real HTTP, raw JSON-RPC and the official MCP SDK client.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import type { ServerProcess } from "../support/ServerProcess.js"

const start = useAgentServer()

const events = (server: ServerProcess, requestId: number | string) =>
  server.messages.filter((m) => m.method === "codex/event" && m.params?._meta?.requestId === requestId)

describe("codex tool", () => {
  it("answers with the last agent message and streams every event", async () => {
    const { server, model } = await start([MockTurn.message("Enjoy!")])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "hello" } } })
    const answer = await server.waitFor((m) => m.id === 1, "the codex tool result")
    const threadId = answer.result.structuredContent.threadId
    expect(answer.result).toEqual({ content: [{ type: "text", text: "Enjoy!" }], structuredContent: { threadId, content: "Enjoy!" } })
    const types = events(server, 1).map((m) => m.params.msg.type)
    expect(types[0]).toBe("session_configured")
    expect(types).toEqual(expect.arrayContaining(["task_started", "agent_message_delta", "agent_message", "task_complete"]))
    expect(events(server, 1)[0]!.params).toMatchObject({ id: "", msg: { session_id: threadId, model: "mock-model" } })
    expect(events(server, 1).find((m) => m.params.msg.type === "task_started")!.params.id).toBe("1")
    const body = model.requests[0]!.body
    expect(body).toMatchObject({ model: "mock-model", stream: true })
    expect(body.messages.at(-1)).toEqual({ role: "user", content: "hello" })
  })

  it("passes base-instructions to the model as the system message", async () => {
    const { server, model } = await start([MockTurn.message("Enjoy!")])
    const answer = await server.request("tools/call", {
      name: "codex",
      arguments: { prompt: "How are you?", "base-instructions": "You are a helpful assistant." }
    })
    expect(answer.result.content).toEqual([{ type: "text", text: "Enjoy!" }])
    expect(model.requests[0]!.body.messages[0].content.startsWith("You are a helpful assistant.")).toBe(true)
  })

  it("continues a session with codex-reply, resending the earlier history", async () => {
    const { server, model } = await start([MockTurn.message("first answer"), MockTurn.message("second answer")])
    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "first question" } })
    const sessionId = first.result.structuredContent.threadId
    const second = await server.request("tools/call", { name: "codex-reply", arguments: { sessionId, prompt: "second question" } })
    expect(second.result.content).toEqual([{ type: "text", text: "second answer" }])
    const messages = model.requests[1]!.body.messages as Array<{ role: string; content: unknown }>
    expect(messages.slice(-3)).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "second question" }
    ])
  })

  it("accepts threadId and conversationId as aliases of sessionId", async () => {
    const { server } = await start([MockTurn.message("one"), MockTurn.message("two"), MockTurn.message("three")])
    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "q" } })
    const id = first.result.structuredContent.threadId
    expect((await server.request("tools/call", { name: "codex-reply", arguments: { threadId: id, prompt: "q2" } })).result.content[0].text)
      .toBe("two")
    expect((await server.request("tools/call", { name: "codex-reply", arguments: { conversationId: id, prompt: "q3" } })).result.content[0].text)
      .toBe("three")
  })

  it("answers validation problems with isError results", async () => {
    const { server } = await start([])
    expect((await server.request("tools/call", { name: "codex" })).result).toEqual({
      content: [{ type: "text", text: "Missing arguments for codex tool-call; the `prompt` field is required." }],
      isError: true
    })
    const bad = await server.request("tools/call", { name: "codex", arguments: { prompt: "x", sandbox: "nope" } })
    expect(bad.result.isError).toBe(true)
    expect(bad.result.content[0].text).toMatch(/^Failed to parse configuration for Codex tool: .*sandbox/)
    const profile = await server.request("tools/call", { name: "codex", arguments: { prompt: "x", profile: "missing" } })
    expect(profile.result.content[0].text).toBe("Failed to load Codex configuration from overrides: config profile `missing` not found")
    const unknown = await server.request("tools/call", {
      name: "codex-reply",
      arguments: { sessionId: "67e55044-10b1-426f-9247-bb680e5fe0c8", prompt: "x" }
    })
    expect(unknown.result).toEqual({
      content: [{ type: "text", text: "Session not found for session_id: 67e55044-10b1-426f-9247-bb680e5fe0c8" }],
      isError: true
    })
  })

  it("ends with an isError result when the model fails", async () => {
    const { server } = await start([MockTurn.status(400)])
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "x" } })
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toMatch(/400/)
    expect(events(server, answer.id!).map((m) => m.params.msg.type)).toContain("error")
  })

  it("runs five calls at once, each with its own answer, and answers ping meanwhile", async () => {
    const { server, model } = await start([])
    model.push(...[1, 2, 3, 4, 5].map(() => MockTurn.message("answer")))
    const calls = [1, 2, 3, 4, 5].map((n) => server.request("tools/call", { name: "codex", arguments: { prompt: `q${n}` } }))
    expect((await server.request("ping")).result).toEqual({})
    const answers = await Promise.all(calls)
    const threads = new Set(answers.map((a) => a.result.structuredContent.threadId))
    expect(threads.size).toBe(5)
    for (const answer of answers) expect(answer.result.content[0].text).toBe("answer")
  })
})
