/**
 * What the Router writes for each outcome: handler results and failures (wire errors keep their
 * code, defects are -32603), faults it answers itself (-32700, -32600, -32601, -32602, oversized
 * lines), input that must produce no output, and the client's answers routed to our own requests.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { invalidParams, methodNotFound } from "../../src/rpc/JsonRpc.js"
import { type CallToolResult, Elicit } from "../../src/rpc/Mcp.js"
import type { RequestContext } from "../../src/server/Handlers.js"
import { type WireMessage, within } from "./MemorySink.js"
import { callTool, type Handlers, ping, settle, toolResult, withRouter } from "./RouterHarness.js"

describe("Router answers to handler outcomes", () => {
  const outcomes: ReadonlyArray<readonly [string, Handlers["tools/call"], (answer: WireMessage) => void]> = [
    ["a result is encoded and sent", () => Effect.succeed(toolResult("ok")), (answer) => {
      assert.deepStrictEqual(answer, { jsonrpc: "2.0", id: 1, result: toolResult("ok") })
    }],
    ["invalidParams becomes -32602 with the handler's message", () => Effect.fail(invalidParams("Missing `prompt`")), (answer) => {
      assert.deepStrictEqual(answer, { jsonrpc: "2.0", id: 1, error: { code: -32602, message: "Missing `prompt`" } })
    }],
    ["any wire error keeps its own code", () => Effect.fail(methodNotFound("x")), (answer) => {
      assert.deepStrictEqual(answer, { jsonrpc: "2.0", id: 1, error: { code: -32601, message: "Method not found: x" } })
    }],
    ["a defect becomes -32603", () => Effect.die(new Error("boom")), (answer) => {
      const error = answer.error as { readonly code: number; readonly message: string }
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "boom")
    }],
    ["a thrown exception becomes -32603", () => {
      throw new Error("thrown synchronously")
    }, (answer) => {
      const error = answer.error as { readonly code: number; readonly message: string }
      assert.strictEqual(error.code, -32603)
      assert.include(error.message, "thrown synchronously")
    }],
    ["a result the success schema cannot encode becomes -32603", () =>
      Effect.succeed({ content: "not an array" } as unknown as CallToolResult), (answer) => {
      assert.strictEqual((answer.error as { readonly code: number }).code, -32603)
    }]
  ]

  it.effect.each(outcomes)("%s", ([_name, handler, check]) =>
    withRouter({ "tools/call": handler }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(1))
        check(yield* peer.memory.waitForId(1))
        yield* settle(peer, "after")
        assert.strictEqual(peer.memory.withId(1).length, 1)
      })))

  it.effect("passes the decoded params and the request context (id, progress token) to the handler", () => {
    const seen: Array<readonly [unknown, RequestContext]> = []
    return withRouter({
      "tools/call": (params, request) => Effect.sync(() => seen.push([params, request])).pipe(Effect.as(toolResult("ok")))
    }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send({
          id: "p",
          method: "tools/call",
          params: { name: "codex", arguments: { prompt: "x" }, _meta: { progressToken: "tok" } }
        })
        yield* peer.send(callTool(2))
        yield* peer.memory.waitFor("both answers", () => peer.memory.withId("p").length + peer.memory.withId(2).length === 2)
        assert.deepStrictEqual(seen, [
          [{ name: "codex", arguments: { prompt: "x" }, _meta: { progressToken: "tok" } }, { id: "p", progressToken: "tok" }],
          [{ name: "codex", arguments: { prompt: "hi" } }, { id: 2, progressToken: undefined }]
        ])
      }))
  })

  // Bug: a handler that ends by interrupting itself (e.g. it joined a fiber that was interrupted by
  // something other than `notifications/cancelled`) is treated like a cancelled request and never
  // answered, breaking "every request gets exactly one answer" (Router.ts `answer`, the
  // `Cause.hasInterruptsOnly` branch).
  it.effect("a handler that interrupts itself, without being cancelled, still gets an answer", () =>
    withRouter({ "tools/call": () => Effect.interrupt }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(1))
        yield* settle(peer, "after")
        assert.strictEqual(peer.memory.withId(1).length, 1)
      })))

  // Same bug on the ordered path: the interrupt escapes `Router.handle` itself, which ends
  // `Stream.runForEach(router.handle)` in StdioServer, i.e. the server stops reading stdin.
  it.effect("an ordered handler that interrupts itself does not escape Router.handle", () =>
    withRouter({ newConversation: () => Effect.interrupt }, (peer) =>
      Effect.gen(function*() {
        const exit = yield* peer.send({ id: 1, method: "newConversation", params: {} }).pipe(Effect.exit)
        assert.strictEqual(exit._tag, "Success")
      })))
})

describe("Router faults it answers itself", () => {
  const cases: ReadonlyArray<readonly [string, string, WireMessage | undefined]> = [
    ["unknown method → -32601 with the id", JSON.stringify({ jsonrpc: "2.0", id: 3, method: "server/discover" }), {
      jsonrpc: "2.0",
      id: 3,
      error: { code: -32601, message: "Method not found: server/discover" }
    }],
    ["not JSON → -32700 with id null", "{\"id\": 1, \"method\": ", undefined],
    ["a batch → -32600 with id null", JSON.stringify([ping(1)]), {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "Invalid Request: expected a JSON-RPC object (batches are not supported)" }
    }],
    ["a non-string method → -32600 with the id", JSON.stringify({ id: 4, method: 1 }), {
      jsonrpc: "2.0",
      id: 4,
      error: { code: -32600, message: "Invalid Request: `method` must be a string" }
    }],
    ["a CRLF-terminated line is read as JSON", JSON.stringify(ping(6)) + "\r", { jsonrpc: "2.0", id: 6, result: {} }]
  ]

  it.effect.each(cases)("%s", ([_name, text, expected]) =>
    withRouter({}, (peer) =>
      Effect.gen(function*() {
        yield* peer.sendText(text)
        yield* settle(peer, "after")
        const [answer, ...rest] = peer.memory.messages()
        assert.deepStrictEqual(rest, [{ jsonrpc: "2.0", id: "after", result: {} }])
        if (expected !== undefined) {
          assert.deepStrictEqual(answer, expected)
        } else {
          const error = answer?.error as { readonly code: number; readonly message: string } | undefined
          assert.strictEqual(answer?.id, null)
          assert.strictEqual(error?.code, -32700)
          assert.match(error?.message ?? "", /^Parse error: /)
        }
      })))

  it.effect("params that fail the method's schema → -32602 naming the field; the handler is not called", () =>
    withRouter({}, (peer) =>
      Effect.gen(function*() {
        yield* peer.send({ id: 1, method: "tools/call", params: { arguments: {} } })
        const answer = yield* peer.memory.waitForId(1)
        const error = answer.error as { readonly code: number; readonly message: string }
        assert.strictEqual(error.code, -32602)
        assert.match(error.message, /^Invalid params for tools\/call: /)
        assert.include(error.message, "name")
      })))

  it.effect("an oversized line → -32600 with id null and its size", () =>
    withRouter({}, (peer) =>
      Effect.gen(function*() {
        yield* peer.sendLine({ _tag: "Oversized", bytes: 17_000_000 })
        assert.deepStrictEqual(yield* peer.memory.waitForId(null), {
          jsonrpc: "2.0",
          id: null,
          error: { code: -32600, message: "Invalid Request: line of 17000000 bytes exceeds the 16 MiB limit" }
        })
      })))

  it.effect("blank lines, notifications and answers to unknown requests produce no output", () =>
    withRouter({}, (peer) =>
      Effect.gen(function*() {
        yield* peer.sendText("")
        yield* peer.sendText("   \t")
        yield* peer.send({ jsonrpc: "2.0", method: "notifications/initialized" })
        yield* peer.send({ jsonrpc: "2.0", method: "some/unknown/notification", params: [1] })
        yield* peer.send({ jsonrpc: "2.0", id: 99, result: { decision: "approved" } })
        yield* peer.send({ jsonrpc: "2.0", id: 98, error: { code: -1, message: "nobody asked" } })
        yield* peer.send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "client could not parse" } })
        yield* settle(peer, "after")
        assert.deepStrictEqual(peer.memory.messages(), [{ jsonrpc: "2.0", id: "after", result: {} }])
      })))
})

describe("Router routes the client's answers to our requests", () => {
  const elicitParams = {
    message: "Allow?",
    requestedSchema: {},
    codex_elicitation: "patch-approval" as const,
    codex_mcp_tool_call_id: "1",
    codex_event_id: "e",
    codex_call_id: "c"
  }

  it.effect("a result line completes the waiting request", () =>
    withRouter({}, (peer) =>
      Effect.gen(function*() {
        const request = yield* peer.sender.sendRequest(Elicit, elicitParams).pipe(Effect.forkChild)
        yield* peer.memory.waitForId(0)
        yield* peer.send({ jsonrpc: "2.0", id: 0, result: { action: "accept" } })
        assert.deepStrictEqual(yield* within("request to finish", Fiber.join(request)), { action: "accept" })
      })))

  it.effect("an error line fails the waiting request with the client's code and message", () =>
    withRouter({}, (peer) =>
      Effect.gen(function*() {
        const request = yield* peer.sender.sendRequest(Elicit, elicitParams).pipe(Effect.flip, Effect.forkChild)
        yield* peer.memory.waitForId(0)
        yield* peer.send({ jsonrpc: "2.0", id: 0, error: { code: -32601, message: "elicitation unsupported" } })
        const error = yield* within("request to finish", Fiber.join(request))
        assert.deepStrictEqual([error.method, error.code, error.message], ["elicitation/create", -32601, "elicitation unsupported"])
        // Nothing is written back to the client for its answer.
        yield* peer.sender.flush
        assert.strictEqual(peer.memory.messages().length, 1)
      })))
})
