/**
 * The OutgoingSender over an in-memory sink: framing of every message kind, notifications encoded by
 * their declared schemas, request ids minted from 0 across all server request methods, answers matched to the waiting request (results, errors,
 * interrupted waits, unknown ids), `flush` waiting for the sink, and whole lines under concurrency.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { ApplyPatchApproval, ExecCommandApproval } from "../../src/rpc/ApprovalRequests.js"
import { internalError, invalidParams, methodNotFound } from "../../src/rpc/JsonRpc.js"
import { Elicit, type ElicitParams } from "../../src/rpc/Mcp.js"
import {
  AuthStatusChange,
  CodexEventNotification,
  conversationEventNotification,
  LoginChatGptComplete
} from "../../src/rpc/Notifications.js"
import { type LineSink, OutgoingSender } from "../../src/server/OutgoingSender.js"
import { makeMemorySink, type MemorySink, within } from "./MemorySink.js"

const elicitParams: ElicitParams = {
  message: "Allow `ls`?",
  requestedSchema: { type: "object", properties: {} },
  codex_elicitation: "exec-approval",
  codex_mcp_tool_call_id: "7",
  codex_event_id: "e1",
  codex_call_id: "call_1",
  codex_command: ["ls"],
  codex_cwd: "/repo"
}
const execParams = { conversation_id: "c1", call_id: "call_2", command: ["rm", "x"], cwd: "/repo" }
const patchParams = { conversation_id: "c1", call_id: "call_3", file_changes: { "/repo/a": "delete" as const } }

/** Runs `use` with a sender writing to `sink` (a fresh memory sink unless given). */
const withSender = <A, E>(
  use: (sender: OutgoingSender["Service"], memory: MemorySink) => Effect.Effect<A, E>,
  sink?: LineSink
) => {
  const memory = makeMemorySink()
  return Effect.gen(function*() {
    return yield* use(yield* OutgoingSender, memory)
  }).pipe(Effect.provide(OutgoingSender.layerWith(sink ?? memory.sink)))
}

