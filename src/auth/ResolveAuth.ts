/**
 * Which credentials to use (agent core §10.2, wire §15.2), as a pure function of auth.json, the
 * environment's `OPENAI_API_KEY` and the preferred method; and the claims read from an id_token.
 */
import type { AuthMode } from "../rpc/Enums.js"
import type { AuthFile, TokenData } from "./AuthDotJson.js"

export type CodexAuth =
  | { readonly mode: "apikey"; readonly apiKey: string }
  | { readonly mode: "chatgpt"; readonly tokens: TokenData | undefined; readonly lastRefresh: string | undefined }

export interface IdTokenClaims {
  readonly email: string | undefined
  readonly planType: string | undefined
  readonly accountId: string | undefined
}

/** The payload of a JWT, unverified (the token came from our own login or auth.json). */
export const idTokenClaims = (jwt: string): IdTokenClaims => {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>
    const auth = (payload["https://api.openai.com/auth"] ?? {}) as Record<string, unknown>
    const text = (value: unknown) => (typeof value === "string" ? value : undefined)
    return { email: text(payload.email), planType: text(auth.chatgpt_plan_type), accountId: text(auth.chatgpt_account_id) }
  } catch {
    return { email: undefined, planType: undefined, accountId: undefined }
  }
}

const CHATGPT_PLANS = new Set(["free", "plus", "pro", "team"])

export const resolveAuth = (
  file: AuthFile,
  envApiKey: string | undefined,
  preferred: AuthMode
): CodexAuth | undefined => {
  if (file._tag === "Corrupt") return undefined
  if (file._tag === "Missing") return envApiKey !== undefined && envApiKey !== "" ? { mode: "apikey", apiKey: envApiKey } : undefined
  const { OPENAI_API_KEY: apiKey, tokens, last_refresh } = file.auth
  const chatgpt: CodexAuth = { mode: "chatgpt", tokens: tokens ?? undefined, lastRefresh: last_refresh ?? undefined }
  if (apiKey === undefined || apiKey === null || apiKey === "") return chatgpt
  if (tokens === undefined || tokens === null) return { mode: "apikey", apiKey }
  if (preferred === "apikey") return { mode: "apikey", apiKey }
  const claims = idTokenClaims(tokens.id_token)
  if (claims.email?.endsWith("@openai.com") === true) return chatgpt
  if (claims.planType === undefined || !CHATGPT_PLANS.has(claims.planType)) return { mode: "apikey", apiKey }
  return chatgpt
}
