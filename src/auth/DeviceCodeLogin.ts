/**
 * The ChatGPT login for a machine without a browser (`login --device-auth`, app-server's
 * `chatgptDeviceCode`): the issuer hands out a one-time code, the user enters it at the verification URL
 * on any device, and this side polls until the issuer answers with an authorization code, which is
 * exchanged like the browser login's. The endpoints and timings are the reference's: the poll waits the
 * interval the issuer names (at least a second here), treats 403 and 404 as "not yet", and gives up after
 * fifteen minutes.
 */
import { randomUUID } from "node:crypto"
import { Deferred, Duration, Effect, Result, Schema, type Scope } from "effect"
import { AuthError, describeCause } from "./AuthError.js"
import { completeLogin } from "./CompleteLogin.js"
import { LOGIN_NOT_COMPLETED, type LoginOutcome, type PendingLogin } from "./LoginServer.js"
import type { TokenEndpoint } from "./TokenEndpoint.js"

const DEVICE_LOGIN_TIMEOUT = Duration.minutes(15)
const MIN_POLL_INTERVAL_SECONDS = 1

export interface DeviceCodeSession extends PendingLogin {
  /** Where the user enters the code. */
  readonly verificationUrl: string
  readonly userCode: string
}

const UserCodeResponse = Schema.Struct({
  device_auth_id: Schema.String,
  user_code: Schema.optionalKey(Schema.String),
  usercode: Schema.optionalKey(Schema.String),
  interval: Schema.optionalKey(Schema.String)
})

const CodeResponse = Schema.Struct({ authorization_code: Schema.String, code_verifier: Schema.String })

const postJson = (url: string, body: Record<string, string>) =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal }),
    catch: (error) => new AuthError({ message: `cannot reach ${url}: ${describeCause(error)}` })
  })

const decodeBody = <S extends Schema.Decoder<unknown>>(response: Response, schema: S, what: string) =>
  Effect.tryPromise({ try: () => response.text(), catch: (error) => new AuthError({ message: describeCause(error) }) }).pipe(
    Effect.flatMap((text) => {
      const decoded = Schema.decodeResult(Schema.fromJsonString(schema))(text)
      return Result.isFailure(decoded)
        ? Effect.fail(new AuthError({ message: `unexpected ${what} from the issuer` }))
        : Effect.succeed(decoded.success as S["Type"])
    })
  )

/** Polls until the user entered the code; the authorization code and PKCE verifier the issuer then gives. */
const pollForCode = (tokenUrl: string, deviceAuthId: string, userCode: string, intervalSeconds: number) =>
  Effect.gen(function*() {
    while (true) {
      const response = yield* postJson(tokenUrl, { device_auth_id: deviceAuthId, user_code: userCode })
      if (response.ok) return yield* decodeBody(response, CodeResponse, "device authorization")
      if (response.status !== 403 && response.status !== 404) {
        return yield* new AuthError({ message: `device auth failed with status ${response.status}` })
      }
      yield* Effect.sleep(Duration.seconds(Math.max(intervalSeconds, MIN_POLL_INTERVAL_SECONDS)))
    }
  })

/**
 * Asks the issuer for a code and returns the session at once; the polling runs in the caller's scope.
 * Fails when the issuer does not hand out a code (404: device login not enabled there).
 */
export const startDeviceCodeLogin = Effect.fnUntraced(function*(options: {
  readonly codexHome: string
  readonly endpoint: TokenEndpoint
  readonly timeout?: Duration.Input | undefined
}): Effect.fn.Return<DeviceCodeSession, AuthError, Scope.Scope> {
  const { codexHome, endpoint } = options
  const accounts = `${endpoint.issuer}/api/accounts`
  const requested = yield* postJson(`${accounts}/deviceauth/usercode`, { client_id: endpoint.clientId })
  if (requested.status === 404) {
    return yield* new AuthError({ message: "device code login is not enabled for this Codex server. Use the browser login or verify the server URL." })
  }
  if (!requested.ok) return yield* new AuthError({ message: `device code request failed with status ${requested.status}` })
  const code = yield* decodeBody(requested, UserCodeResponse, "device code")
  const userCode = code.user_code ?? code.usercode
  if (userCode === undefined) return yield* new AuthError({ message: "unexpected device code from the issuer" })
  const intervalSeconds = Number.parseInt(code.interval ?? "0", 10)

  const finished = yield* Deferred.make<LoginOutcome>()
  const finish = (outcome: LoginOutcome) => Deferred.succeed(finished, outcome).pipe(Effect.asVoid)
  yield* pollForCode(`${accounts}/deviceauth/token`, code.device_auth_id, userCode, Number.isFinite(intervalSeconds) ? intervalSeconds : 0).pipe(
    Effect.flatMap((issued) =>
      completeLogin(codexHome, endpoint, {
        code: issued.authorization_code,
        redirectUri: `${endpoint.issuer}/deviceauth/callback`,
        codeVerifier: issued.code_verifier
      })
    ),
    Effect.timeoutOrElse({
      duration: options.timeout ?? DEVICE_LOGIN_TIMEOUT,
      orElse: () => Effect.fail(new AuthError({ message: "device auth timed out after 15 minutes" }))
    }),
    Effect.matchEffect({
      onFailure: (error) => finish({ success: false, error: error.message }),
      onSuccess: () => finish({ success: true })
    }),
    Effect.forkScoped
  )
  return {
    loginId: randomUUID(),
    verificationUrl: `${endpoint.issuer}/codex/device`,
    userCode,
    outcome: Deferred.await(finished),
    cancel: finish({ success: false, error: LOGIN_NOT_COMPLETED })
  }
})
