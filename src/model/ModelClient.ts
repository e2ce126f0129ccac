/**
 * The model: one `stream(prompt, provider)` call per model turn, over the official `openai` SDK,
 * for both wire APIs and any OpenAI-compatible base URL. Retries are ours (the SDK's are off) so each
 * is announced in-stream (`Retrying` → a `stream_error` event) and timed by Effect's Clock:
 * HTTP 429/5xx and connection errors spend `request_max_retries`; a stream that breaks, stalls past
 * `stream_idle_timeout_ms` or ends early spends `stream_max_retries`. Other 4xx fail at once. Every
 * wait is capped (`retry_max_delay_ms`), and the whole response, over all attempts, gets at most
 * `response_deadline_ms` of provider time (`ResponseDeadline`).
 * Ending the stream early (interruption, or a consumer that stops) aborts the HTTP request.
 */
import { Clock, Context, Duration, Effect, Layer, Option, Random, Stream } from "effect"
import type OpenAI from "openai"
import type { Stream as SdkStream } from "openai/core/streaming"
import { ProcessEnvironment } from "../services/ProcessEnvironment.js"
import type { ModelProviderInfo } from "./ModelProviderInfo.js"
import { type ChatChunk, chatRequestBody, makeChatAccumulator } from "./ChatWire.js"
import { type IdleReason, watchIdle } from "./IdleWatchdog.js"
import { ModelAuth, type ModelCredentials } from "./ModelAuth.js"
import { fatal, ModelError, streamBroken } from "./ModelError.js"
import { MAX_OUTPUT_ITEMS_PER_RESPONSE, overLimit } from "./ModelOutputLimits.js"
import type { Prompt } from "./Prompt.js"
import { type Env, envKeyCredentials, noCredentials, requestTarget } from "./ProviderRequest.js"
import { requestError, streamError } from "./ProviderErrors.js"
import { ResponseEvent } from "./ResponseEvent.js"
import { jsonBodyParts } from "./RequestBodyParts.js"
import { mapResponsesEvent, responsesRequestBody, type ResponsesWireEvent, wireItem } from "./ResponsesWire.js"
import { ResponseDeadline } from "./ResponseDeadline.js"
import { fetchWithEventCap } from "./SseEventCap.js"
import { decideRetry, noRetriesSpent, type RetriesSpent } from "./RetryPolicy.js"

/**
 * The SDK is loaded on the first model request, not at startup: it is a third of the server's code,
 * and a server that is only asked `initialize` (or serves a scripted model) never needs it.
 */
const loadSdk = Effect.promise(() => import("openai"))

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/** The providers a client already warned about, so a local model without a key is said once, not per request. */
type WarnedProviders = Set<string>
const MAX_WARNED_PROVIDERS = 100

/**
 * A request is about to go out with no credential: a local model wants none, but a hosted provider
 * that forgot its `env_key` would answer 401, and `login --api-key` does not help it. Said once per provider.
 */
const warnNoCredential = (provider: ModelProviderInfo, env: Env, warned: WarnedProviders) =>
  Effect.suspend(() => {
    const headerNames = [...Object.keys(provider.httpHeaders), ...Object.keys(provider.envHttpHeaders).filter((h) => env[provider.envHttpHeaders[h]!])]
    if (headerNames.some((name) => name.toLowerCase() === "authorization") || warned.has(provider.id)) return Effect.void
    if (warned.size < MAX_WARNED_PROVIDERS) warned.add(provider.id)
    return Effect.logWarning(
      `model provider \`${provider.id}\` has no credential: requests to ${provider.baseUrl ?? "its default address"} go out without an Authorization header ` +
        "(set `env_key` in its [model_providers] entry if it needs a key; the stored login is only for providers that need OpenAI auth)"
    )
  })

/**
 * The env_key token, else the signed-in credentials; a provider needing OpenAI auth must have some.
 * The signed-in credentials (an OpenAI key or a ChatGPT token) go only to providers that need OpenAI
 * auth (`requires_openai_auth`, as the built-in `openai` does): a third-party provider without an
 * `env_key` gets no Authorization header, so a config pointing at some other host cannot collect them.
 */
