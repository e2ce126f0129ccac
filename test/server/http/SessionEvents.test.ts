/**
 * The GET stream's replay log: a fresh stream carries what no stream carried yet, a resumed one what
 * followed `Last-Event-ID`, the log is bounded (oldest dropped), a newer stream ends the older one, and
 * closing ends every stream.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { primingEvent, SessionEvents } from "../../../src/server/http/SessionEvents.js"

const decoder = new TextDecoder()

/** The `[id, data]` pairs of the first `count` events of `stream` (after the opening comment). */
const take = (stream: Stream.Stream<Uint8Array>, chunks: number, primedAt?: string) =>
  stream.pipe(
    Stream.take(chunks + 1),
    Stream.runCollect,
    Effect.map((all) => {
      if (primedAt !== undefined) assert.deepStrictEqual(all[0], primingEvent(primedAt))
      return all.slice(1).flatMap((chunk) =>
        [...decoder.decode(chunk).matchAll(/id: (\d+)\nevent: message\ndata: (.*)\n\n/g)].map((m) => [Number(m[1]), m[2]])
      )
    })
  )

describe("SessionEvents", () => {
  it.effect("a fresh stream carries what no stream carried; a resumed one what followed Last-Event-ID", () =>
    Effect.gen(function*() {
      const events = new SessionEvents()
      events.push("a")
      events.push("b")
      assert.deepStrictEqual(yield* take(events.open(undefined), 1), [[1, "a"], [2, "b"]])
      events.push("c")
      assert.deepStrictEqual(yield* take(events.open(undefined), 1), [[3, "c"]])
      assert.deepStrictEqual(yield* take(events.open(1), 1), [[2, "b"], [3, "c"]])
    }))

  it.effect("delivers live events to an open stream", () =>
    Effect.gen(function*() {
      const events = new SessionEvents()
      const reader = yield* take(events.open(undefined), 2).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      events.push("x")
      yield* Effect.yieldNow
      events.push("y")
      assert.deepStrictEqual(yield* Fiber.join(reader), [[1, "x"], [2, "y"]])
    }))

  it.effect("bounds the log, dropping the oldest events", () =>
    Effect.gen(function*() {
      const events = new SessionEvents(10)
      for (const data of ["aaaa", "bbbb", "cccc"]) events.push(data)
      assert.deepStrictEqual(yield* take(events.open(0), 1), [[2, "bbbb"], [3, "cccc"]])
      // Many evictions (the log is compacted in bulk): ids stay right.
      for (let i = 4; i <= 5000; i++) events.push(String(i % 10).repeat(4))
      assert.deepStrictEqual(yield* take(events.open(4990), 1), [[4999, "9999"], [5000, "0000"]])
    }))

  it.effect("a newer stream ends the older one, and close ends every stream", () =>
    Effect.gen(function*() {
      const events = new SessionEvents()
      const older = yield* events.open(undefined).pipe(Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      const newer = yield* events.open(undefined).pipe(Stream.runCollect, Effect.forkChild)
      assert.strictEqual((yield* Fiber.join(older)).length, 1)
      events.close()
      assert.strictEqual((yield* Fiber.join(newer)).length, 1)
    }))
})
