/**
 * The conversation JSON-RPC API for IDE clients, end to end over raw JSON-RPC (see
 * docs/protocol.md, Conversation API): the reference scenarios, broadcast listeners, and persisted conversations
 * listed, resumed in a new server process, and archived.
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const servers: Array<ServerProcess> = []
let model: MockModelServer | undefined

afterEach(async () => {
  for (const server of servers.splice(0)) server.kill()
  await model?.close()
  model = undefined
})

const setup = async (turns: ReadonlyArray<MockTurn>, config: Parameters<typeof mockConfigToml>[1] = {}) => {
  model = await startMockModelServer(turns)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, config))
  return { model, codexHome }
}

const launch = async (codexHome: string) => {
  const server = spawnServer({ codexHome })
  servers.push(server)
  await server.initialize()
  return server
}

const text = (value: string) => [{ type: "text", data: { text: value } }]

const taskComplete = (server: ServerProcess, conversationId: string, timeoutMs?: number) =>
  server.waitFor(
    (m) => m.method === "codex/event/task_complete" && m.params.conversationId === conversationId,
    "codex/event/task_complete",
    timeoutMs
  )

describe("conversation API", () => {
  it("runs a conversation with a listener (ls) and removes the listener", async () => {
    const cwd = makeTempDir("codex-work-")
    const { codexHome } = await setup([MockTurn.shell(["ls"], { workdir: cwd }), MockTurn.message("Listed!")])
    const server = await launch(codexHome)
    const created = await server.request("newConversation", { cwd })
    expect(created.result).toMatchObject({ conversationId: expect.any(String), model: "mock-model", rolloutPath: expect.any(String) })
    const conversationId = created.result.conversationId
    const listener = await server.request("addConversationListener", { conversationId })
    expect(listener.result.subscriptionId).toEqual(expect.any(String))
    expect((await server.request("sendUserMessage", { conversationId, items: text("list files") })).result).toEqual({})
    const done = await taskComplete(server, conversationId)
    expect(done.params).toMatchObject({ msg: { type: "task_complete", last_agent_message: "Listed!" }, conversationId })
    expect(server.messages.some((m) => m.method === "codex/event/exec_command_end" && m.params.conversationId === conversationId))
      .toBe(true)
    expect((await server.request("removeConversationListener", { subscriptionId: listener.result.subscriptionId })).result)
      .toEqual({})
    expect((await server.request("removeConversationListener", { subscriptionId: listener.result.subscriptionId })).error)
      .toMatchObject({ code: -32600, message: expect.stringContaining("subscription not found") })
  })

  it("asks execCommandApproval, then sendUserTurn with never runs without asking", async () => {
    const cwd = makeTempDir("codex-work-")
    const { codexHome } = await setup([
      MockTurn.shell(["python3", "-c", "print(42)"], { workdir: cwd, callId: "call1" }),
      MockTurn.message("done 1"),
      MockTurn.shell(["python3", "-c", "print(42)"], { workdir: cwd, callId: "call2" }),
      MockTurn.message("done 2")
    ])
    const server = await launch(codexHome)
    const { conversationId } = (await server.request("newConversation", { cwd })).result
    await server.request("addConversationListener", { conversationId })
    await server.request("sendUserMessage", { conversationId, items: text("run python") })
    const approval = await server.waitForServerRequest("execCommandApproval")
    expect(approval.params).toEqual({ conversation_id: conversationId, call_id: "call1", command: ["python3", "-c", "print(42)"], cwd })
    server.send({ id: approval.id!, result: { decision: "approved" } })
    await taskComplete(server, conversationId)
    const requestsBefore = server.messages.filter((m) => m.method !== undefined && m.id !== undefined).length
    const turn = await server.request("sendUserTurn", {
      conversationId,
      items: text("run python again"),
      cwd,
      approvalPolicy: "never",
      sandboxPolicy: { mode: "read-only" },
      model: "mock-model",
      effort: "medium",
      summary: "auto"
    })
    expect(turn.result).toEqual({})
    const second = await taskComplete(server, conversationId)
    expect(second.params.msg.last_agent_message).toBe("done 2")
    expect(server.messages.filter((m) => m.method !== undefined && m.id !== undefined).length).toBe(requestsBefore)
  })

  it("sends approval requests even when no listener exists", async () => {
    const cwd = makeTempDir("codex-work-")
    const { codexHome } = await setup([MockTurn.shell(["touch", "f"], { workdir: cwd }), MockTurn.message("ok")])
    const server = await launch(codexHome)
    const { conversationId } = (await server.request("newConversation", { cwd })).result
    await server.request("sendUserMessage", { conversationId, items: text("touch") })
    const approval = await server.waitForServerRequest("execCommandApproval")
    server.send({ id: approval.id!, result: { decision: "denied" } })
    await server.request("addConversationListener", { conversationId })
    await taskComplete(server, conversationId)
    expect(existsSync(join(cwd, "f"))).toBe(false)
  })

  it("answers interruptConversation with {abortReason: interrupted} during sleep 10", async () => {
    const cwd = makeTempDir("codex-work-")
    const { codexHome } = await setup([MockTurn.shell(["sleep", "10"], { workdir: cwd, timeoutMs: 60_000 })], {
      approvalPolicy: "never"
    })
    const server = await launch(codexHome)
    const { conversationId } = (await server.request("newConversation", { cwd })).result
    await server.request("addConversationListener", { conversationId })
    await server.request("sendUserMessage", { conversationId, items: text("sleep") })
    await server.waitFor((m) => m.method === "codex/event/exec_command_begin", "the sleep to start")
    const interrupted = await server.request("interruptConversation", { conversationId })
    expect(interrupted.result).toEqual({ abortReason: "interrupted" })
    expect(server.messages.some((m) => m.method === "codex/event/turn_aborted")).toBe(true)
    const idle = await server.request("interruptConversation", { conversationId })
    expect(idle.error).toMatchObject({ code: -32600, message: expect.stringContaining("no turn is running") })
  })

  it("reaches the model with the requested model, stream: true and the user message last", async () => {
    const { codexHome, model } = await setup([MockTurn.message("Hi!")])
    const server = await launch(codexHome)
    const created = await server.request("newConversation", { model: "o3" })
    expect(created.result.model).toBe("o3")
    const { conversationId } = created.result
    await server.request("addConversationListener", { conversationId })
    expect((await server.request("sendUserMessage", { conversationId, items: text("Hello") })).result).toEqual({})
    await taskComplete(server, conversationId)
    const body = model.requests[0]!.body
    expect(body).toMatchObject({ model: "o3", stream: true })
    expect(body.messages.at(-1)).toEqual({ role: "user", content: "Hello" })
  })

  it("answers an unknown conversation with an error", async () => {
    const { codexHome } = await setup([])
    const server = await launch(codexHome)
    const answer = await server.request("sendUserMessage", {
      conversationId: "67e55044-10b1-426f-9247-bb680e5fe0c8",
      items: text("x")
    })
    expect(answer.error).toEqual({ code: -32600, message: "conversation not found: 67e55044-10b1-426f-9247-bb680e5fe0c8" })
  })

  it("gives two listeners the same events", async () => {
    const cwd = makeTempDir("codex-work-")
    const { codexHome } = await setup([MockTurn.shell(["echo", "hi"], { workdir: cwd }), MockTurn.message("both")])
    const server = await launch(codexHome)
    const { conversationId } = (await server.request("newConversation", { cwd, approvalPolicy: "never" })).result
    await server.request("addConversationListener", { conversationId })
    await server.request("addConversationListener", { conversationId })
    await server.request("sendUserMessage", { conversationId, items: text("echo") })
    await taskComplete(server, conversationId)
    await taskComplete(server, conversationId)
    const seen = server.messages.filter((m) => m.method?.startsWith("codex/event/")).map((m) => JSON.stringify(m.params))
    const counts = new Map<string, number>()
    for (const event of seen) counts.set(event, (counts.get(event) ?? 0) + 1)
    expect([...counts.values()].every((count) => count === 2)).toBe(true)
    expect(seen.length).toBeGreaterThan(6)
  })
})

describe("persisted conversations", () => {
  it("lists a conversation, resumes it in a new server process with its history, and archives it", async () => {
    const { codexHome, model } = await setup([MockTurn.message("remembered"), MockTurn.message("resumed answer")])
    const first = await launch(codexHome)
    const created = (await first.request("newConversation", {})).result
    await first.request("addConversationListener", { conversationId: created.conversationId })
    await first.request("sendUserMessage", { conversationId: created.conversationId, items: text("remember this") })
    await taskComplete(first, created.conversationId)
    expect(await first.closeAndWait()).toEqual({ code: 0, signal: null })

    const second = await launch(codexHome)
    const listed = (await second.request("listConversations", {})).result
    expect(listed.items).toEqual([
      { conversationId: created.conversationId, path: created.rolloutPath, preview: "remember this", timestamp: expect.any(String) }
    ])
    const resumed = await second.request("resumeConversation", { path: created.rolloutPath })
    expect(resumed.result).toMatchObject({ conversationId: created.conversationId, model: "mock-model" })
    expect(resumed.result.initialMessages).toEqual([
      { type: "user_message", message: "remember this" },
      { type: "agent_message", message: "remembered" }
    ])
    await second.request("addConversationListener", { conversationId: created.conversationId })
    await second.request("sendUserMessage", { conversationId: created.conversationId, items: text("and now?") })
    await taskComplete(second, created.conversationId)
    const messages = model.requests[1]!.body.messages as Array<{ role: string; content: unknown }>
    expect(messages.slice(-3)).toEqual([
      { role: "user", content: "remember this" },
      { role: "assistant", content: "remembered" },
      { role: "user", content: "and now?" }
    ])

    const archived = await second.request("archiveConversation", {
      conversationId: created.conversationId,
      rolloutPath: created.rolloutPath
    })
    expect(archived.result).toEqual({})
    expect(existsSync(created.rolloutPath)).toBe(false)
    expect(readdirSync(join(codexHome, "archived_sessions"))).toHaveLength(1)
    expect((await second.request("listConversations", {})).result.items).toEqual([])
  })
})
