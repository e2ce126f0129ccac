/**
 * The OAuth authorization request of the ChatGPT login: a
 * PKCE pair (S256), a random `state`, and the authorize URL the user opens in a browser. Pure apart
 * from the random bytes, so the URL can be checked exactly.
 */
import { createHash, randomBytes } from "node:crypto"

export const DEFAULT_ISSUER = "https://auth.openai.com"
export const DEFAULT_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
const LOGIN_SCOPES = "openid profile email offline_access"

interface Pkce {
  /** 64 random bytes, base64url without padding; sent only to the token endpoint. */
  readonly verifier: string
  /** base64url(SHA-256(verifier)); sent in the authorize URL. */
  readonly challenge: string
}

export const pkceChallenge = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url")

export const makePkce = (): Pkce => {
  const verifier = randomBytes(64).toString("base64url")
  return { verifier, challenge: pkceChallenge(verifier) }
}

/** 32 random bytes, base64url: ties the callback to this login. */
export const makeState = (): string => randomBytes(32).toString("base64url")

/** Where the issuer sends the browser back; `localhost`, as registered for the client id. */
export const redirectUriFor = (port: number): string => `http://localhost:${port}/auth/callback`

interface AuthorizeUrlParams {
  readonly issuer: string
  readonly clientId: string
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly state: string
}

/** The authorize URL, parameters in the reference's order, values percent-encoded (spaces as `%20`). */
export const authorizeUrl = (params: AuthorizeUrlParams): string => {
  const query: ReadonlyArray<readonly [string, string]> = [
    ["response_type", "code"],
    ["client_id", params.clientId],
    ["redirect_uri", params.redirectUri],
    ["scope", LOGIN_SCOPES],
    ["code_challenge", params.codeChallenge],
    ["code_challenge_method", "S256"],
    ["id_token_add_organizations", "true"],
    ["codex_cli_simplified_flow", "true"],
    ["state", params.state]
  ]
  return `${params.issuer}/oauth/authorize?${query.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join("&")}`
}
