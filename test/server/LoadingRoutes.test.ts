/**
 * A router whose routes load on first use (the stdio server's agent, see `StdioSession`): a request for
 * a route still loading holds the messages behind it, so a cancel sent right after the request still
 * finds it, and a ping behind it is answered once the load is done.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { RpcGroup } from "effect/rpc"
import { CallTool, McpLifecycleRequests } from "../../src/rpc/Mcp.js"
import { decodeLine } from "../../src/server/LineReader.js"
import { OutgoingSender } from "../../src/server/OutgoingSender.js"
import { Router, type Routes, routesOf } from "../../src/server/Router.js"
import { routeLine } from "../../src/server/StdioServer.js"
import { makeMemorySink, within } from "./MemorySink.js"
import { callTool, cancel, gatedTool, ping } from "./RouterHarness.js"

describe("routes that load on first use", () => {
  it.effect("a request waiting for its route holds the messages behind it: its cancel still cancels it", () => {
    const memory = makeMemorySink()
    const tool = gatedTool()
    const loaded = Deferred.makeUnsafe<void>()
    const lifecycle = routesOf(McpLifecycleRequests, { ping: () => Effect.succeed({}) })
    const agent = routesOf(RpcGroup.make(CallTool), { "tools/call": tool.handler })
    const routes: Routes = (method) => McpLifecycleRequests.requests.has(method) ? lifecycle(method) : Effect.andThen(Deferred.await(loaded), agent(method))
    return Effect.gen(function*() {
      const router = yield* Router.make(routes)
      const route = routeLine(router, yield* OutgoingSender)
      const send = (message: unknown) => route(decodeLine({ _tag: "Line", text: JSON.stringify(message) }))
      yield* send(ping(1))
      assert.deepStrictEqual(yield* memory.waitForId(1), { jsonrpc: "2.0", id: 1, result: {} })
      const reading = yield* Effect.forEach([callTool(2), cancel(2), ping(3)], send, { discard: true }).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      assert.isUndefined(reading.pollUnsafe(), "the reader moved on while the call's route was loading")
      yield* Deferred.succeed(loaded, undefined)
      yield* within("reading to finish", Fiber.join(reading))
      assert.deepStrictEqual(yield* memory.waitForId(3), { jsonrpc: "2.0", id: 3, result: {} })
      // The cancel found the call: nothing runs, and nothing is ever written for it.
      assert.strictEqual(yield* router.running, 0)
      assert.deepStrictEqual(memory.withId(2), [])
    }).pipe(Effect.provide(OutgoingSender.layerWith(memory.sink)), Effect.scoped)
  })
})
