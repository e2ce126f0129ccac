/**
 * The replay log of a session's streams: a fresh stream carries what no stream carried yet, a resumed one
 * what followed `Last-Event-ID`, the log is bounded (oldest dropped), a newer stream ends the older one,
 * closing ends every stream; every stream opens with a priming event, a request's stream ends after its
 * last event, and an idle stream carries keep-alive comments.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
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

  it.effect("opens with a priming event (id, retry, empty data); a request's stream ends after its last event, read once", () =>
    Effect.gen(function*() {
      let done = 0
      const stream = new SessionEvents(1024, "7/", () => done++)
      stream.push("note")
      stream.finish("answer")
      stream.push("too late")
      const all = yield* stream.open(undefined).pipe(Stream.runCollect)
      assert.deepStrictEqual(decoder.decode(all[0]), "id: 7/0\nretry: 1000\ndata:\n\n")
      assert.deepStrictEqual(
        all.slice(1).map((chunk) => decoder.decode(chunk)).join(""),
        "id: 7/1\nevent: message\ndata: note\n\nid: 7/2\nevent: message\ndata: answer\n\n"
      )
      assert.strictEqual(done, 1)
      assert.strictEqual(stream.parseId("7/1"), 1)
      assert.strictEqual(stream.parseId("17/1"), undefined)
      // Resumed after the note: only the answer.
      const rest = yield* stream.open(1).pipe(Stream.runCollect)
      assert.deepStrictEqual(rest.slice(1).map((chunk) => decoder.decode(chunk)), ["id: 7/2\nevent: message\ndata: answer\n\n"])
    }))

  it.effect("sends a keep-alive comment on an idle stream", () =>
    Effect.gen(function*() {
      const events = new SessionEvents()
      const reader = yield* events.open(undefined).pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
      yield* Effect.yieldNow
      yield* TestClock.adjust("15 seconds")
      const chunks = yield* Fiber.join(reader)
      assert.deepStrictEqual(decoder.decode(chunks[1]), ": keep-alive\n\n")
    }))
})
