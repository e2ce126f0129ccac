/**
 * The stream idle timeout without per-event machinery. The provider's event iterator is wrapped so
 * each read records when it started (on the Effect clock, so TestClock drives it); one watchdog fiber
 * sleeps until the pending read's deadline and completes once a read has waited `idleMs` (the caller
 * then aborts the request). Only time spent waiting for the provider counts: while the consumer runs a
 * tool between reads, nothing is pending. Per-event stream combinators (timeoutOrElse, interruptWhen)
 * doubled the cost of a 10,000-delta turn.
 */
import { Clock, Duration, Effect } from "effect"
import type { ResponseDeadline } from "./ResponseDeadline.js"

/** Why the watchdog fired: one read waited `idleMs`, or the response's provider time ran out. */
export type IdleReason = "idle" | "deadline"

export const watchIdle = <A>(
  source: AsyncIterable<A>,
  idleMs: number,
  deadline: ResponseDeadline
): Effect.Effect<{ readonly events: AsyncIterable<A>; readonly idle: Effect.Effect<IdleReason> }> =>
  Effect.map(Effect.clockWith(Effect.succeed), (clock: Clock.Clock) => {
    let pendingSince: number | undefined
    let wakeWatchdog: (() => void) | undefined

    const events: AsyncIterable<A> = {
      [Symbol.asyncIterator]: () => {
        const iterator = source[Symbol.asyncIterator]()
        return {
          next: () => {
            const started = clock.currentTimeMillisUnsafe()
            pendingSince = started
            wakeWatchdog?.()
            return iterator.next().finally(() => {
              pendingSince = undefined
              deadline.charge(clock.currentTimeMillisUnsafe() - started)
            })
          },
          return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined })
        }
      }
    }

    /** Completes when a read has been waiting `idleMs`, or as long as the deadline has left. */
    const idle: Effect.Effect<IdleReason> = Effect.gen(function*() {
      for (;;) {
        if (pendingSince === undefined) {
          // Nothing is being read: wait until a read starts.
          yield* Effect.callback<void>((resume) => {
            wakeWatchdog = () => {
              wakeWatchdog = undefined
              resume(Effect.void)
            }
          })
          continue
        }
        const reason: IdleReason = deadline.remainingMs < idleMs ? "deadline" : "idle"
        const remaining = pendingSince + Math.min(idleMs, deadline.remainingMs) - clock.currentTimeMillisUnsafe()
        if (remaining <= 0) return reason
        yield* Effect.sleep(Duration.millis(remaining))
      }
    })

    return { events, idle }
  })
