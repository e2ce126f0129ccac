/**
 * Why a model request failed. `retry` says which budget a retry spends: `request` for HTTP 429/5xx
 * and connection errors, `stream` for a stream that broke, stalled or ended early, `none` when
 * retrying cannot help (a 4xx, a missing key, an exhausted budget). How a provider's answer becomes
 * one is `ProviderErrors.ts`.
 */
import { Schema } from "effect"

export class ModelError extends Schema.TaggedError<ModelError>()("ModelError", {
  message: Schema.String,
  retry: Schema.Literals(["request", "stream", "none"]),
  /** The HTTP status, when the provider answered with one. */
  status: Schema.optionalKey(Schema.Int),
  /** The provider's `Retry-After`, in milliseconds. */
  retryAfterMs: Schema.optionalKey(Schema.Finite)
}) {}

/** An error no retry can fix. */
export const fatal = (message: string, status?: number) =>
  new ModelError({ message, retry: "none", ...(status !== undefined ? { status } : {}) })

/** A stream that broke, stalled or ended early: spends `stream_max_retries`. */
export const streamBroken = (message: string) => new ModelError({ message, retry: "stream" })

const OVERFLOW_TEXT = /context[_ ]length[_ ]exceeded|maximum context length|context window|context length|too many tokens|prompt is too long/i

/**
 * Whether a provider refused a request because its input does not fit the model's context window.
 * Providers say so in words, not in a status of its own (OpenAI: 400 `context_length_exceeded`,
 * "maximum context length is …", "exceeds the context window"; vLLM and Ollama write similar
 * texts), so the error's message is what is read.
 */
export const isContextOverflow = (error: ModelError): boolean =>
  (error.status === undefined || error.status === 400 || error.status === 413) && OVERFLOW_TEXT.test(error.message)
