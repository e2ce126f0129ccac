/**
 * The stream idle timeout without per-event machinery. The provider's event iterator is wrapped so
 * each read records when it started (on the Effect clock, so TestClock drives it); one watchdog fiber
 * sleeps until the pending read's deadline and completes once a read has waited `idleMs` (the caller
 * then aborts the request). Only time spent waiting for the provider counts: while the consumer runs a
 * tool between reads, nothing is pending. Per-event stream combinators (timeoutOrElse, interruptWhen)
 * doubled the cost of a 10,000-delta turn.
 */
import { Clock, Duration, Effect } from "effect"

export const watchIdle = <A>(
  source: AsyncIterable<A>,
  idleMs: number
): Effect.Effect<{ readonly events: AsyncIterable<A>; readonly idle: Effect.Effect<void> }> =>
  Effect.map(Effect.clockWith(Effect.succeed), (clock: Clock.Clock) => {
    let pendingSince: number | undefined
    let wakeWatchdog: (() => void) | undefined

    const events: AsyncIterable<A> = {
      [Symbol.asyncIterator]: () => {
        const iterator = source[Symbol.asyncIterator]()
        return {
          next: () => {
            pendingSince = clock.currentTimeMillisUnsafe()
            wakeWatchdog?.()
            return iterator.next().finally(() => {
              pendingSince = undefined
            })
          },
          return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined })
        }
      }
    }

    /** Completes when a read has been waiting `idleMs`. */
    const idle: Effect.Effect<void> = Effect.gen(function*() {
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
        const remaining = pendingSince + idleMs - clock.currentTimeMillisUnsafe()
        if (remaining <= 0) return
        yield* Effect.sleep(Duration.millis(remaining))
      }
    })

    return { events, idle }
  })
