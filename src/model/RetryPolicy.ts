/**
 * When and how long the model client waits before trying a failed request again. Two budgets: `request_max_retries` for HTTP 429/5xx and connection errors, and
 * `stream_max_retries` for a stream that broke, stalled or ended early. Pure, so the whole table of
 * cases is tested without a clock.
 */
import type { ModelProviderInfo } from "./ModelProviderInfo.js"
import { ModelError } from "./ModelError.js"

/** 200 ms × 2^(n-1) × a jitter factor (0.9–1.1 in use); `attempt` counts from 1. */
export const backoffMs = (attempt: number, jitter: number) => Math.round(200 * 2 ** (attempt - 1) * jitter)

/**
 * `Retry-After` as delta-seconds or an HTTP date, in milliseconds from `nowMs`; undefined if unusable,
 * which includes values whose milliseconds are not a finite number (`1e308`, `Infinity`): those get
 * the normal backoff. Large but finite values are kept here and capped by `decideRetry`.
 */
export const parseRetryAfter = (value: string | null | undefined, nowMs: number): number | undefined => {
  if (value === null || value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined
}

/** Retries spent so far in one `stream` call, per budget. */
export interface RetriesSpent {
  readonly request: number
  readonly stream: number
}

export const noRetriesSpent: RetriesSpent = { request: 0, stream: 0 }

type RetryDecision =
  | {
    readonly _tag: "Retry"
    readonly spent: RetriesSpent
    readonly delayMs: number
    /** For the `Retrying` event, and from there the `stream_error` event. */
    readonly message: string
  }
  | { readonly _tag: "GiveUp"; readonly error: ModelError }

/** `1.0s`, `0.2s`: the delay as the retry message shows it. */
const formatDelay = (delayMs: number) => `${(delayMs / 1000).toFixed(1)}s`

/**
 * What to do after `error`: retry after a delay (the provider's `Retry-After` if it sent one, else
 * backoff; never longer than `retryMaxDelayMs`), or give up with an error saying how many retries were spent.
 */
export const decideRetry = (
  error: ModelError,
  spent: RetriesSpent,
  provider: Pick<ModelProviderInfo, "requestMaxRetries" | "streamMaxRetries" | "retryMaxDelayMs">,
  jitter: number
): RetryDecision => {
  if (error.retry === "none") return { _tag: "GiveUp", error }
  const budget = error.retry === "request" ? provider.requestMaxRetries : provider.streamMaxRetries
  const attempt = spent[error.retry] + 1
  if (attempt > budget) {
    const message = budget === 0 ? error.message : `${error.message} (gave up after ${budget} retries)`
    return { _tag: "GiveUp", error: new ModelError({ ...error, message, retry: "none" }) }
  }
  // Capped: a provider (or a long backoff) must not park the turn for an hour.
  const delayMs = Math.min(error.retryAfterMs ?? backoffMs(attempt, jitter), provider.retryMaxDelayMs)
  return {
    _tag: "Retry",
    spent: { ...spent, [error.retry]: attempt },
    delayMs,
    message: `stream error: ${error.message}; retrying ${attempt}/${budget} in ${formatDelay(delayMs)}…`
  }
}
