/**
 * The one source of credentials for every conversation and for the auth API (wire §15, agent core
 * §10). auth.json is read once and cached; ChatGPT tokens are refreshed when 28 days old or after a
 * 401, and a refresh is shared: callers that need one at the same time wait for the same request.
 * Logins, logouts and stored keys are announced on `changes`. Tokens never appear in logs or errors.
 */
import { Context, Deferred, Effect, Layer, Option, PubSub, Schema, type Scope, Stream } from "effect"
import { deleteAuthFile, readAuthFile, writeAuthFile } from "../auth/AuthDotJson.js"
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_ISSUER,
  DEFAULT_LOGIN_PORT,
  type LoginSession,
  startLoginServer
} from "../auth/LoginServer.js"
import { type CodexAuth, idTokenClaims, resolveAuth } from "../auth/ResolveAuth.js"
import { ModelAuth, type ModelCredentials } from "../model/ModelAuth.js"
import { fatal } from "../model/ModelError.js"
import type { AuthMode } from "../rpc/Enums.js"

export class AuthError extends Schema.TaggedError<AuthError>()("AuthError", { message: Schema.String }) {}

export type AuthChange =
  | { readonly _tag: "LoginComplete"; readonly loginId: string; readonly success: boolean; readonly error?: string | undefined }
  | { readonly _tag: "StatusChange"; readonly authMethod: AuthMode | undefined }

