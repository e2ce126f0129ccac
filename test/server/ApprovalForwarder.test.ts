/**
 * The one approval forwarder both ways of asking use (elicitations on the MCP tool path, the
 * conversation API's approval requests), on a real conversation with the scripted model: an answer
 * becomes the decision, a JSON-RPC error answer is a denial that says why, and a client that never
 * answers is given up on at `approval_timeout_ms`.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import type { Event } from "../../src/rpc/Event.js"
import { clientErrorReason, forwardApproval, isApprovalEvent } from "../../src/faces/ApprovalForwarder.js"
import { ClientRequestError } from "../../src/server/OutgoingSender.js"
import { Config } from "../../src/services/Config.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { ToolRegistry } from "../../src/services/ToolRegistry.js"
import { makeTempDir } from "../support/TempDirs.js"

const home = makeTempDir("codex-approval-forwarder-")

const agent = ConversationManager.layer.pipe(
  Layer.provideMerge(ScriptedModel.layer([])),
  Layer.provide(ToolRegistry.layer),
  Layer.provideMerge(Config.layer({ codexHome: home, cwd: home, env: {} }))
)

/**
 * Runs a turn whose model asks to create `file` (which needs approval), answers the approval
 * request with `ask`, and returns the events after the request up to the end of the task.
 */
const approveCommand = (file: string, ask: Effect.Effect<unknown, ClientRequestError>, config: Record<string, unknown> = {}) =>
  Effect.scoped(Effect.gen(function*() {
    yield* (yield* ScriptedModel).push(ScriptedTurn.shell(["touch", file]), ScriptedTurn.text("done"))
    const { conversation } = yield* (yield* ConversationManager).newConversation({
      approvalPolicy: "untrusted",
      sandboxMode: "danger-full-access",
      config
    })
    const events = yield* conversation.subscribe
    yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: `create ${file}` }] })
    const request = yield* events.pipe(Stream.filter(isApprovalEvent), Stream.runHead)
    assert.strictEqual(request._tag, "Some")
    if (request._tag === "None") return []
    yield* forwardApproval({ conversation, event: request.value, ask })
    const rest = yield* events.pipe(Stream.takeUntil((event) => event.msg.type === "task_complete"), Stream.runCollect)
    return rest
  }))

const backgroundMessages = (events: ReadonlyArray<Event>) =>
  events.flatMap((event) => event.msg.type === "background_event" ? [event.msg.message] : [])

describe("forwardApproval", () => {
  it.live("submits the client's answer as the decision", () =>
    Effect.gen(function*() {
      const events = yield* approveCommand("accepted", Effect.succeed({ action: "accept" }))
      assert.isTrue(events.some((event) => event.msg.type === "exec_command_end" && event.msg.exit_code === 0))
      assert.isTrue(existsSync(join(home, "accepted")))
    }).pipe(Effect.provide(agent)))

  it.live("denies on a JSON-RPC error answer and tells the model why", () =>
    Effect.gen(function*() {
      const error = new ClientRequestError({ method: "execCommandApproval", code: -32000, message: "boom" })
      const events = yield* approveCommand("refused", Effect.fail(error))
      assert.include(backgroundMessages(events), clientErrorReason(error))
      assert.isFalse(events.some((event) => event.msg.type === "exec_command_begin"))
      assert.isFalse(existsSync(join(home, "refused")))
    }).pipe(Effect.provide(agent)))

  it.live("stops waiting at approval_timeout_ms, when the conversation has counted it as denied", () =>
    Effect.gen(function*() {
      const events = yield* approveCommand("unanswered", Effect.never, { approval_timeout_ms: 50 })
      assert.isTrue(backgroundMessages(events).some((message) => message.startsWith("no answer to the approval request within 50 ms")))
      assert.isFalse(existsSync(join(home, "unanswered")))
    }).pipe(Effect.provide(agent)))
})
