/**
 * Conversations in-process with the scripted model (issue "Agent core I"): history resent every
 * request, input injected into a running task, interrupts, broadcast to every subscriber, model
 * errors, and many conversations at once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Stream } from "effect"
import type { Conversation } from "../../src/agent/conversation/Conversation.js"
import type { Tool } from "../../src/agent/Tool.js"
import { fatal } from "../../src/model/ModelError.js"
import { ResponseEvent } from "../../src/model/ResponseEvent.js"
import type { ResponseItem } from "../../src/model/ResponseItem.js"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import type { Event } from "../../src/rpc/Event.js"
import { Config } from "../../src/services/Config.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { ToolRegistry } from "../../src/services/ToolRegistry.js"
import { makeTempDir } from "../support/TempDirs.js"

const tempDir = () => makeTempDir("codex-conv-")

const agent = (turns: ReadonlyArray<ScriptedTurn>, tools?: ReadonlyArray<Tool>) => {
  const home = tempDir()
  return ConversationManager.layer.pipe(
    Layer.provideMerge(ScriptedModel.layer(turns)),
    Layer.provide(tools === undefined ? ToolRegistry.layer : ToolRegistry.layerFixed(tools)),
    Layer.provideMerge(Config.layer({ codexHome: home, cwd: home, env: {} }))
  )
}

/** Subscribes, submits, and collects this conversation's events up to the end of the task. */
const runTurn = (conversation: Conversation, text: string) =>
  Effect.scoped(Effect.gen(function*() {
    const events = yield* conversation.subscribe
    yield* conversation.submit({ type: "user_input", items: [{ type: "text", text }] })
    return yield* events.pipe(
      Stream.takeUntil((event) => event.msg.type === "task_complete" || event.msg.type === "turn_aborted"),
      Stream.runCollect
    )
  }))

const types = (events: ReadonlyArray<Event>) => events.map((event) => event.msg.type)

const userTexts = (input: ReadonlyArray<ResponseItem>) =>
  input.flatMap((item) =>
    item.type === "message" && item.role === "user" ? item.content.flatMap((part) => ("text" in part ? [part.text] : [])) : []
  )