const credentialsFor = (provider: ModelProviderInfo, auth: ModelAuth["Service"], env: Env, warned: WarnedProviders) =>
  Effect.gen(function*() {
    const fromEnv = envKeyCredentials(provider, env)
    if (fromEnv instanceof ModelError) return yield* fromEnv
    if (fromEnv !== undefined) return { credentials: Option.some(fromEnv), fromAuth: false }
    if (!provider.requiresOpenaiAuth) {
      yield* warnNoCredential(provider, env, warned)
      return { credentials: Option.none<ModelCredentials>(), fromAuth: false }
    }
    const found: Option.Option<ModelCredentials> = yield* auth.credentials
    if (Option.isNone(found) && provider.requiresOpenaiAuth) return yield* noCredentials(provider)
    return { credentials: found, fromAuth: true }
  })

/** An answered request: its HTTP status and the parsed SSE events. */
interface OpenedStream {
  readonly status: number
  readonly events: AsyncIterable<unknown>
}

/** Sends the request; resolves once the provider answered 2xx. */
const openEvents = async (
  client: OpenAI,
  provider: ModelProviderInfo,
  prompt: Prompt,
  signal: AbortSignal
): Promise<OpenedStream> => {
  // The bodies are the APIs' wire shapes; the SDK's input types demand more (item ids, statuses) than the APIs do.
  // The Responses body is streamed from the history's encoded JSON, kept between requests (see
  // `RequestBodyParts`): a long conversation then costs no copy of the history per request. The SDK still parses the SSE.
  const { data, response } = provider.wireApi === "responses"
    ? await client.post<SdkStream<unknown>>("/responses", {
      body: ReadableStream.from(jsonBodyParts(responsesRequestBody(prompt), "input", prompt.input, wireItem)),
      headers: { "content-type": "application/json" },
      stream: true,
      signal
    }).withResponse()
    : await client.chat.completions.create(
      chatRequestBody(prompt) as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming,
      { signal }
    ).withResponse()
  return { status: response.status, events: data }
}

type Completed = Extract<ResponseEvent, { _tag: "Completed" }>

const isCompleted = (event: ResponseEvent): event is Completed => event._tag === "Completed"

/** Turns raw SSE payloads into ResponseEvents; `completed` once the turn's end was seen, with its token usage. */
const makeDecoder = (provider: ModelProviderInfo) => {
  const chat = makeChatAccumulator()
  let completed: Completed | undefined
  let outputItems = 0
  const decode = (raw: unknown): Effect.Effect<ReadonlyArray<ResponseEvent>, ModelError> => {
    if (!isRecord(raw)) return Effect.succeed([])
    if (provider.wireApi === "chat") {
      const events = chat.push(raw as ChatChunk)
      if (events instanceof ModelError) return Effect.fail(events)
      if (chat.done && completed === undefined) {
        completed = events.find(isCompleted)
      }
      return Effect.succeed(events)
    }
    const mapped = mapResponsesEvent(raw as unknown as ResponsesWireEvent)
    if (mapped instanceof ModelError) return Effect.fail(mapped)
    if (mapped?._tag === "OutputItemDone" && ++outputItems > MAX_OUTPUT_ITEMS_PER_RESPONSE) {
      return Effect.fail(fatal(overLimit("the model's response", outputItems, MAX_OUTPUT_ITEMS_PER_RESPONSE, "output items or more")))
    }
    if (mapped?._tag === "Completed") completed = mapped
    return Effect.succeed(mapped === undefined ? [] : [mapped])
  }
  return { decode, completed: () => completed }
}

/** The fields every model-request log line has. */
const requestAnnotations = (prompt: Prompt, provider: ModelProviderInfo) => ({ provider: provider.id, model: prompt.model })

