/**
 * Retry decisions: which budget an error spends, the delay (Retry-After or
 * backoff), the announced message, and the error once a budget is exhausted.
 */
import { assert, describe, it } from "@effect/vitest"
import { ModelError } from "../../src/model/ModelError.js"
import { backoffMs, decideRetry, noRetriesSpent, parseRetryAfter } from "../../src/model/RetryPolicy.js"

const limits = { requestMaxRetries: 2, streamMaxRetries: 1, retryMaxDelayMs: 60_000 }

describe("backoffMs", () => {
  it.each([
    { attempt: 1, jitter: 1, ms: 200 },
    { attempt: 2, jitter: 1, ms: 400 },
    { attempt: 3, jitter: 1, ms: 800 },
    { attempt: 1, jitter: 0.9, ms: 180 },
    { attempt: 4, jitter: 1.1, ms: 1760 }
  ])("attempt $attempt × $jitter → $ms ms", ({ attempt, jitter, ms }) => {
    assert.strictEqual(backoffMs(attempt, jitter), ms)
  })
})

describe("parseRetryAfter", () => {
  const now = Date.parse("Wed, 25 Nov 2026 00:00:00 GMT")
  it.each([
    { value: "2", ms: 2000 },
    { value: "0.5", ms: 500 },
    { value: "Wed, 25 Nov 2026 00:00:10 GMT", ms: 10_000 },
    { value: "Tue, 24 Nov 2026 00:00:00 GMT", ms: 0 },
    { value: "soon", ms: undefined },
    { value: "", ms: undefined },
    { value: null, ms: undefined },
    // Not finite in milliseconds: the normal backoff applies.
    { value: "1e308", ms: undefined },
    { value: "Infinity", ms: undefined },
    { value: "-5", ms: 0 },
    { value: "3600", ms: 3_600_000 }
  ])("$value → $ms", ({ value, ms }) => {
    assert.strictEqual(parseRetryAfter(value, now), ms)
  })
})

describe("decideRetry", () => {
  const error = (retry: ModelError["retry"], extra: { retryAfterMs?: number; status?: number } = {}) =>
    new ModelError({ message: "boom", retry, ...extra })

  it("spends the request budget on request errors, with backoff", () => {
    assert.deepStrictEqual(decideRetry(error("request"), noRetriesSpent, limits, 1), {
      _tag: "Retry",
      spent: { request: 1, stream: 0 },
      delayMs: 200,
      message: "stream error: boom; retrying 1/2 in 0.2s…"
    })
  })

  it("prefers the provider's Retry-After", () => {
    const decision = decideRetry(error("request", { retryAfterMs: 1500 }), { request: 1, stream: 0 }, limits, 1)
    assert.deepStrictEqual(decision._tag === "Retry" ? [decision.delayMs, decision.message] : [], [
      1500,
      "stream error: boom; retrying 2/2 in 1.5s…"
    ])
  })

  it("caps every wait: a huge Retry-After and a long backoff alike", () => {
    const huge = decideRetry(error("request", { retryAfterMs: 3_600_000 }), noRetriesSpent, limits, 1)
    assert.deepStrictEqual(huge._tag === "Retry" ? [huge.delayMs, huge.message] : [], [
      60_000,
      "stream error: boom; retrying 1/2 in 60.0s…"
    ])
    const backoff = decideRetry(error("request"), { request: 40, stream: 0 }, { ...limits, requestMaxRetries: 100 }, 1)
    assert.strictEqual(backoff._tag === "Retry" ? backoff.delayMs : undefined, 60_000)
  })

  it("spends the stream budget separately", () => {
    const decision = decideRetry(error("stream"), { request: 2, stream: 0 }, limits, 1)
    assert.deepStrictEqual(decision._tag === "Retry" ? decision.spent : undefined, { request: 2, stream: 1 })
  })

  it("gives up when the budget is spent, saying so", () => {
    const decision = decideRetry(error("stream", { status: 502 }), { request: 0, stream: 1 }, limits, 1)
    assert.strictEqual(decision._tag, "GiveUp")
    if (decision._tag === "GiveUp") {
      assert.strictEqual(decision.error.message, "boom (gave up after 1 retries)")
      assert.strictEqual(decision.error.retry, "none")
      assert.strictEqual(decision.error.status, 502)
    }
  })

  it("passes a zero budget's error through unchanged, and never retries a final error", () => {
    const zero = decideRetry(error("request"), noRetriesSpent, { requestMaxRetries: 0, streamMaxRetries: 0, retryMaxDelayMs: 60_000 }, 1)
    assert.strictEqual(zero._tag === "GiveUp" ? zero.error.message : undefined, "boom")
    const final = error("none")
    assert.deepStrictEqual(decideRetry(final, noRetriesSpent, limits, 1), { _tag: "GiveUp", error: final })
  })
})
