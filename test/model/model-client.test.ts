/**
 * ModelClient over real HTTP against the mock provider: both wire APIs parsed into the same events,
 * retries spent from the right budget and announced, non-retryable errors failing at once, idle and
 * cut streams retried, and provider settings (query params, headers, env keys) on the wire.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { providerFromToml, type ModelProviderInfo } from "../../src/config/ModelProviderInfo.js"
import { ModelAuth } from "../../src/model/ModelAuth.js"
import type { Prompt } from "../../src/model/Prompt.js"
import type { ResponseEvent } from "../../src/model/ResponseEvent.js"
import { backoffMs, ModelClient, parseRetryAfter } from "../../src/services/ModelClient.js"
import { type MockModelServer, MockTurn, startMockModelServer } from "../support/MockModelServer.js"

let mock: MockModelServer | undefined
afterEach(async () => {
  await mock?.close()
  mock = undefined
})

const prompt: Prompt = {
  model: "mock-model",
  instructions: "be brief",
  input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
  tools: [{ type: "function", name: "shell", description: "run", strict: false, parameters: { type: "object", properties: {} } }]
}

const provider = (url: string, overrides: Partial<ModelProviderInfo> = {}): ModelProviderInfo => ({
  ...providerFromToml("mock", { base_url: url, wire_api: "responses", request_max_retries: 2, stream_max_retries: 2 }),
  ...overrides
})

const collect = (info: ModelProviderInfo) =>
  Effect.gen(function*() {
    const client = yield* ModelClient
    return yield* client.stream(prompt, info).pipe(Stream.runCollect)
  }).pipe(Effect.provide(ModelClient.layer), Effect.provide(ModelAuth.layerFromEnv))

const tags = (events: ReadonlyArray<ResponseEvent>) => events.map((event) => event._tag)

describe("ModelClient", () => {
  it.live("parses a Responses stream: text deltas, reasoning, the message, usage", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.message("hello", "thinking")]))
      const events = yield* collect(provider(mock.url))
      assert.deepStrictEqual(tags(events), ["Created", "ReasoningSummaryDelta", "OutputItemDone", "OutputTextDelta", "OutputItemDone", "Completed"])
      const completed = events.at(-1)!
      assert.deepStrictEqual(completed._tag === "Completed" ? completed.tokenUsage?.total_tokens : undefined, 15)
      const body = mock.requests[0]!.body
      assert.strictEqual(mock.requests[0]!.path, "/v1/responses")
      assert.include(body, { model: "mock-model", instructions: "be brief", stream: true, store: false, tool_choice: "auto" })
    }))

  it.live("parses Chat Completions: tool_calls deltas accumulated by index", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.shell(["ls", "-la"], { callId: "c1" })]))
      const events = yield* collect(provider(mock.url, { wireApi: "chat" }))
      const done = events.flatMap((event) => (event._tag === "OutputItemDone" ? [event.item] : []))
      assert.deepStrictEqual(done, [{ type: "function_call", name: "shell", arguments: JSON.stringify({ command: ["ls", "-la"] }), call_id: "c1" }])
      const body = mock.requests[0]!.body
      assert.strictEqual(mock.requests[0]!.path, "/v1/chat/completions")
      assert.deepStrictEqual(body.messages[0], { role: "system", content: "be brief" })
      assert.strictEqual(body.tools[0].function.name, "shell")
    }))

  it.live("retries a 500 and succeeds, announcing exactly one retry", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.status(500), MockTurn.message("ok")]))
      const events = yield* collect(provider(mock.url))
      assert.deepStrictEqual(tags(events).filter((tag) => tag === "Retrying"), ["Retrying"])
      assert.strictEqual(tags(events).at(-1), "Completed")
      assert.strictEqual(mock.requests.length, 2)
    }))

  it.live("honours Retry-After on a 429", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.status(429, "1"), MockTurn.message("ok")]))
      const events = yield* collect(provider(mock.url))
      const retry = events.find((event) => event._tag === "Retrying")
      assert.match(retry?._tag === "Retrying" ? retry.message : "", /429.*retrying 1\/2 in 1\.0s/)
      assert.strictEqual(mock.requests.length, 2)
    }))

  it.live("does not retry a 400 and says what the provider said", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.status(400), MockTurn.message("never")]))
      const error = yield* collect(provider(mock.url)).pipe(Effect.flip)
      assert.match(error.message, /400/)
      assert.strictEqual(mock.requests.length, 1)
    }))

  it.live("gives up after request_max_retries with a clear error", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.status(503), MockTurn.status(503), MockTurn.status(503)]))
      const error = yield* collect(provider(mock.url)).pipe(Effect.flip)
      assert.match(error.message, /503.*gave up after 2 retries/)
      assert.strictEqual(mock.requests.length, 3)
    }))

  it.live("retries a stream cut mid-event", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.cut(), MockTurn.message("whole")]))
      const events = yield* collect(provider(mock.url))
      assert.include(tags(events), "Retrying")
      assert.strictEqual(tags(events).at(-1), "Completed")
    }))

  it.live("times out an idle stream and retries it", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.stall(), MockTurn.message("awake")]))
      const events = yield* collect(provider(mock.url, { streamIdleTimeoutMs: 300 }))
      const retry = events.find((event) => event._tag === "Retrying")
      assert.match(retry?._tag === "Retrying" ? retry.message : "", /idle timeout/)
      assert.strictEqual(tags(events).at(-1), "Completed")
    }))

  it.live("sends query params and headers, and names a missing env_key variable", () =>
    Effect.gen(function*() {
      mock = yield* Effect.promise(() => startMockModelServer([MockTurn.message("ok")]))
      process.env.CODEX_EFFECT_TEST_HEADER = "from-env"
      yield* collect(provider(mock.url, {
        queryParams: { "api-version": "2025-01-01" },
        httpHeaders: { "x-static": "yes" },
        envHttpHeaders: { "x-dynamic": "CODEX_EFFECT_TEST_HEADER" }
      }))
      const request = mock.requests[0]!
      assert.strictEqual(request.headers["x-static"], "yes")
      assert.strictEqual(request.headers["x-dynamic"], "from-env")
      const missing = yield* collect(provider(mock.url, { envKey: "CODEX_EFFECT_NO_SUCH_KEY", envKeyInstructions: "Get one at example.com." }))
        .pipe(Effect.flip)
      assert.strictEqual(missing.message, "Missing environment variable: `CODEX_EFFECT_NO_SUCH_KEY`. Get one at example.com.")
    }))

  it("computes backoff and Retry-After delays", () => {
    assert.strictEqual(backoffMs(1, 1), 200)
    assert.strictEqual(backoffMs(3, 1), 800)
    assert.strictEqual(parseRetryAfter("2"), 2000)
    assert.strictEqual(parseRetryAfter("Wed, 25 Nov 2026 00:00:10 GMT", Date.parse("Wed, 25 Nov 2026 00:00:00 GMT")), 10_000)
    assert.strictEqual(parseRetryAfter("soon"), undefined)
  })
})