export interface AuthOptions {
  readonly codexHome: string
  readonly preferredAuthMethod: AuthMode
  /** The OAuth issuer; tests point it at a local mock. */
  readonly issuer?: string | undefined
  readonly clientId?: string | undefined
  /** The login callback port: 1455 by default, 0 for any free port. */
  readonly loginPort?: number | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

const REFRESH_AFTER_MS = 28 * 24 * 60 * 60 * 1000

export class AuthManager extends Context.Service<AuthManager, {
  readonly preferredAuthMethod: AuthMode
  /** The method in use now, if signed in. */
  readonly authMethod: Effect.Effect<AuthMode | undefined>
  /** Credentials for a request; a ChatGPT token is refreshed first when it is 28 days old. */
  readonly token: Effect.Effect<Option.Option<ModelCredentials>, AuthError>
  /** Refreshes the ChatGPT tokens; concurrent callers share one refresh. */
  readonly refresh: Effect.Effect<void, AuthError>
  /** After a 401: refreshes once, unless someone already replaced the refused token. */
  readonly onUnauthorized: (refusedToken: string) => Effect.Effect<void>
  /** Reads auth.json again; true when the method changed. */
  readonly reload: Effect.Effect<boolean>
  /** Deletes auth.json (any running login is cancelled) and reloads. */
  readonly logout: Effect.Effect<void, AuthError>
  /** Stores an API key in auth.json and reloads. */
  readonly loginApiKey: (apiKey: string) => Effect.Effect<void, AuthError>
  /** Starts a browser login, replacing a running one. */
  readonly startChatGptLogin: Effect.Effect<{ readonly loginId: string; readonly authUrl: string }, AuthError>
  readonly cancelChatGptLogin: (loginId: string) => Effect.Effect<void, AuthError>
  /** Waits for a login to end (for the CLI). */
  readonly awaitLogin: (loginId: string) => Effect.Effect<{ readonly success: boolean; readonly error?: string | undefined }, AuthError>
  /** Login results and method changes, in order, from the moment of subscription. */
  readonly changes: Effect.Effect<Stream.Stream<AuthChange>, never, Scope.Scope>
}>()("codex-effect/AuthManager") {
  static readonly layer = (options: AuthOptions) => Layer.effect(AuthManager, makeAuthManager(options))

  /** The model client's credentials, from this manager: refreshed when stale, and once after a 401. */
  static readonly modelAuth = Layer.effect(ModelAuth, Effect.gen(function*() {
    const auth = yield* AuthManager
    return ModelAuth.of({
      credentials: auth.token.pipe(Effect.mapError((error) => fatal(error.message))),
      onUnauthorized: auth.onUnauthorized
    })
  }))
}

const makeAuthManager = Effect.fnUntraced(function*(options: AuthOptions) {
  const env = options.env ?? process.env
  const issuer = options.issuer ?? DEFAULT_ISSUER
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID
  const changes = yield* PubSub.unbounded<AuthChange>()
  const load = () => {
    const file = readAuthFile(options.codexHome)
    return { file, auth: resolveAuth(file, env.OPENAI_API_KEY, options.preferredAuthMethod) }
  }
  let state = load()
  let inflightRefresh: Deferred.Deferred<void, AuthError> | undefined
  let login: (LoginSession & { readonly outcome: Deferred.Deferred<{ success: boolean; error?: string | undefined }> }) | undefined

  if (state.file._tag === "Corrupt") yield* Effect.logWarning(state.file.message)

  const reload = Effect.sync(() => {
    const before = state.auth?.mode
    state = load()
    return state.auth?.mode !== before
  })

  const publishStatus = Effect.suspend(() => PubSub.publish(changes, { _tag: "StatusChange", authMethod: state.auth?.mode }))

  const doRefresh = Effect.gen(function*() {
    const current = state.auth
    if (current?.mode !== "chatgpt" || current.tokens === undefined) return
    const refreshToken = current.tokens.refresh_token
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(`${issuer}/oauth/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client_id: clientId, grant_type: "refresh_token", refresh_token: refreshToken, scope: "openid profile email" }),
          signal
        }),
      catch: (error) => new AuthError({ message: `Failed to refresh token: ${error instanceof Error ? error.message : String(error)}` })
    })
    if (!response.ok) return yield* new AuthError({ message: `Failed to refresh token: ${response.status}` })
    const body = (yield* Effect.tryPromise({
      try: () => response.json() as Promise<{ id_token?: string; access_token?: string; refresh_token?: string }>,
      catch: () => new AuthError({ message: "Failed to refresh token: the response was not JSON" })
    }))
    const file = readAuthFile(options.codexHome)
    const existing = file._tag === "Present" ? file.auth : {}
    const tokens = existing.tokens ?? current.tokens
    const idToken = body.id_token ?? tokens.id_token
    const written = writeAuthFile(options.codexHome, {
      ...existing,
      tokens: {
        id_token: idToken,
        access_token: body.access_token ?? tokens.access_token,
        refresh_token: body.refresh_token ?? tokens.refresh_token,
        account_id: tokens.account_id ?? idTokenClaims(idToken).accountId ?? null
      },
      last_refresh: new Date().toISOString()
    })
    if (written._tag === "Failure") return yield* new AuthError({ message: written.failure })
    yield* reload
  })

  /** One refresh at a time: later callers wait for the one in flight. */
  const refresh: Effect.Effect<void, AuthError> = Effect.suspend(() => {
    if (inflightRefresh !== undefined) return Deferred.await(inflightRefresh)
    return Effect.gen(function*() {
      const done = yield* Deferred.make<void, AuthError>()
      inflightRefresh = done
      const result = yield* doRefresh.pipe(Effect.exit)
      inflightRefresh = undefined
      yield* Deferred.done(done, result)
      return yield* result
    })
  })

  const credentialsOf = (auth: CodexAuth | undefined): Option.Option<ModelCredentials> => {
    if (auth === undefined) return Option.none()
    if (auth.mode === "apikey") return Option.some({ token: auth.apiKey, mode: "apikey" })
    if (auth.tokens === undefined) return Option.none()
    return Option.some({ token: auth.tokens.access_token, accountId: auth.tokens.account_id ?? undefined, mode: "chatgpt" })
  }

  const isStale = (auth: CodexAuth | undefined) =>
    auth?.mode === "chatgpt" && auth.tokens !== undefined &&
    (auth.lastRefresh === undefined || Date.now() - Date.parse(auth.lastRefresh) > REFRESH_AFTER_MS)

  const token = Effect.gen(function*() {
    if (state.file._tag === "Corrupt") return yield* new AuthError({ message: state.file.message })
    if (isStale(state.auth)) yield* refresh
    return credentialsOf(state.auth)
  })

  const stopLogin = Effect.suspend(() => {
    const running = login
    login = undefined
    running?.cancel()
    return Effect.void
  })

  const startChatGptLogin = Effect.gen(function*() {
    yield* stopLogin
    const session = yield* Effect.tryPromise({
      try: () => startLoginServer({ codexHome: options.codexHome, issuer, clientId, port: options.loginPort ?? DEFAULT_LOGIN_PORT }),
      catch: (error) => new AuthError({ message: error instanceof Error ? error.message : String(error) })
    })
    const outcome = yield* Deferred.make<{ success: boolean; error?: string | undefined }>()
    const current = { ...session, outcome }
    login = current
    yield* Effect.promise(() => session.done).pipe(
      Effect.flatMap((result) =>
        Effect.gen(function*() {
          if (login === current) login = undefined
          yield* PubSub.publish(changes, { _tag: "LoginComplete", loginId: session.loginId, success: result.success, error: result.error })
          if (result.success) {
            yield* reload
            yield* publishStatus
          }
          yield* Deferred.succeed(outcome, result)
        })
      ),
      Effect.forkDetach
    )
    return { loginId: session.loginId, authUrl: session.authUrl }
  })

  return AuthManager.of({
    preferredAuthMethod: options.preferredAuthMethod,
    authMethod: Effect.sync(() => state.auth?.mode),
    token,
    refresh,
    onUnauthorized: (refusedToken) =>
      Effect.suspend(() => {
        const current = credentialsOf(state.auth)
        if (Option.isSome(current) && current.value.token !== refusedToken) return Effect.void
        return refresh.pipe(Effect.catch((error) => Effect.logWarning(`token refresh after 401 failed: ${error.message}`)))
      }),
    reload,
    logout: Effect.gen(function*() {
      yield* stopLogin
      const deleted = deleteAuthFile(options.codexHome)
      if (deleted._tag === "Failure") return yield* new AuthError({ message: deleted.failure })
      yield* reload
      yield* publishStatus
    }),
    loginApiKey: (apiKey) =>
      Effect.gen(function*() {
        const written = writeAuthFile(options.codexHome, { OPENAI_API_KEY: apiKey })
        if (written._tag === "Failure") return yield* new AuthError({ message: written.failure })
        yield* reload
        yield* publishStatus
      }),
    startChatGptLogin,
    cancelChatGptLogin: (loginId) =>
      Effect.suspend(() =>
        login?.loginId === loginId ? stopLogin : Effect.fail(new AuthError({ message: `login id not found: ${loginId}` }))
      ),
    awaitLogin: (loginId) =>
      Effect.suspend(() =>
        login?.loginId === loginId
          ? Deferred.await(login.outcome)
          : Effect.fail(new AuthError({ message: `login id not found: ${loginId}` }))
      ),
    changes: PubSub.subscribe(changes).pipe(Effect.map(Stream.fromSubscription))
  })
})
