/**
 * The one source of credentials for every conversation and for the auth API
 * (see docs/protocol.md, Auth). auth.json is read once at startup and cached; external edits are seen on
 * `reload`. ChatGPT tokens are refreshed when 28 days old and after a 401, and a refresh is shared:
 * callers that need one while it runs wait for the same request and all see its tokens. Logins,
 * logouts and stored keys are announced on `changes`. Tokens never appear in logs or errors.
 */
import { Context, DateTime, Deferred, Effect, Exit, Layer, Option, PubSub, Redacted, Ref, Scope, Semaphore, Stream } from "effect"
import { authFilePath, deleteAuthFile, readAuthFile, type TokenData, withRefresh, writeAuthFile } from "../auth/AuthDotJson.js"
import { AuthError } from "../auth/AuthError.js"
import { DEFAULT_CLIENT_ID, DEFAULT_ISSUER } from "../auth/AuthorizationRequest.js"
import { startDeviceCodeLogin } from "../auth/DeviceCodeLogin.js"
import { DEFAULT_LOGIN_PORT, type LoginOutcome, type PendingLogin, startLoginServer } from "../auth/LoginServer.js"
import { type AuthToken, authModeOf, type CodexAuth, needsRefresh, resolveAuth, type StoredAuth, tokenOf } from "../auth/ResolveAuth.js"
import { refreshTokens, type TokenEndpoint } from "../auth/TokenEndpoint.js"
import { ProcessEnvironment } from "./ProcessEnvironment.js"
import { ModelAuth } from "../model/ModelAuth.js"
import { fatal } from "../model/ModelError.js"
import type { AuthMode } from "../rpc/Enums.js"

export { AuthError } from "../auth/AuthError.js"
export type { AuthToken } from "../auth/ResolveAuth.js"
export type { LoginOutcome } from "../auth/LoginServer.js"

/** How the agent is signed in right now. */
export interface AuthSnapshot {
  readonly mode: AuthMode
  /** False in ChatGPT mode when auth.json holds no tokens: `getAuthStatus` then reports no method. */
  readonly hasToken: boolean
}

/**
 * What `changes` announces. After a browser login: `LoginComplete`, then (on success) `StatusChange`.
 * After `logout` and `loginApiKey`: `StatusChange`. `authMethod` is absent when signed out.
 */
export type AuthChange =
  | { readonly _tag: "LoginComplete"; readonly loginId: string; readonly success: boolean; readonly error?: string }
  | { readonly _tag: "StatusChange"; readonly authMethod?: AuthMode }

