/**
 * Model providers: the built-in `openai` and `oss` entries, the local
 * servers newer Codex CLI releases know by name (`ollama`, `lmstudio`), plus the user's
 * `[model_providers.<id>]` tables. A user entry with a built-in id does not replace it.
 */
import { Schema } from "effect"
import { VERSION } from "../version.js"

export interface ModelProviderInfo {
  readonly id: string
  readonly name: string
  /** Undefined: decided by the auth mode (API, or the ChatGPT backend). */
  readonly baseUrl: string | undefined
  /** The environment variable holding the bearer token; the AuthManager's token when absent. */
  readonly envKey: string | undefined
  readonly envKeyInstructions: string | undefined
  readonly wireApi: "responses" | "chat"
  readonly queryParams: Readonly<Record<string, string>>
  readonly httpHeaders: Readonly<Record<string, string>>
  /** Header name → environment variable; sent when the variable is set. */
  readonly envHttpHeaders: Readonly<Record<string, string>>
  readonly requestMaxRetries: number
  readonly streamMaxRetries: number
  readonly streamIdleTimeoutMs: number
  /** The longest wait before a retry, whatever `Retry-After` or the backoff says. */
  readonly retryMaxDelayMs: number
  /**
   * The provider time one model response may take: connecting, streaming and retry waits, over every
   * attempt (time spent running tools meanwhile does not count). Past it the turn ends with an error.
   */
  readonly responseDeadlineMs: number
  readonly requiresOpenaiAuth: boolean
}

const MAX_RETRIES = 100
const StringMap = Schema.Record(Schema.String, Schema.String)
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** The TOML form of `[model_providers.<id>]`. */
export const ModelProviderToml = Schema.Struct({
  name: Schema.optionalKey(Schema.String),
  base_url: Schema.optionalKey(Schema.String),
  env_key: Schema.optionalKey(Schema.String),
  env_key_instructions: Schema.optionalKey(Schema.String),
  wire_api: Schema.optionalKey(Schema.Literals(["responses", "chat"])),
  query_params: Schema.optionalKey(StringMap),
  http_headers: Schema.optionalKey(StringMap),
  env_http_headers: Schema.optionalKey(StringMap),
  request_max_retries: Schema.optionalKey(Count),
  stream_max_retries: Schema.optionalKey(Count),
  stream_idle_timeout_ms: Schema.optionalKey(Count),
  retry_max_delay_ms: Schema.optionalKey(Count),
  response_deadline_ms: Schema.optionalKey(Count),
  requires_openai_auth: Schema.optionalKey(Schema.Boolean)
})
export type ModelProviderToml = typeof ModelProviderToml.Type

/** A provider from its TOML table, with the reference defaults; retries are capped at 100. */
export const providerFromToml = (id: string, toml: ModelProviderToml): ModelProviderInfo => ({
  id,
  name: toml.name ?? id,
  baseUrl: toml.base_url,
  envKey: toml.env_key,
  envKeyInstructions: toml.env_key_instructions,
  wireApi: toml.wire_api ?? "chat",
  queryParams: toml.query_params ?? {},
  httpHeaders: toml.http_headers ?? {},
  envHttpHeaders: toml.env_http_headers ?? {},
  requestMaxRetries: Math.min(toml.request_max_retries ?? 4, MAX_RETRIES),
  streamMaxRetries: Math.min(toml.stream_max_retries ?? 5, MAX_RETRIES),
  streamIdleTimeoutMs: toml.stream_idle_timeout_ms ?? 300_000,
  retryMaxDelayMs: toml.retry_max_delay_ms ?? 60_000,
  responseDeadlineMs: toml.response_deadline_ms ?? 900_000,
  requiresOpenaiAuth: toml.requires_openai_auth ?? false
})

/**
 * The built-in providers; `openai_base_url` (else `OPENAI_BASE_URL` in `env`) is the OpenAI provider's address, and `env` supplies `CODEX_OSS_BASE_URL` / `CODEX_OSS_PORT`
 * for `oss` and `ollama` (the same local server). Local servers are reached over Chat Completions,
 * which both Ollama and LM Studio serve on their default ports.
 */
const builtInProviders = (
  env: Readonly<Record<string, string | undefined>>,
  openaiBaseUrl: string | undefined
): Record<string, ModelProviderInfo> => {
  const nonEmpty = (name: string) => (env[name] !== undefined && env[name] !== "" ? env[name] : undefined)
  const ossPort = nonEmpty("CODEX_OSS_PORT") ?? "11434"
  const ossBaseUrl = nonEmpty("CODEX_OSS_BASE_URL") ?? `http://localhost:${ossPort}/v1`
  return {
    openai: {
      ...providerFromToml("openai", {
        name: "OpenAI",
        wire_api: "responses",
        requires_openai_auth: true,
        http_headers: { version: VERSION },
        env_http_headers: { "OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT" }
      }),
      // Undefined lets the auth mode pick the API or the ChatGPT backend.
      baseUrl: openaiBaseUrl !== undefined && openaiBaseUrl !== "" ? openaiBaseUrl : nonEmpty("OPENAI_BASE_URL")
    },
    oss: providerFromToml("oss", { name: "gpt-oss", base_url: ossBaseUrl, wire_api: "chat" }),
    ollama: providerFromToml("ollama", { name: "Ollama", base_url: ossBaseUrl, wire_api: "chat" }),
    lmstudio: providerFromToml("lmstudio", { name: "LM Studio", base_url: "http://localhost:1234/v1", wire_api: "chat" })
  }
}

/**
 * Every provider by id: the user's `[model_providers]` entries, then the built-ins, which win
 * over a user entry with the same id (the reference merges with insert-if-absent).
 */
export const providerRegistry = (
  userProviders: Readonly<Record<string, ModelProviderToml>>,
  env: Readonly<Record<string, string | undefined>>,
  openaiBaseUrl?: string
): ReadonlyMap<string, ModelProviderInfo> => {
  const registry = new Map<string, ModelProviderInfo>()
  for (const [id, entry] of Object.entries(userProviders)) registry.set(id, providerFromToml(id, entry))
  for (const [id, provider] of Object.entries(builtInProviders(env, openaiBaseUrl))) registry.set(id, provider)
  return registry
}
