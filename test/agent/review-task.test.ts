/**
 * The `review` op in-process with the scripted model: the reviewer's request (review instructions, the
 * conversation's context and the prompt, no patch or plan tool), the events of review mode, what the
 * conversation's history keeps of the review, an interrupted review, and a review refused while a task runs.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import type { Conversation } from "../../src/agent/conversation/Conversation.js"
import { ResponseEvent } from "../../src/model/ResponseEvent.js"
import type { ResponseItem } from "../../src/model/ResponseItem.js"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import type { Event } from "../../src/rpc/Event.js"
import type { Op } from "../../src/rpc/Op.js"
import { Config } from "../../src/services/Config.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { ToolRegistry } from "../../src/services/ToolRegistry.js"
import { makeTempDir } from "../support/TempDirs.js"

const agent = (turns: ReadonlyArray<ScriptedTurn>) => {
  const home = makeTempDir("codex-review-")
  return ConversationManager.layer.pipe(
    Layer.provideMerge(ScriptedModel.layer(turns)),
    Layer.provide(ToolRegistry.layer),
    Layer.provideMerge(Config.layer({ codexHome: home, cwd: home, env: {} }))
  )
}

const REVIEW = {
  findings: [{
    title: "[P2] Typo in name",
    body: "It reads `nmae`.",
    confidence_score: 0.6,
    priority: 2,
    code_location: { absolute_file_path: "/w/a.ts", line_range: { start: 1, end: 1 } }
  }],
  overall_correctness: "patch is incorrect",
  overall_explanation: "A typo.",
  overall_confidence_score: 0.6
}
const TEXT = "A typo.\n\nReview comment:\n\n- [P2] Typo in name — /w/a.ts:1-1\n  It reads `nmae`."
const REQUEST = { prompt: "Review the current code changes.", user_facing_hint: "current changes" }

/** Submits `op` and collects the conversation's events up to the end of its task. */
const run = (conversation: Conversation, op: Op, onEvent: (event: Event) => Effect.Effect<unknown, unknown> = () => Effect.void) =>
  Effect.scoped(Effect.gen(function*() {
    const events = yield* conversation.subscribe
    yield* conversation.submit(op)
    return yield* events.pipe(
      Stream.tap(onEvent),
      Stream.takeUntil((event) => event.msg.type === "task_complete" || event.msg.type === "turn_aborted"),
      Stream.runCollect
    )
  }))

const texts = (input: ReadonlyArray<ResponseItem>) =>
  input.flatMap((item) =>
    item.type === "message" ? [`${item.role}: ${item.content.map((part) => ("text" in part ? part.text : "")).join("")}`] : []
  )

describe("review op", () => {
  it.live("reviews in a history of its own and records the review in the conversation's", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({ includePlanTool: true })
      yield* run(conversation, { type: "user_input", items: [{ type: "text", text: "earlier" }] })
      const events = yield* run(conversation, { type: "review", review_request: REQUEST })
      assert.deepStrictEqual(events.map((event) => event.msg.type).filter((type) => type !== "token_count"), [
        "task_started",
        "entered_review_mode",
        "exited_review_mode",
        "agent_message",
        "task_complete"
      ])
      assert.isFalse(events.some((event) => event.msg.type === "agent_message_delta"))
      assert.deepStrictEqual(events.find((event) => event.msg.type === "exited_review_mode")!.msg, { type: "exited_review_mode", review_output: REVIEW })
      assert.deepStrictEqual(events.at(-1)!.msg, { type: "task_complete", last_agent_message: TEXT })

      const prompts = yield* (yield* ScriptedModel).prompts
      const reviewer = prompts[1]!
      assert.isTrue(reviewer.instructions.startsWith("# Review guidelines"))
      assert.deepStrictEqual(texts(reviewer.input).slice(-1), [`user: ${REQUEST.prompt}`])
      assert.isFalse(texts(reviewer.input).some((text) => text.includes("earlier")))
      const tools = reviewer.tools.map((tool) => ("name" in tool ? tool.name : tool.type))
      assert.notInclude(tools, "update_plan")
      assert.notInclude(tools, "apply_patch")

      const history = texts(yield* conversation.history)
      assert.include(history.at(-2)!, "user: <user_action>")
      assert.include(history.at(-2)!, `<results>\n  ${TEXT}\n  </results>`)
      assert.strictEqual(history.at(-1), `assistant: ${TEXT}`)
    }).pipe(Effect.provide(agent([ScriptedTurn.text("first"), ScriptedTurn.text(JSON.stringify(REVIEW))]))))

  it.live("an interrupted review leaves review mode and says so in the history", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const events = yield* run(
        conversation,
        { type: "review", review_request: REQUEST },
        (event) => (event.msg.type === "entered_review_mode" ? conversation.submit({ type: "interrupt" }) : Effect.void)
      )
      assert.deepStrictEqual(events.slice(-3).map((event) => event.msg), [
        { type: "exited_review_mode", review_output: null },
        { type: "agent_message", message: "Review was interrupted. Please re-run /review and wait for it to complete." },
        { type: "turn_aborted", reason: "interrupted" }
      ])
      const history = texts(yield* conversation.history)
      assert.include(history.at(-2)!, "User initiated a review task, but was interrupted.")
    }).pipe(Effect.provide(agent([ScriptedTurn.hang(ResponseEvent.Created())]))))

  it.live("is refused with an error event while a task runs", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const events = yield* run(
        conversation,
        { type: "user_input", items: [{ type: "text", text: "go" }] },
        (event) =>
          event.msg.type === "task_started"
            ? conversation.submit({ type: "review", review_request: REQUEST }).pipe(Effect.andThen(conversation.submit({ type: "interrupt" })))
            : Effect.void
      )
      assert.isTrue(events.some((event) => event.msg.type === "error" && event.msg.message === "cannot start a review while a turn is running"))
      assert.isFalse(events.some((event) => event.msg.type === "entered_review_mode"))
    }).pipe(Effect.provide(agent([ScriptedTurn.hang(ResponseEvent.Created())]))))
})
