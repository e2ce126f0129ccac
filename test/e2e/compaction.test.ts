/**
 * Compaction end to end, against the built server and the HTTP mock model (Responses API): a
 * response whose usage passes `model_auto_compact_token_limit` gets the history summarised, and the
 * next request carries the summary instead of the old turns; a provider's context-length refusal
 * compacts and retries once; the compacted history is what a resumed conversation continues from.
 * The `compact` op (library only: the conversation API has no method for it) runs in-process on
 * the real model client against the same mock.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Logger, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { CodexLayer } from "../../src/services/CodexLayer.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import type { Event } from "../../src/rpc/Event.js"
import { type MockModelServer, MockTurn, mockConfigToml, sse, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const servers: Array<ServerProcess> = []
let model: MockModelServer | undefined

afterEach(async () => {
  for (const server of servers.splice(0)) server.kill()
  await model?.close()
  model = undefined
})

/** A Responses turn answering `text` and reporting `totalTokens` of usage. */
const answer = (text: string, totalTokens: number) =>
  MockTurn.raw([
    sse({ type: "response.created", response: { id: "r" } }),
    sse({ type: "response.output_item.done", item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] } }),
    sse({
      type: "response.completed",
      response: { id: "r", usage: { input_tokens: totalTokens - 5, output_tokens: 5, total_tokens: totalTokens } }
    })
  ].join(""))

const setup = async (turns: ReadonlyArray<MockTurn>, extra: string) => {
  model = await startMockModelServer(turns)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: "responses", approvalPolicy: "never", extra }))
  return { model, codexHome }
}

const launch = async (codexHome: string) => {
  const server = spawnServer({ codexHome })
  servers.push(server)
  await server.initialize()
  return server
}

const text = (value: string) => [{ type: "text", data: { text: value } }]

/** The texts of every message in a Responses request's input. */
const texts = (body: any): Array<string> =>
  (body.input as Array<any>).flatMap((item) =>
    item.type === "message" ? item.content.flatMap((part: any) => (typeof part.text === "string" ? [part.text] : [])) : []
  )

const say = async (server: ServerProcess, conversationId: string, message: string) => {
  await server.request("sendUserMessage", { conversationId, items: text(message) })
  return server.waitFor(
    (m) => m.method === "codex/event/task_complete" && m.params.conversationId === conversationId,
    `task_complete after "${message}"`
  )
}

