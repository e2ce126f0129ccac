/**
 * The stdio peer's parts on their own: line framing with the size cap, message classification,
 * reading approval answers, and the OutgoingSender's framing, request ids and pending requests.
 */
import { Readable } from "node:stream"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { decisionFromAnswer } from "../../src/rpc/ApprovalAnswer.js"
import { Elicit } from "../../src/rpc/Mcp.js"
import { classifyMessage, methodNotFound } from "../../src/rpc/JsonRpc.js"
import { readLines } from "../../src/server/LineReader.js"
import { negotiateProtocolVersion } from "../../src/server/McpHandlers.js"
import { OutgoingSender } from "../../src/services/OutgoingSender.js"

const linesOf = (chunks: ReadonlyArray<string | Buffer>, maxBytes = 16) =>
  readLines(Readable.from(chunks.map((chunk) => (typeof chunk === "string" ? Buffer.from(chunk) : chunk))), maxBytes).pipe(
    Stream.runCollect
  )

describe("readLines", () => {
  it.effect("splits lines across chunks, keeps a final line without newline, skips nothing", () =>
    Effect.gen(function*() {
      const lines = yield* linesOf(["ab", "c\nde", "f\n\nlast"])
      assert.deepStrictEqual(lines, [
        { _tag: "Line", text: "abc" },
        { _tag: "Line", text: "def" },
        { _tag: "Line", text: "" },
        { _tag: "Line", text: "last" }
      ])
    }))

  it.effect("reports an oversized line once, with its size, and reads the next one", () =>
    Effect.gen(function*() {
      const lines = yield* linesOf(["0123456789", "0123456789", "01234\nok\n"])
      assert.deepStrictEqual(lines, [{ _tag: "Oversized", bytes: 25 }, { _tag: "Line", text: "ok" }])
    }))

  it.effect("decodes UTF-8 split across chunks", () =>
    Effect.gen(function*() {
      const bytes = Buffer.from("héllo\n")
      const lines = yield* linesOf([bytes.subarray(0, 2), bytes.subarray(2)])
      assert.deepStrictEqual(lines, [{ _tag: "Line", text: "héllo" }])
    }))
})

describe("classifyMessage", () => {
  it.each([
    [{ jsonrpc: "2.0", id: 1, method: "ping" }, "Request"],
    [{ id: "a", method: "ping", params: {} }, "Request"],
    [{ jsonrpc: "2.0", method: "notifications/initialized" }, "Notification"],
    [{ jsonrpc: "2.0", id: 0, result: { decision: "approved" } }, "Response"],
    [{ jsonrpc: "2.0", id: 0, result: null }, "Response"],
    [{ jsonrpc: "2.0", id: 0, error: { code: -1, message: "no" } }, "ErrorResponse"],
    [{ jsonrpc: "2.0", id: null, method: "ping" }, "Invalid"],
    [{ jsonrpc: "2.0", id: 1.5, method: "ping" }, "Invalid"],
    [{ jsonrpc: "2.0", id: 1, method: 7 }, "Invalid"],
    [{ jsonrpc: "2.0", id: 1, error: "not an object" }, "Invalid"],
    [[{ jsonrpc: "2.0", id: 1, method: "ping" }], "Invalid"],
    ["just a string", "Invalid"],
    [{ hello: "world" }, "Invalid"]
  ])("%j is a %s", (message, tag) => {
    assert.strictEqual(classifyMessage(message)._tag, tag)
  })

  it("keeps request ids type-sensitive", () => {
    assert.deepStrictEqual(classifyMessage({ id: "1", method: "ping" }), { _tag: "Request", id: "1", method: "ping", params: undefined })
    assert.deepStrictEqual(classifyMessage({ id: 1, method: "ping" }), { _tag: "Request", id: 1, method: "ping", params: undefined })
  })
})

describe("decisionFromAnswer", () => {
  it.each([
    [{ decision: "approved" }, "approved"],
    [{ decision: "approved_for_session" }, "approved_for_session"],
    [{ decision: "abort" }, "abort"],
    [{ action: "accept" }, "approved"],
    [{ action: "accept", content: { decision: "approved_for_session" } }, "approved_for_session"],
    [{ action: "accept", content: {} }, "approved"],
    [{ action: "decline" }, "denied"],
    [{ action: "cancel" }, "abort"],
    [{ decision: "maybe" }, "denied"],
    [null, "denied"],
    ["yes", "denied"]
  ])("%j → %s", (answer, decision) => {
    assert.strictEqual(decisionFromAnswer(answer), decision)
  })
})

