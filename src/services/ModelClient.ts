/**
 * The model: one `stream(prompt, provider)` call per model turn, over the official `openai` SDK,
 * for both wire APIs and any OpenAI-compatible base URL. Retries are ours (the SDK's are off) so each
 * is announced in-stream (`Retrying` → a `stream_error` event) and driven by Effect's Clock:
 * HTTP 429/5xx and connection errors spend `request_max_retries`; a stream that breaks, stalls past
 * `stream_idle_timeout_ms` or ends early spends `stream_max_retries`. Other 4xx fail at once.
 */
import { Context, Duration, Effect, Layer, Option, Stream } from "effect"
import OpenAI from "openai"
import type { ModelProviderInfo } from "../config/ModelProviderInfo.js"
import { chatRequestBody, type ChatChunk, makeChatAccumulator } from "../model/ChatWire.js"
import { ModelAuth, type ModelCredentials } from "../model/ModelAuth.js"
import { fatal, ModelError, streamBroken } from "../model/ModelError.js"
import type { Prompt } from "../model/Prompt.js"
import { ResponseEvent } from "../model/ResponseEvent.js"
import { mapResponsesEvent, responsesRequestBody, type ResponsesWireEvent } from "../model/ResponsesWire.js"
import { scriptedModelLayer, type ScriptedTurn } from "../model/ScriptedModel.js"

const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
const CHATGPT_BASE_URL = "https://chatgpt.com/backend-api/codex"