describe("automatic compaction", () => {
  it("summarises once a response's usage passes the limit; the next request carries the summary, also after resume", async () => {
    const { model, codexHome } = await setup([
      answer("first answer", 150),
      answer("SUMMARY OF THE WORK", 40),
      answer("second answer", 20),
      answer("third answer", 20)
    ], "model_auto_compact_token_limit = 100\nmodel_context_window = 5000")
    const server = await launch(codexHome)
    const created = (await server.request("newConversation", {})).result
    const conversationId = created.conversationId
    await server.request("addConversationListener", { conversationId })
    await say(server, conversationId, "first question")
    const started = await server.waitForNotification("codex/event/task_started")
    expect(started.params.msg).toEqual({ type: "task_started", model_context_window: 5000 })
    const counted = await server.waitForNotification("codex/event/token_count")
    expect(counted.params.msg).toMatchObject({ total_tokens: 150, model_context_window: 5000 })
    const notice = await server.waitForNotification("codex/event/background_event")
    expect(notice.params.msg.message).toContain("150 tokens used, the limit is 100")

    const summarising = model.requests[1]!.body
    expect(summarising.tools).toEqual([])
    expect(texts(summarising).at(-1)).toContain("handover note")
    expect(texts(summarising)).toContain("first answer")

    await say(server, conversationId, "second question")
    const next = texts(model.requests[2]!.body)
    expect(next.some((t) => t.includes("SUMMARY OF THE WORK"))).toBe(true)
    expect(next).toContain("first question")
    expect(next).not.toContain("first answer")
    expect(next.at(-1)).toBe("second question")
    expect(await server.closeAndWait()).toEqual({ code: 0, signal: null })

    expect(readFileSync(created.rolloutPath, "utf8")).toContain(`{"type":"compacted"`)
    const second = await launch(codexHome)
    await second.request("resumeConversation", { path: created.rolloutPath })
    await second.request("addConversationListener", { conversationId })
    await say(second, conversationId, "third question")
    const resumed = texts(model.requests[3]!.body)
    expect(resumed.some((t) => t.includes("SUMMARY OF THE WORK"))).toBe(true)
    expect(resumed).not.toContain("first answer")
    expect(resumed.slice(-2)).toEqual(["second answer", "third question"])
  })

  it("summarises with the codex tool's compact-prompt over config.toml's compact_prompt", async () => {
    const { model, codexHome } = await setup([answer("first answer", 150), answer("SUMMARY", 40)],
      "model_auto_compact_token_limit = 100\nmodel_context_window = 5000\ncompact_prompt = \"From config.toml.\"")
    const server = await launch(codexHome)
    const result = await server.request("tools/call", { name: "codex", arguments: { prompt: "go", "compact-prompt": "From the call." } })
    expect(result.result.structuredContent).toMatchObject({ content: "first answer" })
    await model.waitForRequests(2)
    expect(texts(model.requests[1]!.body).at(-1)).toBe("From the call.")
  })

  it("compacts and retries once when the provider refuses the input as too long for the context window", async () => {
    const overflow = JSON.stringify({
      error: {
        message: "This model's maximum context length is 1000 tokens. However, your messages resulted in 1500 tokens.",
        type: "invalid_request_error",
        code: "context_length_exceeded"
      }
    })
    const { model, codexHome } = await setup([
      answer("first answer", 20),
      MockTurn.status(400, undefined, overflow),
      answer("SHORT SUMMARY", 10),
      answer("answered after compaction", 20)
    ], "")
    const server = await launch(codexHome)
    const { conversationId } = (await server.request("newConversation", {})).result
    await server.request("addConversationListener", { conversationId })
    await say(server, conversationId, "first question")
    const done = await say(server, conversationId, "second question")
    expect(done.params.msg.last_agent_message).toBe("answered after compaction")
    expect(model.requests).toHaveLength(4)
    const retried = texts(model.requests[3]!.body)
    expect(retried.some((t) => t.includes("SHORT SUMMARY"))).toBe(true)
    expect(retried).not.toContain("first answer")
    expect(retried.slice(-3, -1)).toEqual(["first question", "second question"])
    expect(retried.filter((t) => t === "second question")).toHaveLength(1)
    expect(server.messages.some((m) => m.method === "codex/event/error")).toBe(false)
  })
})

describe("the compact op (library)", () => {
  it("summarises on request and the next request carries the summary, not the old turns", async () => {
    const { model, codexHome } = await setup([
      answer("old answer", 20),
      answer("COMPACTED SUMMARY", 10),
      answer("new answer", 20)
    ], "")
    const cwd = makeTempDir("codex-work-")
    const program = Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({ cwd })
      const events = yield* conversation.subscribe
      const untilComplete = (id: string) =>
        events.pipe(
          Stream.filter((event) => event.id === id),
          Stream.takeUntil((event) => event.msg.type === "task_complete"),
          Stream.runCollect
        )
      const first = yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "old question" }] })
      yield* untilComplete(first)
      const compacting = yield* conversation.submit({ type: "compact" })
      const compacted = yield* untilComplete(compacting)
      const third = yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "new question" }] })
      yield* untilComplete(third)
      return compacted
    }).pipe(
      Effect.scoped,
      Effect.provide(CodexLayer({ codexHome, cwd: codexHome, env: {} })),
      // The agent's log lines go to stderr, as the server's do.
      Effect.provideService(Logger.LogToStderr, true)
    )
    const compacted: ReadonlyArray<Event> = await Effect.runPromise(program)
    expect(compacted.map((event) => event.msg.type)).toEqual(["task_started", "token_count", "agent_message", "task_complete"])
    expect(compacted[2]!.msg).toEqual({ type: "agent_message", message: "Compact task completed" })
    expect(compacted[3]!.msg).toEqual({ type: "task_complete", last_agent_message: null })
    const after = texts(model.requests[2]!.body)
    expect(after.some((t) => t.includes("COMPACTED SUMMARY"))).toBe(true)
    expect(after).toContain("old question")
    expect(after).not.toContain("old answer")
  })
})