describe("OutgoingSender framing", () => {
  it.effect("writes responses, errors and notifications as one JSON-RPC 2.0 object per line", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        yield* sender.sendResponse(1, { ok: true })
        yield* sender.sendResponse("s", null)
        yield* sender.sendError("x", methodNotFound("nope"))
        yield* sender.sendError(null, invalidParams("bad `name`"))
        yield* sender.notify(CodexEventNotification, { _meta: { requestId: 3 }, id: "0", msg: { type: "shutdown_complete" } })
        yield* sender.notify(AuthStatusChange, {})
        yield* sender.flush
        const text = memory.chunks.join("")
        assert.isTrue(text.endsWith("\n"))
        const lines = text.slice(0, -1).split("\n")
        assert.strictEqual(lines.length, 6)
        assert.deepStrictEqual(lines.map((line) => JSON.parse(line)), [
          { jsonrpc: "2.0", id: 1, result: { ok: true } },
          { jsonrpc: "2.0", id: "s", result: null },
          { jsonrpc: "2.0", id: "x", error: { code: -32601, message: "Method not found: nope" } },
          { jsonrpc: "2.0", id: null, error: { code: -32602, message: "bad `name`" } },
          {
            jsonrpc: "2.0",
            method: "codex/event",
            params: { _meta: { requestId: 3 }, id: "0", msg: { type: "shutdown_complete" } }
          },
          { jsonrpc: "2.0", method: "authStatusChange", params: {} }
        ])
      })
    ))

  it.effect("escapes newlines inside values, so a message never spans two lines", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        const msg = { type: "agent_message" as const, message: "line one\nline two\r\n" }
        yield* sender.notify(conversationEventNotification("agent_message"), { id: "1", msg, conversationId: "c" })
        yield* sender.flush
        assert.deepStrictEqual(memory.messages(), [
          { jsonrpc: "2.0", method: "codex/event/agent_message", params: { id: "1", msg, conversationId: "c" } }
        ])
        assert.strictEqual(memory.chunks.join("").split("\n").length, 2)
      })
    ))

  it.effect("notifications go out as their schema encodes them; params that do not fit are not sent", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        // Callers are typed, so only a bug gets here: the casts stand for one.
        yield* sender.notify(AuthStatusChange, { authMethod: "apikey", token: "sk-secret" } as never)
        yield* sender.notify(LoginChatGptComplete, { loginId: "l1", success: "yes" } as never)
        yield* sender.notify(LoginChatGptComplete, { loginId: "l2", success: false, error: "denied" })
        yield* sender.flush
        assert.deepStrictEqual(memory.messages(), [
          { jsonrpc: "2.0", method: "authStatusChange", params: { authMethod: "apikey" } },
          { jsonrpc: "2.0", method: "loginChatGptComplete", params: { loginId: "l2", success: false, error: "denied" } }
        ])
      })
    ))

  it.effect("concurrent senders never interleave within a line", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        const payload = "x".repeat(8_192)
        yield* Effect.forEach(
          Array.from({ length: 300 }, (_, index) => index),
          (index) =>
            index % 3 === 0
              ? sender.sendResponse(index, { payload })
              : index % 3 === 1
              ? sender.sendError(index, internalError(payload))
              : sender.notify(conversationEventNotification("agent_message_delta"), {
                id: String(index),
                msg: { type: "agent_message_delta", delta: payload },
                conversationId: "c"
              }),
          { concurrency: "unbounded", discard: true }
        )
        yield* sender.flush
        // Each chunk handed to the sink holds whole lines only.
        for (const chunk of memory.chunks) assert.isTrue(chunk.endsWith("\n"))
        const messages = memory.messages()
        assert.strictEqual(messages.length, 300)
        const seen = messages.map((message) => {
          assert.strictEqual(message.jsonrpc, "2.0")
          const params = message.params as { readonly id?: string } | undefined
          return typeof message.id === "number" ? message.id : Number(params?.id)
        })
        assert.deepStrictEqual([...seen].sort((a, b) => (a ?? -1) - (b ?? -1)), Array.from({ length: 300 }, (_, i) => i))
      })
    ))
})

describe("OutgoingSender flush", () => {
  it.effect("completes only after earlier writes reached the sink", () => {
    const entered = Deferred.makeUnsafe<void>()
    const gate = Deferred.makeUnsafe<void>()
    const written: Array<string> = []
    // A sink that holds the first write until the test opens the gate.
    const slowSink: LineSink = (chunk) =>
      Effect.gen(function*() {
        yield* Deferred.succeed(entered, undefined)
        yield* Deferred.await(gate)
        written.push(chunk)
      })
    return withSender((sender) =>
      Effect.gen(function*() {
        yield* sender.notify(AuthStatusChange, { authMethod: "apikey" })
        const flushing = yield* sender.flush.pipe(Effect.forkChild)
        yield* within("entered", Deferred.await(entered))
        yield* Effect.yieldNow
        assert.isUndefined(flushing.pollUnsafe(), "flush completed while the sink was still writing")
        assert.deepStrictEqual(written, [])
        yield* Deferred.succeed(gate, undefined)
        yield* within("flushing to finish", Fiber.join(flushing))
        assert.deepStrictEqual(written.join("").trim().split("\n").map((line) => JSON.parse(line).method), ["authStatusChange"])
      }), slowSink)
  })

  it.effect("with nothing written, completes at once and writes nothing", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        yield* sender.flush
        yield* sender.flush
        assert.deepStrictEqual(memory.chunks, [])
      })
    ))
})

