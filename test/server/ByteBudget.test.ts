/**
 * The outgoing queue's byte budget: admits while there is room, then serves waiters in arrival order
 * (a large request is not overtaken by small ones), admits a request larger than the whole budget once
 * nothing is held, forgets an interrupted waiter, and stops all waiting once opened.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { ByteBudget } from "../../src/services/ByteBudget.js"

describe("ByteBudget", () => {
  it.effect("serves waiters in order once bytes are released", () =>
    Effect.gen(function*() {
      const budget = new ByteBudget(10)
      const admitted: Array<string> = []
      yield* budget.acquire(8)
      const large = yield* Effect.forkChild(budget.acquire(6).pipe(Effect.andThen(Effect.sync(() => admitted.push("large")))))
      const small = yield* Effect.forkChild(budget.acquire(1).pipe(Effect.andThen(Effect.sync(() => admitted.push("small")))))
      yield* Effect.yieldNow
      assert.deepStrictEqual(admitted, [])
      assert.isTrue(budget.wouldWait(1))
      budget.release(8)
      yield* Fiber.join(large)
      yield* Fiber.join(small)
      assert.deepStrictEqual(admitted, ["large", "small"])
      assert.strictEqual(budget.heldBytes, 7)
    }))

  it.effect("admits one request larger than the budget when nothing is held", () =>
    Effect.gen(function*() {
      const budget = new ByteBudget(10)
      yield* budget.acquire(50)
      assert.strictEqual(budget.heldBytes, 50)
      assert.isTrue(budget.wouldWait(1))
    }))

  it.effect("forgets an interrupted waiter and lets the next one in", () =>
    Effect.gen(function*() {
      const budget = new ByteBudget(10)
      yield* budget.acquire(10)
      const first = yield* Effect.forkChild(budget.acquire(10))
      const second = yield* Effect.forkChild(budget.acquire(1))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(first)
      budget.release(5)
      yield* Fiber.join(second)
      assert.strictEqual(budget.heldBytes, 6)
    }))

  it.effect("stops all waiting once opened", () =>
    Effect.gen(function*() {
      const budget = new ByteBudget(10)
      yield* budget.acquire(10)
      const waiting = yield* Effect.forkChild(budget.acquire(10))
      yield* Effect.yieldNow
      budget.open()
      yield* Fiber.join(waiting)
      yield* budget.awaitRoom
      assert.isTrue(budget.isOpen)
    }))
})
