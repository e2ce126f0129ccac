/**
 * The safety net behind "every tool call ends with a result", in-process: a tool that throws before
 * returning its Effect, one that dies inside it, one that fails on a channel it promised never to use
 * — each call is answered with an error result the model reads, the turn goes on to `task_complete`,
 * and a defect outside any tool (the model stream dying) ends the task with `error` + `task_complete`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import type { Conversation } from "../../src/agent/conversation/Conversation.js"
import type { Tool } from "../../src/agent/Tool.js"
import { ModelClient } from "../../src/model/ModelClient.js"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import type { Event } from "../../src/rpc/Event.js"
import { Config } from "../../src/services/Config.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { ToolRegistry } from "../../src/services/ToolRegistry.js"
import { makeTempDir } from "../support/TempDirs.js"

const agentWith = <R>(model: Layer.Layer<ModelClient | R>, tools: ReadonlyArray<Tool>) => {
  const home = makeTempDir("codex-defects-")
  return ConversationManager.layer.pipe(
    Layer.provideMerge(model),
    Layer.provide(ToolRegistry.layerFixed(tools)),
    Layer.provideMerge(Config.layer({ codexHome: home, cwd: home, env: {} }))
  )
}

const runTurn = (conversation: Conversation, text: string) =>
  Effect.scoped(Effect.gen(function*() {
    const events = yield* conversation.subscribe
    yield* conversation.submit({ type: "user_input", items: [{ type: "text", text }] })
    return yield* events.pipe(
      Stream.takeUntil((event) => event.msg.type === "task_complete" || event.msg.type === "turn_aborted"),
      Stream.runCollect
    )
  })).pipe(Effect.timeout("5 seconds"))

const tool = (name: string, run: Tool["run"]): Tool => ({
  name,
  spec: { type: "function", name, description: name, strict: false, parameters: { type: "object", properties: {} } },
  run
})

const broken = [
  tool("throws", () => {
    throw new Error("thrown before the effect")
  }),
  tool("dies", () => Effect.die(new RangeError("died inside the effect"))),
  tool("fails", () => Effect.fail("a failure the type said was impossible") as unknown as Effect.Effect<string>),
  tool("ok", () => Effect.succeed("fine"))
]

const types = (events: ReadonlyArray<Event>) => events.map((event) => event.msg.type)

describe("tool defects", () => {
  it.live("each broken tool answers with an error result, the turn completes, the next turn works", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const events = yield* runTurn(conversation, "go")
      assert.strictEqual(types(events).at(-1), "task_complete")
      assert.notInclude(types(events), "error")
      const prompts = yield* (yield* ScriptedModel).prompts
      const outputs = prompts.at(-1)!.input.flatMap((item) => item.type === "function_call_output" ? [item.output] : [])
      assert.deepStrictEqual(outputs, [
        "throws failed with an internal error and did not complete: thrown before the effect",
        "dies failed with an internal error and did not complete: died inside the effect",
        "fails failed with an internal error and did not complete: a failure the type said was impossible",
        "fine"
      ])
      const again = yield* runTurn(conversation, "again")
      assert.deepStrictEqual(again.at(-1)!.msg, { type: "task_complete", last_agent_message: "again" })
    }).pipe(Effect.provide(agentWith(
      ScriptedModel.layer([
        ScriptedTurn.functionCall("throws", {}),
        ScriptedTurn.functionCall("dies", {}),
        ScriptedTurn.functionCall("fails", {}),
        ScriptedTurn.functionCall("ok", {}),
        ScriptedTurn.text("done"),
        ScriptedTurn.text("again")
      ]),
      broken
    ))))

  it.live("a defect outside any tool ends the task with error and task_complete, and the conversation goes on", () => {
    const recovered = ScriptedTurn.text("recovered") as Extract<ScriptedTurn, { _tag: "Events" }>
    let requests = 0
    const model = Layer.succeed(ModelClient, ModelClient.of({
      stream: () =>
        Stream.suspend(() =>
          ++requests === 1
            ? Stream.die(new TypeError("the model stream broke"))
            : Stream.fromIterable(recovered.events)
        )
    }))
    return Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const events = yield* runTurn(conversation, "go")
      assert.deepStrictEqual(types(events), ["task_started", "error", "task_complete"])
      assert.strictEqual(events[1]!.msg.type === "error" ? events[1]!.msg.message : "", "internal error: the model stream broke")
      const again = yield* runTurn(conversation, "again")
      assert.deepStrictEqual(again.at(-1)!.msg, { type: "task_complete", last_agent_message: "recovered" })
    }).pipe(Effect.provide(agentWith(model, [])))
  })
})