/** One line per completed request: who answered, how fast, how many tokens. */
const logCompleted = (
  prompt: Prompt,
  provider: ModelProviderInfo,
  status: number,
  startedMs: number,
  completed: Completed
) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.logInfo("model request completed").pipe(Effect.annotateLogs({
      ...requestAnnotations(prompt, provider),
      status,
      duration_ms: now - startedMs,
      input_tokens: completed.tokenUsage?.input_tokens ?? "unknown",
      output_tokens: completed.tokenUsage?.output_tokens ?? "unknown"
    })))

/**
 * Sends the request and resolves once the provider answered 2xx, with the raw SSE events. A 401 on
 * signed-in credentials asks ModelAuth for a fresh token and tries once more, silently.
 */
const connect = (
  prompt: Prompt,
  provider: ModelProviderInfo,
  auth: ModelAuth["Service"],
  env: Env,
  warned: WarnedProviders,
  abort: AbortSignal,
  deadline: ResponseDeadline,
  reauthenticated = false
): Effect.Effect<OpenedStream, ModelError> =>
  Effect.gen(function*() {
    const { credentials, fromAuth } = yield* credentialsFor(provider, auth, env, warned)
    const { default: SDK } = yield* loadSdk
    const target = requestTarget(provider, credentials, env, prompt.promptCacheKey)
    const client = new SDK({
      ...target,
      // Nothing from the SDK's own environment lookups (OPENAI_ORG_ID, …) may reach a provider.
      organization: null,
      project: null,
      adminAPIKey: null,
      maxRetries: 0,
      // The SDK buffers each event whole: a flood is cut while it streams, before that buffer grows.
      fetch: fetchWithEventCap()
    })
    const idleMs = provider.streamIdleTimeoutMs
    const started = yield* Clock.currentTimeMillis
    const limitedByDeadline = deadline.remainingMs < idleMs
    return yield* Effect.tryPromise({
      try: (signal) => openEvents(client, provider, prompt, AbortSignal.any([abort, signal])),
      catch: (error) => error
    }).pipe(
      Effect.catch((error) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.fail(requestError(SDK, error, now, target.baseURL)))
      ),
      Effect.timeoutOrElse({
        duration: Duration.millis(Math.min(idleMs, deadline.remainingMs)),
        orElse: () =>
          Effect.fail(
            limitedByDeadline ? deadline.exceeded() : streamBroken(`idle timeout waiting for the model to answer (${idleMs} ms)`)
          )
      }),
      Effect.ensuring(Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => deadline.charge(now - started)))),
      Effect.catch((error) =>
        error.status === 401 && fromAuth && Option.isSome(credentials) && !reauthenticated
          ? auth.onUnauthorized(credentials.value.token).pipe(
            Effect.andThen(connect(prompt, provider, auth, env, warned, abort, deadline, true))
          )
          : Effect.fail(error)
      )
    )
  })

/** One request and its stream, ending at the turn's completion; fails if the stream ends before it. */
const attempt = (
  prompt: Prompt,
  provider: ModelProviderInfo,
  auth: ModelAuth["Service"],
  env: Env,
  warned: WarnedProviders,
  deadline: ResponseDeadline
) =>
  Stream.unwrap(Effect.gen(function*() {
    if (deadline.remainingMs === 0) return yield* deadline.exceeded()
    // Our own controller, not the fiber's signal: the idle watchdog below aborts the request through it too.
    const controller = new AbortController()
    // The stream's scope: closing it for any reason (done, failed, interrupted) closes the HTTP request.
    yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    const startedMs = yield* Clock.currentTimeMillis
    const { status, events } = yield* connect(prompt, provider, auth, env, warned, controller.signal, deadline)
    const idleMs = provider.streamIdleTimeoutMs
    const decoder = makeDecoder(provider)
    const watched = yield* watchIdle(events, idleMs, deadline)
    let idled: IdleReason | undefined
    // On idle, abort the request: the pending read then fails, and that failure is reported as the timeout.
    yield* watched.idle.pipe(
      Effect.flatMap((reason) => Effect.sync(() => {
        idled = reason
        controller.abort()
      })),
      Effect.forkScoped
    )
    const idleError = () =>
      idled === "deadline" ? deadline.exceeded() : streamBroken(`idle timeout waiting for SSE (nothing for ${idleMs} ms)`)
    return Stream.fromAsyncIterable(watched.events, (error) => (idled !== undefined ? idleError() : streamError(error))).pipe(
      Stream.mapEffect(decoder.decode),
      Stream.flattenIterable,
      Stream.takeUntil((event) => event._tag === "Completed"),
      Stream.concat(Stream.suspend(() => {
        const completed = decoder.completed()
        return completed !== undefined
          ? Stream.fromEffect(logCompleted(prompt, provider, status, startedMs, completed)).pipe(Stream.drain)
          : idled !== undefined
          ? Stream.fail(idleError())
          : Stream.fail(streamBroken(
            provider.wireApi === "chat" ? "stream closed before finish_reason" : "stream closed before response.completed"
          ))
      }))
    )
  }))

