/**
 * The Router's concurrency and lifecycle: a slow request never blocks `ping`, ordered methods do
 * block the next line, `notifications/cancelled` interrupts the handler and nothing is ever written
 * for it, `interruptAll`, and duplicate in-flight ids.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { within } from "./MemorySink.js"
import { callTool, cancel, gatedTool, ping, settle, toolResult, withRouter } from "./RouterHarness.js"

describe("Router concurrency", () => {
  it.effect("a slow request does not block ping, and is answered when it finishes", () => {
    const tool = gatedTool()
    return withRouter({ "tools/call": tool.handler }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(1))
        yield* within("tool.started", Deferred.await(tool.started))
        yield* peer.send(ping(2))
        assert.deepStrictEqual(yield* peer.memory.waitForId(2), { jsonrpc: "2.0", id: 2, result: {} })
        assert.deepStrictEqual(peer.memory.withId(1), [])
        yield* Deferred.succeed(tool.release, "finished")
        assert.deepStrictEqual(yield* peer.memory.waitForId(1), { jsonrpc: "2.0", id: 1, result: toolResult("finished") })
        assert.deepStrictEqual(peer.memory.messages().map((message) => message.id), [2, 1])
      }))
  })

  it.effect("an ordered method (newConversation) completes before the next line is handled", () => {
    const log: Array<string> = []
    const started = Deferred.makeUnsafe<void>()
    const release = Deferred.makeUnsafe<void>()
    return withRouter({
      newConversation: () =>
        Effect.gen(function*() {
          log.push("newConversation started")
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
          log.push("newConversation done")
          return { conversationId: "c1", model: "m", rolloutPath: "/r.jsonl" }
        }),
      ping: () => Effect.sync(() => log.push("ping")).pipe(Effect.as({}))
    }, (peer) =>
      Effect.gen(function*() {
        const reading = yield* Effect.forEach(
          [{ jsonrpc: "2.0", id: 1, method: "newConversation", params: {} }, ping(2)],
          peer.send,
          { discard: true }
        ).pipe(Effect.forkChild)
        yield* within("started", Deferred.await(started))
        yield* Effect.yieldNow
        assert.isUndefined(reading.pollUnsafe(), "the reader moved on while newConversation was running")
        assert.deepStrictEqual(log, ["newConversation started"])
        yield* Deferred.succeed(release, undefined)
        yield* within("reading to finish", Fiber.join(reading))
        yield* peer.memory.waitForId(2)
        assert.deepStrictEqual(log, ["newConversation started", "newConversation done", "ping"])
        assert.deepStrictEqual(peer.memory.messages(), [
          { jsonrpc: "2.0", id: 1, result: { conversationId: "c1", model: "m", rolloutPath: "/r.jsonl" } },
          { jsonrpc: "2.0", id: 2, result: {} }
        ])
      }))
  })

  it.effect("an unordered method returns to the reader while its handler still runs", () => {
    const tool = gatedTool()
    return withRouter({ "tools/call": tool.handler }, (peer) =>
      Effect.gen(function*() {
        // `send` returning at all while the handler waits on `release` is the point.
        yield* peer.send(callTool(1))
        yield* within("tool.started", Deferred.await(tool.started))
        assert.isFalse(yield* Deferred.isDone(tool.release))
        yield* Deferred.succeed(tool.release, "ok")
        yield* peer.memory.waitForId(1)
      }))
  })
})

describe("Router cancellation", () => {
  it.effect("notifications/cancelled interrupts the handler and no response is ever written for it", () => {
    const tool = gatedTool()
    return withRouter({ "tools/call": tool.handler }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(7))
        yield* within("tool.started", Deferred.await(tool.started))
        yield* peer.send(cancel(7))
        yield* within("tool.interrupted", Deferred.await(tool.interrupted))
        // Releasing afterwards must not produce a late answer either.
        yield* Deferred.succeed(tool.release, "too late")
        yield* settle(peer, "after")
        assert.deepStrictEqual(peer.memory.withId(7), [])
        assert.deepStrictEqual(peer.memory.messages(), [{ jsonrpc: "2.0", id: "after", result: {} }])
      }))
  })

  it.effect("a cancelled id can be used again afterwards", () => {
    const first = gatedTool()
    let calls = 0
    const second = gatedTool()
    return withRouter({
      "tools/call": (params, request) => ++calls === 1 ? first.handler(params, request) : second.handler(params, request)
    }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(7))
        yield* within("first.started", Deferred.await(first.started))
        yield* peer.send(cancel(7))
        yield* within("first.interrupted", Deferred.await(first.interrupted))
        yield* peer.send(callTool(7))
        yield* within("second.started", Deferred.await(second.started))
        yield* Deferred.succeed(second.release, "second")
        assert.deepStrictEqual(yield* peer.memory.waitForId(7), { jsonrpc: "2.0", id: 7, result: toolResult("second") })
      }))
  })

  it.effect("cancelling \"7\" does not touch request 7, and unknown or malformed cancels are ignored", () => {
    const tool = gatedTool()
    return withRouter({ "tools/call": tool.handler }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(7))
        yield* within("tool.started", Deferred.await(tool.started))
        yield* peer.send(cancel("7"))
        yield* peer.send(cancel(8))
        yield* peer.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { reason: "no id" } })
        yield* peer.send({ jsonrpc: "2.0", method: "notifications/cancelled" })
        yield* Deferred.succeed(tool.release, "kept")
        assert.deepStrictEqual(yield* peer.memory.waitForId(7), { jsonrpc: "2.0", id: 7, result: toolResult("kept") })
        assert.isFalse(yield* Deferred.isDone(tool.interrupted))
        // Notifications are never answered.
        assert.strictEqual(peer.memory.messages().length, 1)
      }))
  })

  it.effect("interruptAll interrupts every running request without answering them", () => {
    const a = gatedTool()
    const b = gatedTool()
    let calls = 0
    return withRouter({
      "tools/call": (params, request) => ++calls === 1 ? a.handler(params, request) : b.handler(params, request)
    }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(1))
        yield* peer.send(callTool("two"))
        yield* within("a.started", Deferred.await(a.started))
        yield* within("b.started", Deferred.await(b.started))
        yield* peer.router.interruptAll
        yield* within("a.interrupted", Deferred.await(a.interrupted))
        yield* within("b.interrupted", Deferred.await(b.interrupted))
        yield* settle(peer, "after")
        assert.deepStrictEqual(peer.memory.messages(), [{ jsonrpc: "2.0", id: "after", result: {} }])
      }))
  })
})

describe("Router duplicate ids", () => {
  it.effect("a second request with an id still in flight gets -32600; the first is still answered", () => {
    const tool = gatedTool()
    return withRouter({ "tools/call": tool.handler }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(5))
        yield* within("tool.started", Deferred.await(tool.started))
        yield* peer.send(ping(5))
        assert.deepStrictEqual(yield* peer.memory.waitForId(5), {
          jsonrpc: "2.0",
          id: 5,
          error: { code: -32600, message: "Invalid Request: request id 5 is already in use" }
        })
        yield* Deferred.succeed(tool.release, "first")
        const answers = yield* peer.memory.waitFor("the first request's answer", () => peer.memory.withId(5).length === 2)
        assert.deepStrictEqual(answers[1], { jsonrpc: "2.0", id: 5, result: toolResult("first") })
        // Once answered, the id is free again.
        yield* peer.send(ping(5))
        yield* peer.memory.waitFor("a third message for id 5", () => peer.memory.withId(5).length === 3)
        assert.deepStrictEqual(peer.memory.withId(5)[2], { jsonrpc: "2.0", id: 5, result: {} })
      }))
  })

  it.effect("ids 1 and \"1\" are different requests", () => {
    const tool = gatedTool()
    return withRouter({ "tools/call": tool.handler }, (peer) =>
      Effect.gen(function*() {
        yield* peer.send(callTool(1))
        yield* within("tool.started", Deferred.await(tool.started))
        yield* peer.send(ping("1"))
        assert.deepStrictEqual(yield* peer.memory.waitForId("1"), { jsonrpc: "2.0", id: "1", result: {} })
        yield* Deferred.succeed(tool.release, "numeric")
        assert.deepStrictEqual(yield* peer.memory.waitForId(1), { jsonrpc: "2.0", id: 1, result: toolResult("numeric") })
      }))
  })
})