export interface AuthOptions {
  readonly codexHome: string
  readonly preferredAuthMethod: AuthMode
  /** The OAuth issuer, `https://auth.openai.com` by default; tests point it at a local mock. */
  readonly issuer?: string | undefined
  /** The login callback port: 1455 by default, 0 for any free port. */
  readonly loginPort?: number | undefined
  readonly clientId?: string | undefined
  /** Where `OPENAI_API_KEY` is read; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

export class AuthManager extends Context.Service<AuthManager, {
  /** The method in use and whether it has a token; `None` when signed out or auth.json is corrupt. */
  readonly current: Effect.Effect<Option.Option<AuthSnapshot>>
  /** The method in use, if signed in (`current`'s mode). */
  readonly authMethod: Effect.Effect<AuthMode | undefined>
  /** The configured preference (`preferred_auth_method`), used when auth.json holds both a key and tokens. */
  readonly preferredAuthMethod: AuthMode
  /**
   * The bearer token for a request: the API key, or the ChatGPT access token, refreshed first when
   * `last_refresh` is over 28 days old. `None` when signed out; fails when auth.json is corrupt
   * (naming the file) or the refresh fails.
   */
  readonly token: Effect.Effect<Option.Option<AuthToken>, AuthError>
  /** Refreshes the ChatGPT tokens and saves them; concurrent callers share one request. No-op without tokens. */
  readonly refresh: Effect.Effect<void, AuthError>
  /**
   * After a 401 for `refusedToken`: refreshes once if that token is still the current one, so requests
   * refused together cause a single refresh; otherwise a fresher token already exists and nothing happens.
   */
  readonly onUnauthorized: (refusedToken: string) => Effect.Effect<void, AuthError>
  /** Reads auth.json again; true when the method changed. */
  readonly reload: Effect.Effect<boolean>
  /**
   * Cancels a running login, deletes auth.json, reloads, and announces the method left (maybe the env
   * key). True when there was an auth.json to delete.
   */
  readonly logout: Effect.Effect<boolean, AuthError>
  /** Replaces auth.json with `{"OPENAI_API_KEY": apiKey}`, reloads, and announces the method. */
  readonly loginApiKey: (apiKey: string) => Effect.Effect<void, AuthError>
  /**
   * Starts the browser login server (no browser is opened) and returns the URL to open. A running
   * login is cancelled first. Fails with `failed to start login server: <reason>` (e.g. port busy).
   */
  readonly startChatGptLogin: Effect.Effect<{ readonly loginId: string; readonly authUrl: string }, AuthError>
  /**
   * Starts a device-code login: returns the code the user enters at the verification URL, and polls the
   * issuer until it is entered. A running login is cancelled first. Ends and is awaited, cancelled and
   * announced as a browser login is.
   */
  readonly startDeviceCodeLogin: Effect.Effect<{ readonly loginId: string; readonly verificationUrl: string; readonly userCode: string }, AuthError>
  /** Cancels the running login with this id and waits until it has closed; fails `login id not found: <id>`. */
  readonly cancelChatGptLogin: (loginId: string) => Effect.Effect<void, AuthError>
  /** Waits for the latest login, which must have this id, to end and be announced (for the CLI). */
  readonly awaitLogin: (loginId: string) => Effect.Effect<LoginOutcome, AuthError>
  /** Subscribes now: every change from this moment, in order, until the scope closes. */
  readonly changes: Effect.Effect<Stream.Stream<AuthChange>, never, Scope.Scope>
}>()("codex-effect/AuthManager") {
  static readonly layer = (options: AuthOptions) => Layer.effect(AuthManager, makeAuthManager(options))

  /** The model client's credentials from this manager: refreshed when stale, and once after a 401. */
  static readonly modelAuth = Layer.effect(ModelAuth, Effect.gen(function*() {
    const auth = yield* AuthManager
    return ModelAuth.of({
      credentials: auth.token.pipe(Effect.mapError((error) => fatal(error.message))),
      onUnauthorized: (refusedToken) =>
        auth.onUnauthorized(refusedToken).pipe(
          Effect.catch((error) => Effect.logWarning(`token refresh after a 401 failed: ${error.message}`))
        )
    })
  }))
}

interface State {
  readonly stored: StoredAuth
  readonly auth: CodexAuth | undefined
  /** The refresh in flight; callers that need one join it instead of starting another. */
  readonly refreshing: Deferred.Deferred<void, AuthError> | undefined
}

type RefreshStep =
  | { readonly _tag: "Skip" }
  | { readonly _tag: "Join"; readonly refresh: Deferred.Deferred<void, AuthError> }
  | { readonly _tag: "Start"; readonly tokens: TokenData }

interface ActiveLogin {
  readonly session: PendingLogin
  /** Completed once the login has ended, been announced, and (on success) auth reloaded. */
  readonly announced: Deferred.Deferred<LoginOutcome>
}

const loginNotFound = (loginId: string) => new AuthError({ message: `login id not found: ${loginId}` })

