/**
 * `ScriptedModel.layer`: turns played in order, prompts recorded, turns pushed later, a clear
 * failure when the script runs out, and a fresh script for every build of the layer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { providerFromToml } from "../../src/model/ModelProviderInfo.js"
import type { Prompt } from "../../src/model/Prompt.js"
import { ResponseEvent } from "../../src/model/ResponseEvent.js"
import { userText } from "../../src/model/ResponseItem.js"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import { ModelClient } from "../../src/model/ModelClient.js"

const provider = providerFromToml("scripted", {})
const promptSaying = (text: string): Prompt => ({ model: "m", instructions: "", input: [userText(text)], tools: [] })

const ask = (text: string) =>
  Effect.gen(function*() {
    const client = yield* ModelClient
    return yield* client.stream(promptSaying(text), provider).pipe(Stream.runCollect)
  })

const itemsOf = (events: ReadonlyArray<ResponseEvent>) =>
  events.flatMap((event) => (event._tag === "OutputItemDone" ? [event.item] : []))

describe("ScriptedModel.layer", () => {
  it.effect("plays turns in order, records prompts, and fails clearly when the script runs out", () =>
    Effect.gen(function*() {
      const first = yield* ask("one")
      assert.deepStrictEqual(first.map((event) => event._tag), ["Created", "OutputTextDelta", "OutputItemDone", "Completed"])
      const second = yield* ask("two")
      assert.deepStrictEqual(itemsOf(second), [{ type: "function_call", name: "shell", arguments: "{\"command\":[\"ls\"],\"workdir\":\"/w\"}", call_id: "c1" }])
      const error = yield* ask("three").pipe(Effect.flip)
      assert.strictEqual(error.message, "the scripted model has no turn left for request 3")
      const prompts = yield* (yield* ScriptedModel).prompts
      assert.deepStrictEqual(prompts.map((prompt) => prompt.input), [[userText("one")], [userText("two")], [userText("three")]])
    }).pipe(Effect.provide(ScriptedModel.layer([
      ScriptedTurn.text("hi"),
      ScriptedTurn.shell(["ls"], { workdir: "/w", callId: "c1" })
    ]))))

  it.effect("accepts turns pushed later and reports how many remain", () =>
    Effect.gen(function*() {
      const scripted = yield* ScriptedModel
      assert.strictEqual(yield* scripted.remaining, 0)
      yield* scripted.push(ScriptedTurn.reasoning("plan", "done"), ScriptedTurn.customToolCall("apply_patch", "*** Begin Patch", "p1"))
      assert.strictEqual(yield* scripted.remaining, 2)
      assert.deepStrictEqual(itemsOf(yield* ask("a")).map((item) => item.type), ["reasoning", "message"])
      assert.deepStrictEqual(itemsOf(yield* ask("b")), [{ type: "custom_tool_call", name: "apply_patch", input: "*** Begin Patch", call_id: "p1" }])
    }).pipe(Effect.provide(ScriptedModel.layer([]))))

  const shared = ScriptedModel.layer([ScriptedTurn.text("only once")])
  it.effect.each([1, 2])("gives every build a fresh script (build %i)", () =>
    Effect.gen(function*() {
      assert.lengthOf(itemsOf(yield* ask("x")), 1)
      assert.lengthOf(yield* (yield* ScriptedModel).prompts, 1)
    }).pipe(Effect.provide(shared)))

  it.effect("fails after the given events, and hangs until interrupted", () =>
    Effect.gen(function*() {
      const error = yield* ask("fail").pipe(Effect.flip)
      assert.strictEqual(error.message, "provider down")
      const fiber = yield* ask("hang").pipe(Effect.forkChild)
      yield* TestClock.adjust("1 hour")
      assert.isUndefined(fiber.pollUnsafe())
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(ScriptedModel.layer([
      ScriptedTurn.fail("provider down", ResponseEvent.Created()),
      ScriptedTurn.hang(ResponseEvent.Created())
    ]))))

  it("builds function calls with JSON arguments and fresh call ids", () => {
    const turn = ScriptedTurn.functionCalls([{ name: "a", args: { x: 1 } }, { name: "b", args: [], callId: "mine" }])
    const calls = turn._tag === "Events" ? itemsOf(turn.events) : []
    assert.deepStrictEqual(calls.map((item) => item.type === "function_call" ? [item.name, item.arguments] : []), [["a", "{\"x\":1}"], ["b", "[]"]])
    const ids = calls.map((item) => item.type === "function_call" ? item.call_id : "")
    assert.match(ids[0]!, /^call_\d+$/)
    assert.strictEqual(ids[1], "mine")
  })
})
