/**
 * The ChatGPT browser login: an HTTP server on 127.0.0.1
 * that receives the OAuth callback, checks `state`, exchanges the code with the PKCE verifier, trades
 * the id_token for an API key when the issuer allows it, saves auth.json, and redirects to a success
 * page. The login ends when that page is served, when the token endpoint refuses the code, when it
 * is cancelled, or after ten minutes. The server is a scoped resource: it closes with its scope, and
 * closing it interrupts any exchange still under way.
 */
import { randomUUID } from "node:crypto"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Deferred, Duration, Effect, FiberSet, Ref, type Scope } from "effect"
import { AuthError, describeCause } from "./AuthError.js"
import { authorizeUrl, makePkce, makeState, redirectUriFor } from "./AuthorizationRequest.js"
import { completeLogin } from "./CompleteLogin.js"
import type { TokenEndpoint } from "./TokenEndpoint.js"

export const DEFAULT_LOGIN_PORT = 1455
const LOGIN_TIMEOUT = Duration.minutes(10)
const LOGIN_TIMED_OUT = "Login timed out"
export const LOGIN_NOT_COMPLETED = "Login server error: Login was not completed"

interface LoginServerOptions {
  readonly codexHome: string
  readonly endpoint: TokenEndpoint
  /** 0 picks a free port. */
  readonly port: number
  readonly timeout?: Duration.Input | undefined
}

export interface LoginOutcome {
  readonly success: boolean
  /** Why the login did not succeed; never holds a token. */
  readonly error?: string
}

/** A ChatGPT login under way, whichever way the user signs in. */
export interface PendingLogin {
  readonly loginId: string
  /** Waits for the login to end, for whatever reason. */
  readonly outcome: Effect.Effect<LoginOutcome>
  /** Ends the login as not completed; does nothing once it has ended. */
  readonly cancel: Effect.Effect<void>
}

export interface LoginSession extends PendingLogin {
  readonly authUrl: string
  /** The port the server listens on (the chosen one when the options said 0). */
  readonly port: number
}

/** waiting → exchanging (one callback claims the code) → saved (the success page may be served) or failed. */
type Phase = "waiting" | "exchanging" | "saved" | "failed"

const SUCCESS_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Signed in to codex-effect</title></head>
<body style="font-family: sans-serif; margin: 4em auto; max-width: 32em">
<h1>Signed in</h1><p>codex-effect is now signed in with your ChatGPT account. You can close this window.</p>
</body></html>
`

const reply = (response: ServerResponse, status: number, body: string) =>
  Effect.sync(() => {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end(body)
  })

/** Sends the success page and waits until it has been flushed (or the browser went away). */
const sendSuccessPage = (response: ServerResponse) =>
  Effect.callback<void>((resume) => {
    response.once("close", () => resume(Effect.void))
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", connection: "close" }).end(SUCCESS_PAGE)
  })

/**
 * node:http is imported on the first login, not at startup: importing it makes Node load its whole
 * fetch implementation (undici) at once, ~17 ms of every start.
 */
const loadHttp = Effect.promise(() => import("node:http"))

/** Binds 127.0.0.1:port; requests are handled once the caller attaches a listener (nobody knows the port before). */
const listen = (port: number) =>
  Effect.flatMap(loadHttp, ({ createServer }) =>
    Effect.callback<Server, AuthError>((resume) => {
      const server = createServer()
      server.once("error", (error) =>
        resume(Effect.fail(new AuthError({ message: `failed to start login server: ${describeCause(error)}` }))))
      server.listen(port, "127.0.0.1", () => {
        server.removeAllListeners("error")
        resume(Effect.succeed(server))
      })
    }))

const close = (server: Server) =>
  Effect.callback<void>((resume) => {
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  })

/**
 * Starts the callback server and returns the session at once; the browser part happens later. Fails
 * with `failed to start login server: <reason>` when the port cannot be bound.
 */
export const startLoginServer = Effect.fnUntraced(function*(
  options: LoginServerOptions
): Effect.fn.Return<LoginSession, AuthError, Scope.Scope> {
  const { codexHome, endpoint } = options
  const pkce = makePkce()
  const state = makeState()
  const finished = yield* Deferred.make<LoginOutcome>()
  const finish = (outcome: LoginOutcome) => Deferred.succeed(finished, outcome).pipe(Effect.asVoid)
  const phase = yield* Ref.make<Phase>("waiting")
  // Request handlers run as fibers of this set, so closing the scope interrupts an exchange in flight.
  const runFork = yield* FiberSet.makeRuntime<never>()

  const handleCallback = Effect.fnUntraced(function*(query: URLSearchParams, response: ServerResponse, port: number) {
    if (query.get("state") !== state) return yield* reply(response, 400, "State mismatch")
    const code = query.get("code")
    if (code === null || code === "") return yield* reply(response, 400, "Missing authorization code")
    const claimed = yield* Ref.modify(phase, (current): readonly [boolean, Phase] =>
      current === "waiting" ? [true, "exchanging"] : [false, current]
    )
    if (!claimed) return yield* reply(response, 409, "This login has already received its callback")
    const saved = yield* Effect.result(completeLogin(codexHome, endpoint, { code, redirectUri: redirectUriFor(port), codeVerifier: pkce.verifier }))
    if (saved._tag === "Failure") {
      yield* Ref.set(phase, "failed")
      yield* reply(response, 500, `Login failed: ${saved.failure.message}`)
      return yield* finish({ success: false, error: `Login server error: ${saved.failure.message}` })
    }
    yield* Ref.set(phase, "saved")
    yield* Effect.sync(() => response.writeHead(302, { location: `http://localhost:${port}/success`, connection: "close" }).end())
  })

  const handleSuccess = Effect.fnUntraced(function*(response: ServerResponse) {
    // Only a login whose tokens were saved may end as a success.
    if ((yield* Ref.get(phase)) !== "saved") return yield* reply(response, 404, "Not Found")
    yield* sendSuccessPage(response)
    yield* finish({ success: true })
  })

  const handle = (request: IncomingMessage, response: ServerResponse, port: number): Effect.Effect<void> => {
    const url = new URL(request.url ?? "/", "http://localhost")
    const handled = url.pathname === "/auth/callback"
      ? handleCallback(url.searchParams, response, port)
      : url.pathname === "/success"
      ? handleSuccess(response)
      : reply(response, 404, "Not Found")
    return handled.pipe(
      Effect.catchCause((cause) =>
        Effect.logError("login server request failed", cause).pipe(
          Effect.andThen(response.headersSent ? Effect.void : reply(response, 500, "Internal error"))
        )
      )
    )
  }

  const server = yield* Effect.acquireRelease(listen(options.port), close)
  const boundPort = (server.address() as AddressInfo).port
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    runFork(handle(request, response, boundPort))
  })
  server.on("error", (error) => {
    runFork(finish({ success: false, error: `Login server error: ${describeCause(error)}` }))
  })

  yield* Effect.sleep(options.timeout ?? LOGIN_TIMEOUT).pipe(
    Effect.andThen(finish({ success: false, error: LOGIN_TIMED_OUT })),
    Effect.forkScoped
  )
  yield* Effect.logDebug(`login server listening on 127.0.0.1:${boundPort}`)

  return {
    loginId: randomUUID(),
    authUrl: authorizeUrl({
      issuer: endpoint.issuer,
      clientId: endpoint.clientId,
      redirectUri: redirectUriFor(boundPort),
      codeChallenge: pkce.challenge,
      state
    }),
    port: boundPort,
    outcome: Deferred.await(finished),
    cancel: finish({ success: false, error: LOGIN_NOT_COMPLETED })
  }
})
