/**
 * ModelClient over real HTTP against the mock provider: both wire APIs parsed into the same events,
 * retries spent from the right budget and announced once each, non-retryable errors failing at once,
 * idle and cut streams retried, provider settings (query params, headers, env keys, credentials) on
 * the wire, and an interrupted stream closing its HTTP request. Timing-sensitive cases run on the
 * TestClock; the rest take at most a couple of ~200 ms backoffs in real time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, Option, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"
import { type ModelProviderInfo, providerFromToml } from "../../src/model/ModelProviderInfo.js"
import { ModelAuth, type ModelCredentials } from "../../src/model/ModelAuth.js"
import type { Prompt } from "../../src/model/Prompt.js"
import type { ResponseEvent } from "../../src/model/ResponseEvent.js"
import { userText } from "../../src/model/ResponseItem.js"
import { ModelClient } from "../../src/model/ModelClient.js"
import { type MockModelServer, MockTurn, sse, startMockModelServer } from "../support/MockModelServer.js"

const prompt: Prompt = {
  model: "mock-model",
  instructions: "be brief",
  input: [userText("hi")],
  tools: [{ type: "function", name: "shell", description: "run", strict: false, parameters: { type: "object", properties: {} } }],
  promptCacheKey: "conv-1"
}

const provider = (url: string, overrides: Partial<ModelProviderInfo> = {}): ModelProviderInfo => ({
  ...providerFromToml("mock", { base_url: url, wire_api: "responses", request_max_retries: 2, stream_max_retries: 2 }),
  ...overrides
})

const authLayer = (credentials: Option.Option<ModelCredentials>, onUnauthorized = (_token: string) => Effect.void) =>
  Layer.succeed(ModelAuth, ModelAuth.of({ credentials: Effect.succeed(credentials), onUnauthorized }))

const signedOut = authLayer(Option.none())

const startMock = (turns: ReadonlyArray<MockTurn>) =>
  Effect.acquireRelease(Effect.promise(() => startMockModelServer(turns)), (mock) => Effect.promise(() => mock.close()))

const streamFrom = (info: ModelProviderInfo, auth: Layer.Layer<ModelAuth> = signedOut) =>
  Effect.gen(function*() {
    const client = yield* ModelClient
    return client.stream(prompt, info)
  }).pipe(Effect.provide(ModelClient.layer.pipe(Layer.provide(auth))))

const collect = (info: ModelProviderInfo, auth?: Layer.Layer<ModelAuth>) =>
  streamFrom(info, auth).pipe(Effect.flatMap(Stream.runCollect))

/** Runs the stream in the background; `next()` takes its events one by one. */
const background = (info: ModelProviderInfo) =>
  Effect.gen(function*() {
    const events = yield* Queue.unbounded<ResponseEvent>()
    const stream = yield* streamFrom(info)
    const fiber = yield* stream.pipe(Stream.runForEach((event) => Queue.offer(events, event)), Effect.forkChild)
    return { next: Queue.take(events), fiber }
  })

const tags = (events: ReadonlyArray<ResponseEvent>) => events.map((event) => event._tag)
const retries = (events: ReadonlyArray<ResponseEvent>) =>
  events.flatMap((event) => (event._tag === "Retrying" ? [event.message] : []))
const items = (events: ReadonlyArray<ResponseEvent>) =>
  events.flatMap((event) => (event._tag === "OutputItemDone" ? [event.item] : []))
const waitForRequests = (mock: MockModelServer, count: number) => Effect.promise(() => mock.waitForRequests(count))

