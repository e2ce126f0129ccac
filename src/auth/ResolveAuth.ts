/**
 * Which credentials to use, as pure functions: the choice between the
 * stored API key, the stored ChatGPT tokens and the environment's `OPENAI_API_KEY`; the bearer token
 * a chosen auth gives; and whether ChatGPT tokens are old enough to refresh before use.
 */
import { DateTime, Duration, Option, Redacted, type Result } from "effect"
import type { AuthMode } from "../rpc/Enums.js"
import type { AuthDotJson, TokenData } from "./AuthDotJson.js"
import type { AuthFileCorrupt } from "./AuthError.js"
import { idTokenClaims } from "./IdTokenClaims.js"

/** The resolved auth. Secrets are `Redacted` so that logging this value never shows them. */
export type CodexAuth =
  | { readonly _tag: "ApiKey"; readonly apiKey: Redacted.Redacted<string> }
  | {
    readonly _tag: "ChatGpt"
    /** Absent when auth.json names no API key and holds no tokens: ChatGPT mode, but no token to use. */
    readonly tokens: Redacted.Redacted<TokenData> | undefined
    readonly lastRefresh: DateTime.Utc | undefined
  }

/** What was read from auth.json: its contents, `None` when missing, or why it is unusable. */
export type StoredAuth = Result.Result<Option.Option<AuthDotJson>, AuthFileCorrupt>

/** Plans whose subscribers use ChatGPT tokens even when an API key is stored too. */
const CHATGPT_PLANS: ReadonlySet<string> = new Set(["free", "plus", "pro", "team"])

/** A ChatGPT access token older than this is refreshed before it is used. */
const REFRESH_AFTER = Duration.days(28)

export const authModeOf = (auth: CodexAuth): AuthMode => (auth._tag === "ApiKey" ? "apikey" : "chatgpt")

const apiKeyAuth = (key: string): CodexAuth => ({ _tag: "ApiKey", apiKey: Redacted.make(key) })

const chatGptAuth = (file: AuthDotJson): CodexAuth => ({
  _tag: "ChatGpt",
  tokens: file.tokens != null ? Redacted.make(file.tokens) : undefined,
  lastRefresh: file.last_refresh ?? undefined
})

/**
 * The auth to use, or `undefined` when not signed in. A corrupt auth.json resolves to nothing and
 * the environment is not consulted: the user fixes the file or logs in again.
 */
export const resolveAuth = (stored: StoredAuth, envApiKey: string | undefined, preferred: AuthMode): CodexAuth | undefined => {
  if (stored._tag === "Failure") return undefined
  if (Option.isNone(stored.success)) return envApiKey !== undefined && envApiKey !== "" ? apiKeyAuth(envApiKey) : undefined
  const file = stored.success.value
  const apiKey = file.OPENAI_API_KEY
  if (apiKey === null) return chatGptAuth(file)
  if (file.tokens == null || preferred === "apikey") return apiKeyAuth(apiKey)
  const claims = idTokenClaims(file.tokens.id_token)
  if (claims.email?.endsWith("@openai.com") === true) return chatGptAuth(file)
  if (claims.planType === undefined || !CHATGPT_PLANS.has(claims.planType)) return apiKeyAuth(apiKey)
  return chatGptAuth(file)
}

/** The bearer token and account of an auth, as the model client and `getAuthStatus` use them. */
export interface AuthToken {
  readonly token: string
  /** Sent as `chatgpt-account-id` in ChatGPT mode. */
  readonly accountId: string | undefined
  readonly mode: AuthMode
}

export const tokenOf = (auth: CodexAuth | undefined): Option.Option<AuthToken> => {
  if (auth === undefined) return Option.none()
  if (auth._tag === "ApiKey") return Option.some({ token: Redacted.value(auth.apiKey), accountId: undefined, mode: "apikey" })
  if (auth.tokens === undefined) return Option.none()
  const tokens = Redacted.value(auth.tokens)
  return Option.some({ token: tokens.access_token, accountId: tokens.account_id ?? undefined, mode: "chatgpt" })
}

/**
 * True for ChatGPT tokens refreshed more than 28 days before `now`. Tokens with no `last_refresh`
 * are used as they are, as the reference does; a 401 still refreshes them.
 */
export const needsRefresh = (auth: CodexAuth | undefined, now: DateTime.Utc): boolean =>
  auth?._tag === "ChatGpt" && auth.tokens !== undefined && auth.lastRefresh !== undefined &&
  Duration.isGreaterThan(DateTime.distance(auth.lastRefresh, now), REFRESH_AFTER)