/** 200 ms × 2^(n-1) × a jitter of ±10% (agent core §3.6). */
export const backoffMs = (attempt: number, jitter = 0.9 + Math.random() * 0.2) =>
  Math.round(200 * 2 ** (attempt - 1) * jitter)

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export const parseRetryAfter = (value: string | null | undefined, now = Date.now()): number | undefined => {
  if (value === null || value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** An error from the SDK, before or during the stream, as a ModelError with its retry budget. */
const classify = (error: unknown, phase: "request" | "stream"): ModelError => {
  if (error instanceof ModelError) return error
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    const status = error.status
    const retryAfterMs = parseRetryAfter(error.headers?.get("retry-after"))
    const detail = error.message.replace(/^\d+\s*/, "")
    const retry = status === 429 || status >= 500 ? "request" : "none"
    return new ModelError({
      message: `unexpected status ${status} from the model provider: ${detail}`,
      retry,
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {})
    })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new ModelError({ message: `${phase === "request" ? "connection error" : "stream error"}: ${message}`, retry: phase })
}

const credentialsFor = (provider: ModelProviderInfo, auth: ModelAuth["Service"]) =>
  Effect.gen(function*() {
    if (provider.envKey !== undefined) {
      const value = process.env[provider.envKey]
      if (value === undefined || value === "") {
        const hint = provider.envKeyInstructions !== undefined ? ` ${provider.envKeyInstructions}` : ""
        return yield* fatal(`Missing environment variable: \`${provider.envKey}\`.${hint}`)
      }
      return Option.some<ModelCredentials>({ token: value, mode: "apikey" })
    }
    const found = yield* auth.credentials
    if (Option.isNone(found) && provider.requiresOpenaiAuth) {
      return yield* fatal(
        "No credentials for the model provider: set OPENAI_API_KEY, or run `codex-effect login` (or `codex-effect login --api-key`)."
      )
    }
    return found
  })

const headersFor = (provider: ModelProviderInfo, credentials: Option.Option<ModelCredentials>) => {
  const headers: Record<string, string> = { ...provider.httpHeaders }
  for (const [header, variable] of Object.entries(provider.envHttpHeaders)) {
    const value = process.env[variable]
    if (value !== undefined && value !== "") headers[header] = value
  }
  if (Option.isSome(credentials) && credentials.value.accountId !== undefined) {
    headers["chatgpt-account-id"] = credentials.value.accountId
  }
  return headers
}

/** One request and its stream, ending at the turn's completion; fails if the stream ends before it. */
const attempt = (prompt: Prompt, provider: ModelProviderInfo, auth: ModelAuth["Service"]) =>
  Stream.unwrap(Effect.gen(function*() {
    const credentials = yield* credentialsFor(provider, auth)
    const controller = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    const client = new OpenAI({
      apiKey: Option.match(credentials, { onNone: () => "none", onSome: (found) => found.token }),
      baseURL: provider.baseUrl ??
        (Option.isSome(credentials) && credentials.value.mode === "chatgpt" ? CHATGPT_BASE_URL : DEFAULT_OPENAI_BASE_URL),
      defaultHeaders: headersFor(provider, credentials),
      defaultQuery: provider.queryParams,
      maxRetries: 0
    })
    const token = Option.getOrUndefined(credentials)?.token
    const events = yield* Effect.tryPromise({
      try: async () => {
        const options = { signal: controller.signal }
        const stream: AsyncIterable<unknown> = provider.wireApi === "responses"
          ? await client.responses.create(responsesRequestBody(prompt) as never, options) as unknown as AsyncIterable<unknown>
          : await client.chat.completions.create(chatRequestBody(prompt) as never, options) as unknown as AsyncIterable<unknown>
        return stream
      },
      catch: (error) => classify(error, "request")
    }).pipe(
      Effect.tapError((error) => error.status === 401 && token !== undefined ? auth.onUnauthorized(token) : Effect.void)
    )
    const chat = makeChatAccumulator()
    let completed = false
    return Stream.fromAsyncIterable(events, (error) => classify(error, "stream")).pipe(
      Stream.timeoutOrElse({
        duration: Duration.millis(provider.streamIdleTimeoutMs),
        orElse: () => Stream.fail(streamBroken(`idle timeout waiting for the model (${provider.streamIdleTimeoutMs} ms)`))
      }),
      Stream.mapEffect((raw): Effect.Effect<ReadonlyArray<ResponseEvent>, ModelError> => {
        if (provider.wireApi === "chat") return Effect.succeed(chat.push(raw as ChatChunk))
        const mapped = mapResponsesEvent(raw as ResponsesWireEvent)
        if (mapped instanceof ModelError) return Effect.fail(mapped)
        return Effect.succeed(mapped === undefined ? [] : [mapped])
      }),
      Stream.flattenIterable,
      Stream.takeUntil((event) => event._tag === "Completed"),
      Stream.tap((event) => Effect.sync(() => void (completed ||= event._tag === "Completed"))),
      Stream.concat(Stream.suspend(() =>
        completed ? Stream.empty : Stream.fail(streamBroken("stream closed before the response completed"))
      ))
    )
  }))

const retrying = (
  run: () => Stream.Stream<ResponseEvent, ModelError>,
  provider: ModelProviderInfo,
  retried: { readonly request: number; readonly stream: number; readonly unauthorized: boolean }
): Stream.Stream<ResponseEvent, ModelError> =>
  run().pipe(Stream.catchTag("ModelError", (error) => {
    if (error.status === 401 && !retried.unauthorized) {
      return retrying(run, provider, { ...retried, unauthorized: true })
    }
    if (error.retry === "none") return Stream.fail(error)
    const budget = error.retry === "request" ? provider.requestMaxRetries : provider.streamMaxRetries
    const next = (error.retry === "request" ? retried.request : retried.stream) + 1
    if (next > budget) {
      return Stream.fail(new ModelError({ ...error, message: `${error.message} (gave up after ${budget} retries)`, retry: "none" }))
    }
    const delay = error.retryAfterMs ?? backoffMs(next)
    return Stream.make(ResponseEvent.Retrying({
      message: `stream error: ${error.message}; retrying ${next}/${budget} in ${(delay / 1000).toFixed(1)}s…`
    })).pipe(
      Stream.concat(Stream.fromEffect(Effect.sleep(Duration.millis(delay))).pipe(Stream.drain)),
      Stream.concat(Stream.suspend(() =>
        retrying(run, provider, { ...retried, [error.retry === "request" ? "request" : "stream"]: next })
      ))
    )
  }))

export class ModelClient extends Context.Service<ModelClient, {
  /** Streams one model turn for `prompt` from `provider`, retrying as the provider's budgets allow. */
  readonly stream: (prompt: Prompt, provider: ModelProviderInfo) => Stream.Stream<ResponseEvent, ModelError>
}>()("codex-effect/ModelClient") {
  /** The real client: the `openai` SDK against the provider's base URL. Needs `ModelAuth`. */
  static readonly layer = Layer.effect(ModelClient, Effect.gen(function*() {
    const auth = yield* ModelAuth
    return ModelClient.of({
      stream: (prompt, provider) =>
        retrying(() => attempt(prompt, provider, auth), provider, { request: 0, stream: 0, unauthorized: false })
    })
  }))

  /**
   * A model that plays back scripted turns, one per request, and records every prompt it receives:
   * the layer in-process tests and embedding programs swap in. See `ScriptedTurn` for builders.
   */
  static readonly layerScripted = (turns: ReadonlyArray<ScriptedTurn>) => scriptedModelLayer(ModelClient, turns)
}
