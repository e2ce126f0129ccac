/**
 * The issuer's token endpoint, `{issuer}/oauth/token`:
 * the authorization-code exchange of a login (form-encoded, with the PKCE verifier), the token
 * exchange that turns an id_token into an API key, and the refresh of ChatGPT tokens (JSON).
 * Requests are interrupted with the fiber that made them. Error messages carry the HTTP status or
 * the network failure, never a token.
 */
import { Duration, Effect, Result, Schema } from "effect"
import type { RefreshedTokens } from "./AuthDotJson.js"
import { AuthError, describeCause } from "./AuthError.js"

export interface TokenEndpoint {
  readonly issuer: string
  readonly clientId: string
}

/** A refresh that takes longer than this fails (the reference's 60 s). */
const REFRESH_TIMEOUT = Duration.seconds(60)

const tokenUrl = (endpoint: TokenEndpoint) => `${endpoint.issuer}/oauth/token`

type Body =
  | { readonly form: Record<string, string> }
  | { readonly json: Record<string, string> }

/** POSTs to the token endpoint; a non-2xx status fails with `describe(status)`. */
const post = <S extends Schema.Decoder<unknown>>(
  endpoint: TokenEndpoint,
  body: Body,
  responseSchema: S,
  describe: (problem: string) => string
): Effect.Effect<S["Type"], AuthError> =>
  Effect.gen(function*() {
    const fail = (problem: string) => new AuthError({ message: describe(problem) })
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(tokenUrl(endpoint), {
          method: "POST",
          headers: { "content-type": "form" in body ? "application/x-www-form-urlencoded" : "application/json" },
          body: "form" in body ? new URLSearchParams(body.form).toString() : JSON.stringify(body.json),
          signal
        }),
      catch: (error) => fail(describeCause(error))
    })
    if (!response.ok) return yield* fail(String(response.status))
    const text = yield* Effect.tryPromise({ try: () => response.text(), catch: (error) => fail(describeCause(error)) })
    const decoded = Schema.decodeResult(Schema.fromJsonString(responseSchema))(text)
    if (Result.isFailure(decoded)) return yield* fail("unexpected response from the token endpoint")
    return decoded.success
  })

const CodeResponse = Schema.Struct({ id_token: Schema.String, access_token: Schema.String, refresh_token: Schema.String })

interface IssuedTokens {
  readonly idToken: string
  readonly accessToken: string
  readonly refreshToken: string
}

/** Trades the authorization code of the callback for tokens. */
export const exchangeAuthorizationCode = (
  endpoint: TokenEndpoint,
  request: { readonly code: string; readonly redirectUri: string; readonly codeVerifier: string }
): Effect.Effect<IssuedTokens, AuthError> =>
  post(endpoint, {
    form: {
      grant_type: "authorization_code",
      code: request.code,
      redirect_uri: request.redirectUri,
      client_id: endpoint.clientId,
      code_verifier: request.codeVerifier
    }
  }, CodeResponse, (problem) => `token endpoint returned status ${problem}`).pipe(
    Effect.map((tokens) => ({ idToken: tokens.id_token, accessToken: tokens.access_token, refreshToken: tokens.refresh_token }))
  )

const ApiKeyResponse = Schema.Struct({ access_token: Schema.String })

/** RFC 8693 token exchange of an id_token for an OpenAI API key; accounts without API access fail it. */
export const exchangeForApiKey = (endpoint: TokenEndpoint, idToken: string): Effect.Effect<string, AuthError> =>
  post(endpoint, {
    form: {
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      client_id: endpoint.clientId,
      requested_token: "openai-api-key",
      subject_token: idToken,
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token"
    }
  }, ApiKeyResponse, (problem) => `API key exchange failed: ${problem}`).pipe(Effect.map((response) => response.access_token))

const RefreshResponse = Schema.Struct({
  id_token: Schema.optionalKey(Schema.String),
  access_token: Schema.optionalKey(Schema.String),
  refresh_token: Schema.optionalKey(Schema.String)
})

const refreshFailed = (problem: string) => `Failed to refresh token: ${problem}`

/** Refreshes ChatGPT tokens; fails with `Failed to refresh token: <status>` on a non-2xx answer. */
export const refreshTokens = (endpoint: TokenEndpoint, refreshToken: string): Effect.Effect<RefreshedTokens, AuthError> =>
  post(endpoint, {
    json: {
      client_id: endpoint.clientId,
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      scope: "openid profile email"
    }
  }, RefreshResponse, refreshFailed).pipe(
    Effect.timeoutOrElse({
      duration: REFRESH_TIMEOUT,
      orElse: () => Effect.fail(new AuthError({ message: refreshFailed("timed out") }))
    }),
    Effect.map((response) => ({
      idToken: response.id_token,
      accessToken: response.access_token,
      refreshToken: response.refresh_token
    }))
  )