describe("OutgoingSender requests", () => {
  it.effect("mints ids from 0, incrementing across every server request method", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        yield* sender.sendRequest(Elicit, elicitParams).pipe(Effect.forkChild)
        yield* memory.waitForId(0)
        yield* sender.sendRequest(ExecCommandApproval, execParams).pipe(Effect.forkChild)
        yield* memory.waitForId(1)
        yield* sender.sendRequest(ApplyPatchApproval, patchParams).pipe(Effect.forkChild)
        yield* memory.waitForId(2)
        yield* sender.sendRequest(Elicit, elicitParams).pipe(Effect.forkChild)
        yield* memory.waitForId(3)
        assert.deepStrictEqual(memory.messages(), [
          { jsonrpc: "2.0", id: 0, method: "elicitation/create", params: elicitParams },
          { jsonrpc: "2.0", id: 1, method: "execCommandApproval", params: execParams },
          { jsonrpc: "2.0", id: 2, method: "applyPatchApproval", params: patchParams },
          { jsonrpc: "2.0", id: 3, method: "elicitation/create", params: elicitParams }
        ])
      })
    ))

  it.effect("resolveResponse completes the matching request with the client's answer", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        const first = yield* sender.sendRequest(Elicit, elicitParams).pipe(Effect.forkChild)
        yield* memory.waitForId(0)
        const second = yield* sender.sendRequest(ExecCommandApproval, execParams).pipe(Effect.forkChild)
        yield* memory.waitForId(1)
        assert.isTrue(yield* sender.resolveResponse(1, { decision: "denied" }))
        assert.isTrue(yield* sender.resolveResponse(0, { action: "accept", content: { decision: "approved" } }))
        assert.deepStrictEqual(yield* within("second to finish", Fiber.join(second)), { decision: "denied" })
        assert.deepStrictEqual(yield* within("first to finish", Fiber.join(first)), { action: "accept", content: { decision: "approved" } })
        // A second answer to the same id finds nobody waiting.
        assert.isFalse(yield* sender.resolveResponse(0, { decision: "approved" }))
      })
    ))

  it.effect("rejectResponse fails the request with ClientRequestError carrying method, code and message", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        const request = yield* sender.sendRequest(ApplyPatchApproval, patchParams).pipe(Effect.flip, Effect.forkChild)
        yield* memory.waitForId(0)
        assert.isTrue(yield* sender.rejectResponse(0, { code: -32601, message: "Method not found", data: { x: 1 } }))
        const error = yield* within("request to finish", Fiber.join(request))
        assert.strictEqual(error._tag, "ClientRequestError")
        assert.strictEqual(error.method, "applyPatchApproval")
        assert.strictEqual(error.code, -32601)
        assert.strictEqual(error.message, "Method not found")
        assert.isFalse(yield* sender.rejectResponse(0, { code: -1, message: "again" }))
      })
    ))

  it.effect("interrupting a waiting request forgets it, so a late answer finds nobody", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        const abandoned = yield* sender.sendRequest(Elicit, elicitParams).pipe(Effect.forkChild)
        yield* memory.waitForId(0)
        yield* Fiber.interrupt(abandoned)
        assert.isFalse(yield* sender.resolveResponse(0, { decision: "approved" }))
        assert.isFalse(yield* sender.rejectResponse(0, { code: -1, message: "late" }))
        // The next request still gets a fresh id and its own answer.
        const next = yield* sender.sendRequest(Elicit, elicitParams).pipe(Effect.forkChild)
        yield* memory.waitForId(1)
        assert.isTrue(yield* sender.resolveResponse(1, { decision: "abort" }))
        assert.deepStrictEqual(yield* within("next to finish", Fiber.join(next)), { decision: "abort" })
      })
    ))

  it.effect("answers for ids never sent return false, and ids are type-sensitive", () =>
    withSender((sender, memory) =>
      Effect.gen(function*() {
        assert.isFalse(yield* sender.resolveResponse(0, {}))
        assert.isFalse(yield* sender.resolveResponse(42, {}))
        assert.isFalse(yield* sender.rejectResponse("x", { code: 1, message: "m" }))
        const waiting = yield* sender.sendRequest(Elicit, elicitParams).pipe(Effect.forkChild)
        yield* memory.waitForId(0)
        assert.isFalse(yield* sender.resolveResponse("0", { decision: "approved" }))
        assert.isUndefined(waiting.pollUnsafe())
        assert.isTrue(yield* sender.resolveResponse(0, { decision: "approved" }))
        assert.deepStrictEqual(yield* within("waiting to finish", Fiber.join(waiting)), { decision: "approved" })
      })
    ))
})
