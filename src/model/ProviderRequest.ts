/**
 * Where a model request goes and what it carries: the bearer token (the
 * provider's `env_key`, else the signed-in credentials), the base URL, our identity (`originator`,
 * `User-Agent`), the provider's static and environment headers, and its query parameters. Pure: the environment is passed in.
 */
import { Option } from "effect"
import type { ModelProviderInfo } from "./ModelProviderInfo.js"
import { identityHeaders } from "./ClientIdentity.js"
import type { ModelCredentials } from "./ModelAuth.js"
import { fatal, type ModelError } from "./ModelError.js"

export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
export const CHATGPT_BASE_URL = "https://chatgpt.com/backend-api/codex"

export type Env = Readonly<Record<string, string | undefined>>

const nonEmpty = (value: string | undefined) => (value !== undefined && value !== "" ? value : undefined)

/**
 * The token named by the provider's `env_key`: `undefined` when it names none (the signed-in
 * credentials apply), an error naming the variable when it is unset or empty.
 */
export const envKeyCredentials = (provider: ModelProviderInfo, env: Env): ModelCredentials | ModelError | undefined => {
  if (provider.envKey === undefined) return undefined
  const token = nonEmpty(env[provider.envKey])
  if (token !== undefined) return { token, mode: "apikey" }
  const hint = provider.envKeyInstructions !== undefined ? ` ${provider.envKeyInstructions}` : ""
  return fatal(`Missing environment variable: \`${provider.envKey}\`.${hint}`)
}

/** A provider that needs OpenAI credentials, with none to be had. */
export const noCredentials = (provider: ModelProviderInfo) =>
  fatal(
    `No API key for the model provider "${provider.name}": set OPENAI_API_KEY, or run \`codex-effect login\` ` +
      "(or `codex-effect login --api-key <KEY>`)."
  )

/** What the `openai` SDK client is built with for one attempt. */
interface RequestTarget {
  readonly baseURL: string
  /** The SDK insists on a key; with no credentials the `Authorization` header is removed instead. */
  readonly apiKey: string
  /** `null` removes a header the SDK would send. */
  readonly defaultHeaders: Readonly<Record<string, string | null>>
  readonly defaultQuery: Readonly<Record<string, string>>
}

export const requestTarget = (
  provider: ModelProviderInfo,
  credentials: Option.Option<ModelCredentials>,
  env: Env,
  sessionId: string | undefined
): RequestTarget => {
  const found = Option.getOrUndefined(credentials)
  const headers: Record<string, string | null> = identityHeaders()
  if (provider.wireApi === "responses") {
    headers["OpenAI-Beta"] = "responses=experimental"
    if (sessionId !== undefined) headers["session_id"] = sessionId
  }
  if (found === undefined) headers["Authorization"] = null
  else if (found.accountId !== undefined) headers["chatgpt-account-id"] = found.accountId
  Object.assign(headers, provider.httpHeaders)
  for (const [header, variable] of Object.entries(provider.envHttpHeaders)) {
    const value = nonEmpty(env[variable])
    if (value !== undefined) headers[header] = value
  }
  return {
    baseURL: provider.baseUrl ?? (found?.mode === "chatgpt" ? CHATGPT_BASE_URL : DEFAULT_OPENAI_BASE_URL),
    apiKey: found?.token ?? "no-credentials",
    defaultHeaders: headers,
    defaultQuery: provider.queryParams
  }
}
