/**
 * What went wrong talking to the provider, as a `ModelError` the retry policy can read: an HTTP status
 * (429 and 5xx retry from the request budget, a usage limit and other 4xx never), a connection error
 * named by its system code and address, or a stream that broke.
 */
import type OpenAI from "openai"
import { ModelError, streamBroken } from "./ModelError.js"
import { parseRetryAfter } from "./RetryPolicy.js"

/** Usage-limit 429s that waiting does not fix. */
const USAGE_LIMIT_TYPES = new Set(["usage_limit_reached", "usage_not_included"])

/** `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_CONNECT_TIMEOUT`…: the first system error code in the cause chain. */
const systemErrorCode = (error: unknown, depth = 0): string | undefined => {
  if (!(error instanceof Error) || depth > 5) return undefined
  const code = (error as NodeJS.ErrnoException).code
  if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code
  const nested = error instanceof AggregateError ? error.errors : []
  for (const inner of [error.cause, ...nested]) {
    const found = systemErrorCode(inner, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/** An error before the stream started, as a ModelError with its retry budget; `baseUrl` is where it was sent. */
export const requestError = (SDK: typeof OpenAI, error: unknown, nowMs: number, baseUrl: string): ModelError => {
  if (error instanceof ModelError) return error
  if (error instanceof SDK.APIError && typeof error.status === "number") {
    const status = error.status
    const detail = error.message.replace(/^\d+\s*/, "")
    const usageLimit = status === 429 && typeof error.type === "string" && USAGE_LIMIT_TYPES.has(error.type)
    const retryAfterMs = parseRetryAfter(error.headers?.get("retry-after"), nowMs)
    return new ModelError({
      message: usageLimit
        ? `You've hit your usage limit: ${detail}`
        : `unexpected status ${status} from the model provider: ${detail}`,
      retry: !usageLimit && (status === 429 || status >= 500) ? "request" : "none",
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {})
    })
  }
  // The SDK's own message ("Connection error.") names neither the address nor the reason.
  const code = systemErrorCode(error)
  const reason = code === undefined ? messageOf(error) : `${code}: ${messageOf(error)}`
  return new ModelError({ message: `connection error: cannot reach the model provider at ${baseUrl} (${reason})`, retry: "request" })
}

/** An error while reading the stream: always a broken stream. */
export const streamError = (error: unknown): ModelError =>
  error instanceof ModelError ? error : streamBroken(`stream disconnected before completion: ${messageOf(error)}`)

const messageOf = (error: unknown) => {
  if (!(error instanceof Error)) return String(error)
  // Node's fetch says "fetch failed" / "terminated" and puts the reason in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return `${error.message}${cause}`
}
