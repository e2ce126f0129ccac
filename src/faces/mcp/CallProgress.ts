/**
 * `notifications/progress` for one `tools/call` that carries a `progressToken`: a message for each
 * event worth showing (see `ProgressMessages`), and a heartbeat while nothing else is sent. A model
 * that thinks for minutes sends nothing, and MCP clients cancel a request after a time-out (60 s in
 * the official SDK); a client that resets its time-out on progress (`resetTimeoutOnProgress`) keeps
 * waiting as long as the heartbeat comes more often than that.
 */
import { Clock, Duration, Effect, type Scope } from "effect"
import { ProgressNotification } from "effect/ai/McpSchema"
import type { RequestId } from "../../rpc/Enums.js"
import type { OutgoingSender } from "../../server/OutgoingSender.js"

/** How often the heartbeat goes out when nothing else has: well inside any client's time-out. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000

export interface CallProgress {
  /** Sends one progress notification with this message (progress counts up from 1). */
  readonly report: (message: string) => Effect.Effect<void>
}

/** Starts the heartbeat in the current scope (it stops with the call) and returns the reporter. */
export const startCallProgress = (
  sender: OutgoingSender["Service"],
  progressToken: string | number,
  intervalMs: number,
  /** The call's request id: its progress goes on the call's stream. */
  relatedRequestId: RequestId
): Effect.Effect<CallProgress, never, Scope.Scope> =>
  Effect.gen(function*() {
    let progress = 0
    let lastSentMs = yield* Clock.currentTimeMillis
    const startedMs = lastSentMs
    const report = (message: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        lastSentMs = now
        return sender.notify(ProgressNotification, { progressToken, progress: ++progress, message }, relatedRequestId)
      })
    // Wakes every interval and speaks only if nothing else was sent since the last wake-up.
    const heartbeat = Effect.gen(function*() {
      yield* Effect.sleep(Duration.millis(intervalMs))
      const now = yield* Clock.currentTimeMillis
      if (now - lastSentMs >= intervalMs) yield* report(`Working… (${Math.round((now - startedMs) / 1000)} s)`)
    })
    yield* Effect.forkScoped(Effect.forever(heartbeat))
    return { report }
  })
