/**
 * A first-come, first-served admission gate measured in bytes: what bounds the server's outgoing
 * queue. `acquire(n)` waits until `n` more bytes fit (a request larger than the whole budget waits
 * until nothing else is held, so one huge message still goes through), `release(n)` gives them back
 * once written. Waiters are served in order, so a large message is never starved by small ones.
 * `open()` ends all waiting for good: at shutdown nothing may block on a client that stopped reading.
 */
import { Effect } from "effect"

interface Waiter {
  readonly bytes: number
  readonly admit: () => void
}

export class ByteBudget {
  private held = 0
  private readonly waiters: Array<Waiter> = []
  private opened = false

  constructor(readonly limit: number) {}

  /** Bytes admitted and not yet released. */
  get heldBytes(): number {
    return this.held
  }

  /** Whether `open()` was called: from then on nothing waits. */
  get isOpen(): boolean {
    return this.opened
  }

  /** Whether `acquire(bytes)` would have to wait right now. */
  wouldWait(bytes: number): boolean {
    return this.waiters.length > 0 || !this.fits(bytes)
  }

  private fits(bytes: number): boolean {
    return this.opened || this.held === 0 || this.held + bytes <= this.limit
  }

  /** Waits for room for `bytes` (in arrival order), then holds them. */
  acquire(bytes: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.waiters.length === 0 && this.fits(bytes)) {
        this.held += bytes
        return Effect.void
      }
      return Effect.callback<void>((resume) => {
        const waiter: Waiter = {
          bytes,
          admit: () => {
            this.held += bytes
            resume(Effect.void)
          }
        }
        this.waiters.push(waiter)
        // Interrupted while waiting: leave the line, and let whoever is behind try.
        return Effect.sync(() => {
          const index = this.waiters.indexOf(waiter)
          if (index !== -1) this.waiters.splice(index, 1)
          this.admitWaiting()
        })
      })
    })
  }

  /** Waits until nobody is waiting and there is room for at least one more byte; holds nothing. */
  readonly awaitRoom: Effect.Effect<void> = Effect.suspend(() =>
    this.wouldWait(1) ? this.acquire(1).pipe(Effect.andThen(Effect.sync(() => this.release(1)))) : Effect.void
  )

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes)
    this.admitWaiting()
  }

  /** Admits every current and future request at once. */
  open(): void {
    this.opened = true
    this.admitWaiting()
  }

  private admitWaiting(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) this.waiters.shift()!.admit()
  }
}