describe("negotiateProtocolVersion", () => {
  it.each([["2025-06-18", "2025-06-18"], ["2025-11-25", "2025-11-25"], ["2024-11-05", "2025-11-25"], ["garbage", "2025-11-25"]])(
    "%s → %s",
    (requested, answered) => assert.strictEqual(negotiateProtocolVersion(requested), answered)
  )
})

describe("OutgoingSender", () => {
  const withSender = <A, E>(use: (sender: OutgoingSender["Service"], written: Array<string>) => Effect.Effect<A, E>) => {
    const written: Array<string> = []
    return Effect.gen(function*() {
      const sender = yield* OutgoingSender
      return yield* use(sender, written)
    }).pipe(Effect.provide(OutgoingSender.layerWith((chunk) => Effect.sync(() => void written.push(chunk)))))
  }
  const lines = (written: ReadonlyArray<string>) => written.join("").trim().split("\n").map((line) => JSON.parse(line))
  /** Flushes until `count` lines were written (the forked requests write them), failing after 100 tries. */
  const waitForLines = (sender: OutgoingSender["Service"], written: ReadonlyArray<string>, count: number) =>
    Effect.gen(function*() {
      for (let attempt = 0; attempt < 100; attempt++) {
        yield* sender.flush
        if (written.join("").split("\n").length - 1 >= count) return
        yield* Effect.yieldNow
      }
      return yield* Effect.die(new Error(`expected ${count} lines, got: ${written.join("")}`))
    })
  const elicit = { message: "m", requestedSchema: {}, codex_elicitation: "exec-approval" as const, codex_mcp_tool_call_id: "1", codex_event_id: "1", codex_call_id: "c" }

  it.effect("frames responses, errors and notifications as one JSON object per line", () =>
    withSender((sender, written) =>
      Effect.gen(function*() {
        yield* sender.sendResponse(1, { ok: true })
        yield* sender.sendError("x", methodNotFound("nope"))
        yield* sender.sendNotification("codex/event", { id: "0" })
        yield* sender.sendNotification("bare")
        yield* sender.flush
        assert.deepStrictEqual(lines(written), [
          { jsonrpc: "2.0", id: 1, result: { ok: true } },
          { jsonrpc: "2.0", id: "x", error: { code: -32601, message: "Method not found: nope" } },
          { jsonrpc: "2.0", method: "codex/event", params: { id: "0" } },
          { jsonrpc: "2.0", method: "bare" }
        ])
      })
    ))

  it.effect("mints request ids from 0 and completes each request with its own answer", () =>
    withSender((sender, written) =>
      Effect.gen(function*() {
        const first = yield* sender.sendRequest(Elicit, elicit).pipe(Effect.forkChild)
        const second = yield* sender.sendRequest(Elicit, elicit).pipe(Effect.forkChild)
        yield* waitForLines(sender, written, 2)
        assert.deepStrictEqual(lines(written).map((message) => [message.id, message.method]), [[0, "elicitation/create"], [1, "elicitation/create"]])
        assert.isTrue(yield* sender.resolveResponse(1, { decision: "denied" }))
        assert.isTrue(yield* sender.resolveResponse(0, { decision: "approved" }))
        assert.deepStrictEqual(yield* Fiber.join(first), { decision: "approved" })
        assert.deepStrictEqual(yield* Fiber.join(second), { decision: "denied" })
        assert.isFalse(yield* sender.resolveResponse(0, {}))
      })
    ))

  it.effect("fails a request answered with an error, and forgets an interrupted one", () =>
    withSender((sender, written) =>
      Effect.gen(function*() {
        const failing = yield* sender.sendRequest(Elicit, elicit).pipe(Effect.flip, Effect.forkChild)
        const abandoned = yield* sender.sendRequest(Elicit, elicit).pipe(Effect.forkChild)
        yield* waitForLines(sender, written, 2)
        assert.isTrue(yield* sender.rejectResponse(0, { code: -32601, message: "not supported" }))
        const error = yield* Fiber.join(failing)
        assert.deepStrictEqual([error._tag, error.code, error.message], ["ClientRequestError", -32601, "not supported"])
        yield* Fiber.interrupt(abandoned)
        assert.isFalse(yield* sender.resolveResponse(1, { decision: "approved" }))
        assert.isFalse(yield* sender.resolveResponse("0", { decision: "approved" }))
      })
    ))
})