const makeAuthManager = Effect.fnUntraced(function*(options: AuthOptions) {
  const { codexHome, preferredAuthMethod } = options
  const env = options.env ?? (yield* ProcessEnvironment)
  const endpoint: TokenEndpoint = { issuer: options.issuer ?? DEFAULT_ISSUER, clientId: options.clientId ?? DEFAULT_CLIENT_ID }
  const managerScope = yield* Effect.scope
  const changes = yield* Effect.acquireRelease(PubSub.unbounded<AuthChange>(), PubSub.shutdown)

  const load = Effect.gen(function*() {
    const stored = yield* Effect.result(readAuthFile(codexHome))
    if (stored._tag === "Failure") yield* Effect.logWarning(stored.failure.message)
    return { stored, auth: resolveAuth(stored, env.OPENAI_API_KEY, preferredAuthMethod) }
  })
  const state = yield* Ref.make<State>({ ...(yield* load), refreshing: undefined })

  const modeOf = (auth: CodexAuth | undefined) => (auth === undefined ? undefined : authModeOf(auth))

  const reload = Effect.gen(function*() {
    const loaded = yield* load
    return yield* Ref.modify(state, (current): readonly [boolean, State] => [
      modeOf(current.auth) !== modeOf(loaded.auth),
      { ...current, ...loaded }
    ])
  })

  const publishStatus = Effect.gen(function*() {
    const mode = modeOf((yield* Ref.get(state)).auth)
    yield* PubSub.publish(changes, { _tag: "StatusChange", ...(mode !== undefined ? { authMethod: mode } : {}) })
  })

  /** One refresh request, then auth.json rewritten with the new tokens and resolved again. */
  const refreshAndSave = Effect.fnUntraced(function*(tokens: TokenData) {
    const refreshed = yield* refreshTokens(endpoint, tokens.refresh_token)
    const stored = yield* readAuthFile(codexHome).pipe(
      Effect.mapError((corrupt) => new AuthError({ message: `Failed to refresh token: ${corrupt.message}` }))
    )
    if (Option.isNone(stored)) {
      return yield* new AuthError({ message: `Failed to refresh token: ${authFilePath(codexHome)} was removed` })
    }
    yield* writeAuthFile(codexHome, withRefresh(stored.value, tokens, refreshed, yield* DateTime.now))
    return yield* load
  })

  /**
   * Refreshes when `needed` holds for the current state, joining a refresh already in flight. The
   * decision and the claim are one atomic step, and a finished refresh updates the state before it
   * releases its waiters, so a caller either joins the refresh or sees its result, never a second one.
   * The request runs in the manager's scope: a caller that gives up does not cancel it for the others.
   */
  const refreshWhen = (needed: (current: State, now: DateTime.Utc) => boolean): Effect.Effect<void, AuthError> =>
    Effect.gen(function*() {
      const now = yield* DateTime.now
      const mine = yield* Deferred.make<void, AuthError>()
      const step = yield* Ref.modify(state, (current): readonly [RefreshStep, State] => {
        const tokens = current.auth?._tag === "ChatGpt" ? current.auth.tokens : undefined
        if (tokens === undefined || !needed(current, now)) return [{ _tag: "Skip" }, current]
        if (current.refreshing !== undefined) return [{ _tag: "Join", refresh: current.refreshing }, current]
        return [{ _tag: "Start", tokens: Redacted.value(tokens) }, { ...current, refreshing: mine }]
      })
      if (step._tag === "Skip") return
      if (step._tag === "Join") return yield* Deferred.await(step.refresh)
      yield* refreshAndSave(step.tokens).pipe(
        Effect.onExit((exit) =>
          Ref.update(state, (current) => ({ ...current, ...(Exit.isSuccess(exit) ? exit.value : {}), refreshing: undefined })).pipe(
            Effect.andThen(Deferred.done(mine, Exit.asVoid(exit)))
          )
        ),
        Effect.forkIn(managerScope)
      )
      return yield* Deferred.await(mine)
    })

  const token = Effect.gen(function*() {
    const { stored } = yield* Ref.get(state)
    if (stored._tag === "Failure") return yield* new AuthError({ message: stored.failure.message })
    yield* refreshWhen((current, now) => needsRefresh(current.auth, now))
    return tokenOf((yield* Ref.get(state)).auth)
  })

  const loginLock = yield* Semaphore.make(1)
  const activeLogin = yield* Ref.make<ActiveLogin | undefined>(undefined)
  /** The most recent login, kept after it ends so `awaitLogin` never misses an early finish. */
  const latestLogin = yield* Ref.make<ActiveLogin | undefined>(undefined)

  /** Cancels a login and waits until its server has closed and its end has been announced. */
  const endLogin = (login: ActiveLogin) => login.session.cancel.pipe(Effect.andThen(Deferred.await(login.announced)), Effect.asVoid)

  const endActiveLogin = Effect.gen(function*() {
    const running = yield* Ref.get(activeLogin)
    if (running !== undefined) yield* endLogin(running)
  })

  /** Waits for the login's end, closes its server, announces it, and reloads after a success. */
  const superviseLogin = (login: ActiveLogin, loginScope: Scope.Closeable) =>
    Effect.gen(function*() {
      const outcome = yield* login.session.outcome
      yield* Scope.close(loginScope, Exit.void)
      yield* Ref.update(activeLogin, (running) => (running === login ? undefined : running))
      yield* PubSub.publish(changes, {
        _tag: "LoginComplete",
        loginId: login.session.loginId,
        success: outcome.success,
        ...(outcome.error !== undefined ? { error: outcome.error } : {})
      })
      if (outcome.success) {
        yield* reload
        yield* publishStatus
      }
      return outcome
    }).pipe(Effect.onExit((exit) => Deferred.done(login.announced, exit)))

  /**
   * Cancels the running login, starts `start`'s in a scope of its own and supervises it. Uninterruptible:
   * a login once started must reach its supervisor, or nothing would ever end it.
   */
  const beginLogin = <S extends PendingLogin>(start: Effect.Effect<S, AuthError, Scope.Scope>) =>
    loginLock.withPermit(Effect.uninterruptible(Effect.gen(function*() {
      // With the fixed port 1455 the old server must be gone before the new one binds.
      yield* endActiveLogin
      const loginScope = yield* Scope.fork(managerScope)
      const session = yield* start.pipe(Scope.provide(loginScope), Effect.onError(() => Scope.close(loginScope, Exit.void)))
      const login: ActiveLogin = { session, announced: yield* Deferred.make<LoginOutcome>() }
      yield* Ref.set(activeLogin, login)
      yield* Ref.set(latestLogin, login)
      yield* Effect.forkIn(superviseLogin(login, loginScope), managerScope)
      return session
    })))

  const startChatGptLogin = beginLogin(startLoginServer({ codexHome, endpoint, port: options.loginPort ?? DEFAULT_LOGIN_PORT })).pipe(
    Effect.map((session) => ({ loginId: session.loginId, authUrl: session.authUrl }))
  )

  const startDeviceLogin = beginLogin(startDeviceCodeLogin({ codexHome, endpoint })).pipe(
    Effect.map((session) => ({ loginId: session.loginId, verificationUrl: session.verificationUrl, userCode: session.userCode }))
  )

  const findLogin = (logins: Ref.Ref<ActiveLogin | undefined>, loginId: string) =>
    Ref.get(logins).pipe(
      Effect.filterOrFail(
        (login): login is ActiveLogin => login?.session.loginId === loginId,
        () => loginNotFound(loginId)
      )
    )

  return AuthManager.of({
    current: Ref.get(state).pipe(Effect.map(({ auth }) =>
      Option.map(Option.fromUndefinedOr(auth), (resolved) => ({
        mode: authModeOf(resolved),
        hasToken: Option.exists(tokenOf(resolved), (found) => found.token !== "")
      }))
    )),
    authMethod: Ref.get(state).pipe(Effect.map(({ auth }) => modeOf(auth))),
    preferredAuthMethod,
    token,
    refresh: refreshWhen(() => true),
    onUnauthorized: Effect.fn("AuthManager.onUnauthorized")(function*(refusedToken: string) {
      yield* refreshWhen((current) => Option.exists(tokenOf(current.auth), (found) => found.token === refusedToken))
    }),
    reload,
    logout: loginLock.withPermit(Effect.gen(function*() {
      yield* endActiveLogin
      const removed = yield* deleteAuthFile(codexHome)
      yield* reload
      yield* publishStatus
      return removed
    })),
    loginApiKey: Effect.fn("AuthManager.loginApiKey")(function*(apiKey: string) {
      if (apiKey === "") return yield* new AuthError({ message: "the API key is empty" })
      yield* writeAuthFile(codexHome, { OPENAI_API_KEY: apiKey })
      yield* reload
      yield* publishStatus
    }),
    startChatGptLogin,
    startDeviceCodeLogin: startDeviceLogin,
    cancelChatGptLogin: Effect.fn("AuthManager.cancelChatGptLogin")(function*(loginId: string) {
      yield* loginLock.withPermit(findLogin(activeLogin, loginId).pipe(Effect.flatMap(endLogin)))
    }),
    awaitLogin: Effect.fn("AuthManager.awaitLogin")(function*(loginId: string) {
      const login = yield* findLogin(latestLogin, loginId)
      return yield* Deferred.await(login.announced)
    }),
    changes: PubSub.subscribe(changes).pipe(Effect.map(Stream.fromSubscription))
  })
})
