/**
 * The end every ChatGPT login shares, the browser's and the device code's: the authorization code is
 * exchanged for tokens (with the PKCE verifier), the id_token for an API key when the issuer allows it,
 * and auth.json is written.
 */
import { DateTime, Effect, Option } from "effect"
import { readAuthFile, withLogin, writeAuthFile } from "./AuthDotJson.js"
import { exchangeAuthorizationCode, exchangeForApiKey, type TokenEndpoint } from "./TokenEndpoint.js"

export const completeLogin = Effect.fnUntraced(function*(
  codexHome: string,
  endpoint: TokenEndpoint,
  grant: { readonly code: string; readonly redirectUri: string; readonly codeVerifier: string }
) {
  const tokens = yield* exchangeAuthorizationCode(endpoint, grant)
  const apiKey = yield* exchangeForApiKey(endpoint, tokens.idToken).pipe(
    Effect.tapError((error) => Effect.logDebug(`continuing without an API key: ${error.message}`)),
    Effect.option
  )
  // A corrupt auth.json is replaced now that a new login has succeeded.
  const existing = yield* readAuthFile(codexHome).pipe(Effect.orElseSucceed(() => Option.none()))
  yield* writeAuthFile(codexHome, withLogin(existing, { ...tokens, apiKey: Option.getOrUndefined(apiKey) }, yield* DateTime.now))
})