describe("ModelClient: Responses API", () => {
  it.effect("parses deltas, reasoning, the message and usage, and sends the reference request body", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.message("hello", "thinking")])
      const events = yield* collect(provider(mock.url))
      assert.deepStrictEqual(tags(events), [
        "Created",
        "ReasoningSummaryPartAdded",
        "ReasoningSummaryDelta",
        "OutputItemDone",
        "OutputTextDelta",
        "OutputItemDone",
        "Completed"
      ])
      assert.deepStrictEqual(items(events), [
        { type: "reasoning", id: "rs_resp_1", summary: [{ type: "summary_text", text: "thinking" }], encrypted_content: "opaque" },
        { type: "message", id: "msg_resp_1", role: "assistant", content: [{ type: "output_text", text: "hello" }] }
      ])
      assert.deepStrictEqual(events.at(-1), {
        _tag: "Completed",
        responseId: "resp_1",
        tokenUsage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 5, reasoning_output_tokens: undefined, total_tokens: 15 }
      })
      const request = mock.requests[0]!
      assert.strictEqual(request.path, "/v1/responses")
      assert.include(request.body, {
        model: "mock-model",
        instructions: "be brief",
        stream: true,
        store: false,
        tool_choice: "auto",
        parallel_tool_calls: false,
        prompt_cache_key: "conv-1"
      })
      assert.deepStrictEqual(request.body.input, [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }])
      assert.strictEqual(request.headers["openai-beta"], "responses=experimental")
      assert.strictEqual(request.headers["session_id"], "conv-1")
      assert.isUndefined(request.headers.authorization, "no credentials: no Authorization header")
    }))

  it.effect("decodes a function call", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.shell(["ls", "-la"], { callId: "c1", workdir: "/tmp" })])
      const events = yield* collect(provider(mock.url))
      assert.deepStrictEqual(items(events), [{
        type: "function_call",
        id: "fc_resp_1",
        name: "shell",
        arguments: JSON.stringify({ command: ["ls", "-la"], workdir: "/tmp" }),
        call_id: "c1"
      }])
    }))

  it.live("retries a response.failed event, with the provider's reason", () =>
    Effect.gen(function*() {
      const failed = sse({ type: "response.created", response: { id: "r" } }) +
        sse({ type: "response.failed", response: { id: "r", error: { message: "the model is overloaded" } } })
      const mock = yield* startMock([MockTurn.raw(failed), MockTurn.message("ok")])
      const events = yield* collect(provider(mock.url))
      assert.lengthOf(retries(events), 1)
      assert.match(retries(events)[0]!, /^stream error: the model is overloaded; retrying 1\/2 in 0\.\ds…$/)
      assert.strictEqual(tags(events).at(-1), "Completed")
    }))

  it.live("retries a stream that ends before response.completed", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.raw(sse({ type: "response.created", response: { id: "r" } })), MockTurn.message("ok")])
      const events = yield* collect(provider(mock.url))
      assert.match(retries(events)[0]!, /stream closed before response\.completed/)
      assert.strictEqual(tags(events).at(-1), "Completed")
    }))
})

describe("ModelClient: Chat Completions", () => {
  it.effect("accumulates tool_calls by index and stops at finish_reason (before the literal `data: DONE`)", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.shell(["ls", "-la"], { callId: "c1", timeoutMs: 5000 })])
      const events = yield* collect(provider(mock.url, { wireApi: "chat" }))
      assert.deepStrictEqual(tags(events), ["OutputItemDone", "Completed"])
      assert.deepStrictEqual(items(events), [{
        type: "function_call",
        name: "shell",
        arguments: JSON.stringify({ command: ["ls", "-la"], timeout: 5000 }),
        call_id: "c1"
      }])
      const request = mock.requests[0]!
      assert.strictEqual(request.path, "/v1/chat/completions")
      assert.deepStrictEqual(request.body.messages, [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }])
      assert.deepStrictEqual(request.body.tools, [{
        type: "function",
        function: { name: "shell", description: "run", strict: false, parameters: { type: "object", properties: {} } }
      }])
      assert.isUndefined(request.headers["openai-beta"])
    }))

  it.effect("streams content and reasoning deltas, then the reasoning and the message", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.message("answer", "pondering"), MockTurn.deltas(["a", "b", "c"])])
      const info = provider(mock.url, { wireApi: "chat" })
      const first = yield* collect(info)
      assert.deepStrictEqual(tags(first), ["ReasoningContentDelta", "OutputTextDelta", "OutputItemDone", "OutputItemDone", "Completed"])
      assert.deepStrictEqual(items(first), [
        { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "pondering" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "answer" }] }
      ])
      const second = yield* collect(info)
      assert.deepStrictEqual(
        second.flatMap((event) => (event._tag === "OutputTextDelta" ? [event.delta] : [])),
        ["a", "b", "c"]
      )
      assert.deepStrictEqual(items(second), [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "abc" }] }])
    }))

  it.live("retries a stream cut mid-event", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.cut(), MockTurn.message("whole")])
      const events = yield* collect(provider(mock.url, { wireApi: "chat" }))
      assert.lengthOf(retries(events), 1)
      assert.match(retries(events)[0]!, /stream (disconnected before completion|closed before finish_reason)/)
      assert.deepStrictEqual(items(events), [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "whole" }] }])
    }))
})

