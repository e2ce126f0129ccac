/**
 * The server logger's client side: nothing goes to the client before `logging/setLevel`, then every
 * log at or above the chosen level arrives as `notifications/message`, in the order it was logged,
 * sent by the logging layer's own fiber.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Layer } from "effect"
import { ClientLogLevel, serverLoggerLayer } from "../../src/server/Logging.js"
import { OutgoingSender } from "../../src/server/OutgoingSender.js"
import { makeMemorySink } from "./MemorySink.js"

describe("client logging", () => {
  it.effect("sends logs at or above the client's level as notifications/message, in order", () => {
    const memory = makeMemorySink()
    const layer = serverLoggerLayer("None").pipe(
      Layer.provideMerge(ClientLogLevel.layer),
      Layer.provideMerge(OutgoingSender.layerWith(memory.sink))
    )
    return Effect.gen(function*() {
      const sender = yield* OutgoingSender
      yield* Effect.logWarning("before setLevel")
      yield* sender.flush
      assert.deepStrictEqual(memory.messages(), [])

      yield* (yield* ClientLogLevel).set("info")
      yield* Effect.logDebug("below the level")
      for (let index = 0; index < 50; index++) yield* Effect.logInfo(`message ${index}`)
      yield* Effect.logError("failed", Cause.fail("boom"))
      const sent = yield* memory.waitFor("51 log notifications", (messages) => messages.length >= 51)
      assert.deepStrictEqual(
        sent.slice(0, 50),
        Array.from({ length: 50 }, (_, index) => ({
          jsonrpc: "2.0",
          method: "notifications/message",
          params: { level: "info", logger: "codex-effect", data: `message ${index}` }
        }))
      )
      const last = sent[50]!.params as { readonly level: string; readonly data: string }
      assert.strictEqual(last.level, "error")
      assert.isTrue(last.data.startsWith("failed\n") && last.data.includes("boom"), last.data)
      assert.strictEqual(sent.length, 51)
    }).pipe(Effect.provide(layer))
  })
})