/** A failed request's log line: its status (when the provider answered) and why. */
const logFailed = (message: string, error: ModelError, annotations: Record<string, unknown>) =>
  Effect.logWarning(message).pipe(Effect.annotateLogs({ ...annotations, status: error.status ?? "none", reason: error.message }))

/** Runs attempts until one completes or the budgets say stop; each retry is announced (and logged) first. */
const withRetries = (
  run: (deadline: ResponseDeadline) => Stream.Stream<ResponseEvent, ModelError>,
  provider: ModelProviderInfo,
  annotations: Record<string, unknown>
): Stream.Stream<ResponseEvent, ModelError> => {
  const deadline = new ResponseDeadline(provider.responseDeadlineMs)
  const giveUp = (error: ModelError) => Stream.fromEffect(logFailed("model request failed", error, annotations)).pipe(
    Stream.drain,
    Stream.concat(Stream.fail(error))
  )
  const loop = (spent: RetriesSpent): Stream.Stream<ResponseEvent, ModelError> =>
    run(deadline).pipe(Stream.catchTag("ModelError", (error) =>
      Stream.unwrap(Effect.map(Random.nextBetween(0.9, 1.1), (jitter) => {
        const decision = decideRetry(error, spent, provider, jitter)
        if (decision._tag === "GiveUp") return giveUp(decision.error)
        // A wait the deadline cannot afford ends the turn now instead of after the wait.
        if (decision.delayMs >= deadline.remainingMs) return giveUp(deadline.exceeded())
        deadline.charge(decision.delayMs)
        const retrying = { ...annotations, retry: decision.spent.request + decision.spent.stream, delay_ms: decision.delayMs }
        return Stream.fromEffect(logFailed("model request failed; retrying", error, retrying)).pipe(
          Stream.drain,
          Stream.concat(Stream.make(ResponseEvent.Retrying({ message: decision.message }))),
          Stream.concat(Stream.fromEffect(Effect.sleep(Duration.millis(decision.delayMs))).pipe(Stream.drain)),
          Stream.concat(Stream.suspend(() => loop(decision.spent)))
        )
      }))
    ))
  return loop(noRetriesSpent)
}

export class ModelClient extends Context.Service<ModelClient, {
  /**
   * Streams one model turn for `prompt` from `provider` (each conversation may have its own),
   * retrying as the provider's budgets allow. Ends right after `Completed`, or fails.
   */
  readonly stream: (prompt: Prompt, provider: ModelProviderInfo) => Stream.Stream<ResponseEvent, ModelError>
}>()("codex-effect/ModelClient") {
  /** The real client: the `openai` SDK against the provider's base URL. Needs `ModelAuth`. */
  static readonly layer: Layer.Layer<ModelClient, never, ModelAuth> = Layer.effect(
    ModelClient,
    Effect.gen(function*() {
      const auth = yield* ModelAuth
      const env = yield* ProcessEnvironment
      // Per client, not per process: a second program embedding the agent is warned too.
      const warned: WarnedProviders = new Set()
      return ModelClient.of({
        stream: (prompt, provider) =>
          withRetries(
            (deadline) => attempt(prompt, provider, auth, env, warned, deadline),
            provider,
            requestAnnotations(prompt, provider)
          )
      })
    })
  )
}