describe("ModelClient: retries", () => {
  it.live("retries a 500 and succeeds, announcing exactly one retry", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.status(500), MockTurn.message("ok")])
      const events = yield* collect(provider(mock.url))
      assert.lengthOf(retries(events), 1)
      assert.match(retries(events)[0]!, /^stream error: unexpected status 500 from the model provider: mock status 500; retrying 1\/2/)
      assert.strictEqual(tags(events).at(-1), "Completed")
      assert.lengthOf(mock.requests, 2)
    }))

  it.effect("waits exactly as long as Retry-After says, in seconds or as an HTTP date", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([
        MockTurn.status(429, "2"),
        MockTurn.status(503, new Date(3000).toUTCString()),
        MockTurn.message("patient")
      ])
      const { next, fiber } = yield* background(provider(mock.url))
      const first = yield* next
      assert.deepStrictEqual(first, {
        _tag: "Retrying",
        message: "stream error: unexpected status 429 from the model provider: mock status 429; retrying 1/2 in 2.0s…"
      })
      yield* TestClock.adjust("1999 millis")
      assert.lengthOf(mock.requests, 1, "no second request before Retry-After has passed")
      yield* TestClock.adjust("1 millis")
      yield* waitForRequests(mock, 2)
      // The clock now reads 2 s; the date says 3 s.
      const second = yield* next
      assert.match(second._tag === "Retrying" ? second.message : "", /503.*retrying 2\/2 in 1\.0s…$/)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.lengthOf(mock.requests, 3)
    }))

  it.effect("does not retry a 400 and says what the provider said", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.status(400), MockTurn.message("never")])
      const error = yield* collect(provider(mock.url)).pipe(Effect.flip)
      assert.strictEqual(error.message, "unexpected status 400 from the model provider: mock status 400")
      assert.strictEqual(error.status, 400)
      assert.lengthOf(mock.requests, 1)
    }))

  it.effect("treats a usage-limit 429 as final", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ error: { type: "usage_limit_reached", message: "come back tomorrow" } })
      const mock = yield* startMock([MockTurn.status(429, undefined, body), MockTurn.message("never")])
      const error = yield* collect(provider(mock.url)).pipe(Effect.flip)
      assert.strictEqual(error.message, "You've hit your usage limit: come back tomorrow")
      assert.lengthOf(mock.requests, 1)
    }))

  it.live("gives up after request_max_retries with a clear error", () =>
    Effect.gen(function*() {
      const mock = yield* startMock(MockTurn.times(3, MockTurn.status(503)))
      const error = yield* collect(provider(mock.url)).pipe(Effect.flip)
      assert.strictEqual(error.message, "unexpected status 503 from the model provider: mock status 503 (gave up after 2 retries)")
      assert.strictEqual(error.retry, "none")
      assert.lengthOf(mock.requests, 3)
    }))

  it.live("retries connection errors from the request budget", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([])
      const url = mock.url
      yield* Effect.promise(() => mock.close())
      const error = yield* collect(provider(url, { requestMaxRetries: 1 })).pipe(Effect.flip)
      assert.match(error.message, /^connection error: .* \(gave up after 1 retries\)$/)
    }))

  it.effect("times out a stream idle between events, closes it, and retries", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.stall(["par"]), MockTurn.message("awake")])
      const { next, fiber } = yield* background(provider(mock.url, { streamIdleTimeoutMs: 60_000 }))
      assert.strictEqual((yield* next)._tag, "Created")
      assert.deepStrictEqual(yield* next, { _tag: "OutputTextDelta", delta: "par" })
      yield* TestClock.adjust("60 seconds")
      const retry = yield* next
      assert.match(retry._tag === "Retrying" ? retry.message : "", /idle timeout waiting for SSE.*retrying 1\/2/)
      yield* Effect.promise(() => mock.waitForDisconnect(0))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.lengthOf(mock.requests, 2)
    }))

  it.effect("times out a request that never gets response headers", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.silent()])
      const { fiber } = yield* background(provider(mock.url, { streamIdleTimeoutMs: 60_000, streamMaxRetries: 0 }))
      yield* waitForRequests(mock, 1)
      yield* TestClock.adjust("60 seconds")
      const error = yield* Fiber.join(fiber).pipe(Effect.flip)
      assert.strictEqual(error.message, "idle timeout waiting for the model to answer (60000 ms)")
      yield* Effect.promise(() => mock.waitForDisconnect(0))
    }))
})