describe("Conversation", () => {
  it.live("starts with session_configured and resends the whole history every request", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation, sessionConfigured } = yield* manager.newConversation({})
      assert.strictEqual(sessionConfigured.id, "")
      assert.strictEqual(sessionConfigured.msg.type, "session_configured")
      const first = yield* runTurn(conversation, "hello 1")
      assert.deepStrictEqual(types(first), ["task_started", "agent_message_delta", "agent_message", "task_complete"])
      assert.deepStrictEqual(first.at(-1)!.msg, { type: "task_complete", last_agent_message: "one" })
      yield* runTurn(conversation, "hello 2")
      const prompts = yield* (yield* ScriptedModel).prompts
      assert.strictEqual(prompts.length, 2)
      const second = prompts[1]!.input
      assert.deepStrictEqual(userTexts(second).slice(-2), ["hello 1", "hello 2"])
      assert.isTrue(userTexts(second)[0]!.startsWith("<environment_context>"))
      assert.isTrue(second.some((item) => item.type === "message" && item.role === "assistant"))
    }).pipe(Effect.provide(agent([ScriptedTurn.text("one"), ScriptedTurn.text("two")]))))

  it.live("runs tool calls as they complete and sends their output on the next request", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({ includePlanTool: true })
      const events = yield* runTurn(conversation, "plan it")
      const plan = events.find((event) => event.msg.type === "plan_update")
      assert.deepStrictEqual(plan?.msg, { type: "plan_update", explanation: null, plan: [{ step: "write code", status: "in_progress" }] })
      const prompts = yield* (yield* ScriptedModel).prompts
      assert.deepInclude(prompts[1]!.input, { type: "function_call_output", call_id: "plan-1", output: "Plan updated" })
      assert.isTrue(prompts[0]!.tools.some((tool) => "name" in tool && tool.name === "update_plan"))
    }).pipe(Effect.provide(agent([
      ScriptedTurn.functionCall("update_plan", { plan: [{ step: "write code", status: "in_progress" }] }, "plan-1"),
      ScriptedTurn.text("planned")
    ]))))

  it.live("injects input that arrives while a task runs into that task", () => {
    const gate = Deferred.makeUnsafe<void>()
    const waitTool: Tool = {
      name: "wait",
      spec: { type: "function", name: "wait", description: "waits", strict: false, parameters: { type: "object", properties: {} } },
      run: () => Deferred.await(gate).pipe(Effect.as("waited"))
    }
    return Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const events = yield* Effect.scoped(Effect.gen(function*() {
        const stream = yield* conversation.subscribe
        yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "start" }] })
        const collected = yield* stream.pipe(
          Stream.tap((event) =>
            event.msg.type === "task_started"
              ? conversation.submit({ type: "user_input", items: [{ type: "text", text: "injected" }] }).pipe(
                Effect.andThen(Deferred.succeed(gate, undefined))
              )
              : Effect.void
          ),
          Stream.takeUntil((event) => event.msg.type === "task_complete"),
          Stream.runCollect
        )
        return collected
      }))
      assert.strictEqual(events.filter((event) => event.msg.type === "task_started").length, 1)
      const prompts = yield* (yield* ScriptedModel).prompts
      assert.deepStrictEqual(userTexts(prompts[1]!.input).slice(-2), ["start", "injected"])
    }).pipe(Effect.provide(agent([ScriptedTurn.functionCall("wait", {}), ScriptedTurn.text("done")], [waitTool])))
  })

  it.live("interrupt mid-stream ends the task with turn_aborted and nothing after it", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const events = yield* Effect.scoped(Effect.gen(function*() {
        const stream = yield* conversation.subscribe
        const id = yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "go" }] })
        const seen = yield* stream.pipe(
          Stream.tap((event) => event.msg.type === "agent_message_delta" ? conversation.submit({ type: "interrupt" }) : Effect.void),
          Stream.takeUntil((event) => event.msg.type === "turn_aborted"),
          Stream.runCollect
        )
        assert.isTrue(seen.every((event) => event.id === id))
        assert.isFalse(yield* conversation.isTaskRunning)
        return seen
      }))
      assert.deepStrictEqual(types(events), ["task_started", "agent_message_delta", "turn_aborted"])
      assert.deepStrictEqual(events.at(-1)!.msg, { type: "turn_aborted", reason: "interrupted" })
      const next = yield* runTurn(conversation, "again")
      assert.deepStrictEqual(types(next).at(-1), "task_complete")
      assert.isFalse(next.some((event) => event.id === events[0]!.id))
    }).pipe(Effect.provide(agent([
      ScriptedTurn.hang(ResponseEvent.Created(), ResponseEvent.OutputTextDelta({ delta: "partial" })),
      ScriptedTurn.text("fresh")
    ]))))

  it.live("gives every subscriber the same events in the same order", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({ includePlanTool: true })
      const [a, b] = yield* Effect.scoped(Effect.gen(function*() {
        const one = yield* conversation.subscribe
        const two = yield* conversation.subscribe
        yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "x" }] })
        const collect = (stream: Stream.Stream<Event>) =>
          stream.pipe(Stream.takeUntil((event) => event.msg.type === "task_complete"), Stream.runCollect)
        return yield* Effect.all([collect(one), collect(two)], { concurrency: 2 })
      }))
      assert.isAbove(a.length, 4)
      assert.deepStrictEqual(a, b)
    }).pipe(Effect.provide(agent([
      ScriptedTurn.functionCall("update_plan", { plan: [] }),
      ScriptedTurn.text("done")
    ]))))

  it.live("ends a failed task with an error event and stays usable", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const failed = yield* runTurn(conversation, "x")
      assert.deepStrictEqual(types(failed), ["task_started", "error", "task_complete"])
      assert.deepStrictEqual(failed[1]!.msg, { type: "error", message: "the provider is down" })
      const ok = yield* runTurn(conversation, "y")
      assert.deepStrictEqual(ok.at(-1)!.msg, { type: "task_complete", last_agent_message: "recovered" })
    }).pipe(Effect.provide(agent([ScriptedTurn.fail(fatal("the provider is down")), ScriptedTurn.text("recovered")]))))

  it.live("runs 200 conversations concurrently, each to its own completion", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const results = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, n) => n),
        (n) =>
          Effect.gen(function*() {
            const { conversation, conversationId } = yield* manager.newConversation({})
            const events = yield* runTurn(conversation, `question ${n}`)
            return { conversationId, last: events.at(-1)!.msg }
          }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(new Set(results.map((result) => result.conversationId)).size, 200)
      for (const result of results) assert.deepStrictEqual(result.last, { type: "task_complete", last_agent_message: "answer" })
    }).pipe(Effect.provide(agent(Array.from({ length: 200 }, () => ScriptedTurn.text("answer"))))))

  it.live("closes a removed conversation: its task ends and get fails", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation, conversationId } = yield* manager.newConversation({})
      yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "hang" }] })
      yield* manager.remove(conversationId)
      const missing = yield* manager.get(conversationId).pipe(Effect.flip)
      assert.strictEqual(missing.message, `conversation not found: ${conversationId}`)
    }).pipe(Effect.provide(agent([ScriptedTurn.hang(ResponseEvent.Created())]))))

  it.live("thread_rollback is refused while a task runs, and between tasks drops the last turns from what the model sees", () => {
    const gate = Deferred.makeUnsafe<void>()
    const waitTool: Tool = {
      name: "wait",
      spec: { type: "function", name: "wait", description: "waits", strict: false, parameters: { type: "object", properties: {} } },
      run: () => Deferred.await(gate).pipe(Effect.as("waited"))
    }
    /** Submits the rollback and answers its reply event. */
    const rollback = (conversation: Conversation, turns: number) =>
      Effect.scoped(Effect.gen(function*() {
        const stream = yield* conversation.subscribe
        const id = yield* conversation.submit({ type: "thread_rollback", num_turns: turns })
        return yield* stream.pipe(Stream.filter((event) => event.id === id), Stream.runHead)
      }))
    return Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      yield* Effect.scoped(Effect.gen(function*() {
        const stream = yield* conversation.subscribe
        yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "first" }] })
        yield* stream.pipe(
          Stream.tap((event) =>
            event.msg.type === "task_started"
              ? rollback(conversation, 1).pipe(
                Effect.tap((reply) => Effect.sync(() => assert.deepStrictEqual(reply._tag === "Some" ? reply.value.msg : undefined, {
                  type: "error",
                  message: "cannot roll back while a turn is running"
                }))),
                Effect.andThen(Deferred.succeed(gate, undefined))
              )
              : Effect.void
          ),
          Stream.takeUntil((event) => event.msg.type === "task_complete"),
          Stream.runCollect
        )
      }))
      yield* runTurn(conversation, "second")
      yield* runTurn(conversation, "third")
      const reply = yield* rollback(conversation, 2)
      assert.deepStrictEqual(reply._tag === "Some" ? reply.value.msg : undefined, { type: "thread_rolled_back", num_turns: 2 })
      yield* runTurn(conversation, "fourth")
      const prompts = yield* (yield* ScriptedModel).prompts
      assert.deepStrictEqual(userTexts(prompts.at(-1)!.input).filter((text) => !text.startsWith("<")), ["first", "fourth"])
    }).pipe(Effect.provide(agent([
      ScriptedTurn.functionCall("wait", {}),
      ScriptedTurn.text("one"),
      ScriptedTurn.text("two"),
      ScriptedTurn.text("three"),
      ScriptedTurn.text("four")
    ], [waitTool])))
  })
})
