/**
 * An in-memory `LineSink` for the stdio peer's unit tests: it records every chunk the
 * OutgoingSender writes and lets a test wait for a condition on the written messages instead of
 * sleeping. A wait that is never satisfied dies after a few real seconds with the transcript, so a
 * missing answer fails loudly rather than hanging until vitest's timeout; `within` gives any other
 * wait (a Deferred, a fiber) the same limit.
 *
 * The limit reads the live clock through `TestClock.withLive`, so these helpers are for `it.effect`.
 */
import { Deferred, Effect } from "effect"
import { TestClock } from "effect/testing"
import type { LineSink } from "../../src/server/OutgoingSender.js"

/** One line as the client would read it. */
export type WireMessage = Readonly<Record<string, unknown>>

const WAIT_LIMIT = "5 seconds"

/** Runs `effect`, dying with a message naming `what` if it takes more than a few real seconds. */
export const within = <A, E, R>(what: string, effect: Effect.Effect<A, E, R>, transcript?: () => string) =>
  TestClock.withLive(effect.pipe(
    Effect.timeoutOrElse({
      duration: WAIT_LIMIT,
      orElse: () =>
        Effect.die(new Error(`timed out waiting for ${what}${transcript === undefined ? "" : `; written so far:\n${transcript()}`}`))
    })
  ))

export interface MemorySink {
  readonly sink: LineSink
  /** Every chunk handed to the sink, in order (the writer may batch several lines into one chunk). */
  readonly chunks: ReadonlyArray<string>
  /** Every line written so far, parsed. */
  readonly messages: () => ReadonlyArray<WireMessage>
  /** The messages answering (or requesting with) `id`, compared type-sensitively. */
  readonly withId: (id: string | number | null) => ReadonlyArray<WireMessage>
  /** Waits until `predicate` holds for the written messages; dies naming `what` after a few seconds. */
  readonly waitFor: (
    what: string,
    predicate: (messages: ReadonlyArray<WireMessage>) => boolean
  ) => Effect.Effect<ReadonlyArray<WireMessage>>
  /** Waits for the first message with `id` and returns it. */
  readonly waitForId: (id: string | number | null) => Effect.Effect<WireMessage>
}

export const makeMemorySink = (): MemorySink => {
  const chunks: Array<string> = []
  const waiters = new Set<{
    readonly predicate: (messages: ReadonlyArray<WireMessage>) => boolean
    readonly done: Deferred.Deferred<void>
  }>()

  const messages = (): ReadonlyArray<WireMessage> =>
    chunks.join("").split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line) as WireMessage)

  const withId = (id: string | number | null) => messages().filter((message) => "id" in message && message.id === id)

  const wake = () => {
    if (waiters.size === 0) return
    const current = messages()
    for (const waiter of waiters) {
      if (waiter.predicate(current)) {
        waiters.delete(waiter)
        Deferred.doneUnsafe(waiter.done, Effect.void)
      }
    }
  }

  const sink: LineSink = (chunk) =>
    Effect.sync(() => {
      chunks.push(chunk)
      wake()
    })

  const waitFor = (what: string, predicate: (messages: ReadonlyArray<WireMessage>) => boolean) =>
    Effect.gen(function*() {
      const done = Deferred.makeUnsafe<void>()
      // Checking and registering in one synchronous step: no write can slip in between.
      yield* Effect.sync(() => {
        if (predicate(messages())) Deferred.doneUnsafe(done, Effect.void)
        else waiters.add({ predicate, done })
      })
      yield* within(what, Deferred.await(done), () => chunks.join(""))
      return messages()
    })

  const waitForId = (id: string | number | null) =>
    waitFor(`a message with id ${JSON.stringify(id)}`, () => withId(id).length > 0).pipe(
      Effect.map(() => withId(id)[0]!)
    )

  return { sink, chunks, messages, withId, waitFor, waitForId }
}
