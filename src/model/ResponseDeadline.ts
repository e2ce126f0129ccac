/**
 * The provider time one model response may take (`response_deadline_ms`), shared by all its attempts:
 * time spent connecting, waiting for stream events and waiting before retries is charged; time the
 * consumer spends between reads (running a tool) is not. The idle timeout alone cannot end a provider
 * that drips a delta every few seconds forever, or one that stalls just short of the idle timeout on
 * every retry; this bound does.
 */
import { ModelError } from "./ModelError.js"

export class ResponseDeadline {
  private spentMs = 0

  constructor(readonly limitMs: number) {}

  /** Provider time left; 0 once the deadline has passed. */
  get remainingMs(): number {
    return Math.max(0, this.limitMs - this.spentMs)
  }

  charge(ms: number): void {
    this.spentMs += Math.max(0, ms)
  }

  /** The turn's error once the deadline has passed: final, no retry can help. */
  exceeded(): ModelError {
    return new ModelError({
      message: `the model response did not complete within ${this.limitMs} ms of provider time (response_deadline_ms)`,
      retry: "none"
    })
  }
}