describe("ModelClient: provider settings and credentials", () => {
  it.effect("sends query params, static and environment headers, and the env_key token", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.message("ok")])
      process.env.CODEX_EFFECT_TEST_HEADER = "from-env"
      process.env.CODEX_EFFECT_TEST_KEY = "sk-from-env"
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          delete process.env.CODEX_EFFECT_TEST_HEADER
          delete process.env.CODEX_EFFECT_TEST_KEY
        })
      )
      yield* collect(provider(mock.url, {
        envKey: "CODEX_EFFECT_TEST_KEY",
        queryParams: { "api-version": "2025-01-01" },
        httpHeaders: { "x-static": "yes" },
        envHttpHeaders: { "x-dynamic": "CODEX_EFFECT_TEST_HEADER", "x-absent": "CODEX_EFFECT_NO_SUCH_VAR" }
      }))
      const request = mock.requests[0]!
      assert.deepStrictEqual(request.query, { "api-version": "2025-01-01" })
      assert.strictEqual(request.headers["x-static"], "yes")
      assert.strictEqual(request.headers["x-dynamic"], "from-env")
      assert.isUndefined(request.headers["x-absent"])
      assert.strictEqual(request.headers.authorization, "Bearer sk-from-env")
    }))

  it.effect("names a missing env_key variable and its instructions, sending nothing", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.message("never")])
      const error = yield* collect(provider(mock.url, {
        envKey: "CODEX_EFFECT_NO_SUCH_KEY",
        envKeyInstructions: "Get one at example.com."
      })).pipe(Effect.flip)
      assert.strictEqual(error.message, "Missing environment variable: `CODEX_EFFECT_NO_SUCH_KEY`. Get one at example.com.")
      assert.lengthOf(mock.requests, 0)
    }))

  it.effect("fails clearly when a provider needs OpenAI credentials and there are none", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.message("never")])
      const error = yield* collect(provider(mock.url, { requiresOpenaiAuth: true })).pipe(Effect.flip)
      assert.match(error.message, /^No API key for the model provider "mock": set OPENAI_API_KEY, or run `codex-effect login`/)
      assert.lengthOf(mock.requests, 0)
    }))

  it.effect("sends the signed-in token and account, and after a 401 asks for a fresh one and retries once", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.status(401), MockTurn.message("after refresh")])
      const refused: Array<string> = []
      let token = "access-old"
      const auth = Layer.succeed(ModelAuth, ModelAuth.of({
        credentials: Effect.sync(() => Option.some({ token, accountId: "acct-1", mode: "chatgpt" as const })),
        onUnauthorized: (old) =>
          Effect.sync(() => {
            refused.push(old)
            token = "access-new"
          })
      }))
      const events = yield* collect(provider(mock.url, { requiresOpenaiAuth: true }), auth)
      assert.deepStrictEqual(retries(events), [], "the re-authenticated retry is silent")
      assert.deepStrictEqual(refused, ["access-old"])
      assert.deepStrictEqual(mock.requests.map((r) => r.headers.authorization), ["Bearer access-old", "Bearer access-new"])
      assert.deepStrictEqual(mock.requests.map((r) => r.headers["chatgpt-account-id"]), ["acct-1", "acct-1"])
    }))

  it.effect("never sends the signed-in credentials to a provider that does not require OpenAI auth", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.message("hi")])
      const auth = Layer.succeed(ModelAuth, ModelAuth.of({
        credentials: Effect.succeed(Option.some({ token: "sk-signed-in", mode: "apikey" as const })),
        onUnauthorized: () => Effect.void
      }))
      yield* collect(provider(mock.url), auth)
      assert.isUndefined(mock.requests[0]!.headers.authorization)
    }))

  it.effect("does not retry a 401 on an env_key token: there is nothing to refresh", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.status(401), MockTurn.message("never")])
      process.env.CODEX_EFFECT_TEST_REFUSED_KEY = "sk-refused"
      yield* Effect.addFinalizer(() => Effect.sync(() => void delete process.env.CODEX_EFFECT_TEST_REFUSED_KEY))
      const error = yield* collect(provider(mock.url, { envKey: "CODEX_EFFECT_TEST_REFUSED_KEY" })).pipe(Effect.flip)
      assert.strictEqual(error.status, 401)
      assert.lengthOf(mock.requests, 1)
    }))
})

describe("ModelClient: the no-credential warning", () => {
  it.effect("is said once per provider by each client, not once per process", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.message("a"), MockTurn.message("b"), MockTurn.message("c")])
      const warnings: Array<string> = []
      const captured = Logger.layer([Logger.make((options) => {
        const text = String(options.message)
        if (text.includes("has no credential")) warnings.push(text)
      })])
      const info = provider(mock.url, { id: "mock-without-key" })
      // One client (one embedding program) streaming twice, then a second client in the same process.
      yield* Effect.gen(function*() {
        const client = yield* ModelClient
        yield* Stream.runDrain(client.stream(prompt, info))
        yield* Stream.runDrain(client.stream(prompt, info))
      }).pipe(Effect.provide(ModelClient.layer.pipe(Layer.provide(signedOut))), Effect.provide(captured))
      yield* collect(info).pipe(Effect.provide(captured))
      assert.strictEqual(warnings.length, 2)
    }))
})

describe("ModelClient: interruption", () => {
  it.effect("closes the HTTP stream when the consumer is interrupted mid-stream", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.stall(["partial"])])
      const { next, fiber } = yield* background(provider(mock.url))
      assert.strictEqual((yield* next)._tag, "Created")
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => mock.waitForDisconnect(0))
    }))

  it.effect("aborts a request still waiting for its response headers", () =>
    Effect.gen(function*() {
      const mock = yield* startMock([MockTurn.silent()])
      const { fiber } = yield* background(provider(mock.url, { wireApi: "chat" }))
      yield* waitForRequests(mock, 1)
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => mock.waitForDisconnect(0))
    }))
})
