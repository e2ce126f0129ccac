/**
 * The ChatGPT browser login through the AuthManager, with the test playing
 * the browser over real HTTP and the mock issuer playing auth.openai.com: the authorize URL, the
 * callback and its checks, the code exchange with PKCE, the API-key exchange, auth.json, the change
 * events and their order, failures, cancel, replacement, a busy port, the timeout and shutdown.
 */
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { LOGIN_NOT_COMPLETED } from "../../src/auth/LoginServer.js"
import type { AuthOptions } from "../../src/services/AuthManager.js"
import { GRANT } from "../support/MockIssuer.js"
import {
  authJsonPath,
  buildAuthManager,
  callbackOf,
  fileMode,
  httpGet,
  isRefused,
  mockIssuer,
  nextChanges,
  readAuthJson,
  seedAuthJson,
  tempCodexHome,
  within
} from "./AuthFixtures.js"

/** A manager with its own CODEX_HOME and issuer, and a subscription to its changes. */
const setUp = (extra: Partial<AuthOptions> = {}) =>
  Effect.gen(function*() {
    const home = yield* tempCodexHome
    const issuer = yield* mockIssuer()
    const auth = yield* buildAuthManager({
      codexHome: home,
      preferredAuthMethod: "chatgpt",
      issuer: issuer.url,
      loginPort: 0,
      env: {},
      ...extra
    })
    const changes = yield* auth.changes
    return { home, issuer, auth, changes }
  })

/** A TCP listener on 127.0.0.1, closed with the test's scope. */
const tcpListener = (port: number) =>
  Effect.acquireRelease(
    Effect.callback<Server>((resume) => {
      const server = createServer()
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  )

const portOf = (server: Server) => (server.address() as { readonly port: number }).port

/** A port that was free a moment ago. */
const freePort = Effect.scoped(tcpListener(0).pipe(Effect.map(portOf)))

describe("ChatGPT login", () => {
  it.live("completes through the callback: auth.json 0600, LoginComplete then StatusChange", () =>
    Effect.gen(function*() {
      const { home, issuer, auth, changes } = yield* setUp()
      const { loginId, authUrl } = yield* auth.startChatGptLogin
      const browser = callbackOf(authUrl)
      expect(authUrl.startsWith(`${issuer.url}/oauth/authorize?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann&`)).toBe(true)
      expect(browser.redirectUri).toMatch(/^http:\/\/localhost:\d+\/auth\/callback$/)
      expect(new URL(authUrl).searchParams.get("scope")).toBe("openid profile email offline_access")

      const callback = yield* httpGet(browser.callbackUrl({ code: "the-code", state: browser.state }))
      expect(callback.status).toBe(302)
      expect(callback.location).toBe(`${browser.origin}/success`)
      const page = yield* httpGet(callback.location!)
      expect(page.status).toBe(200)
      expect(page.contentType).toContain("text/html")
      expect(page.body).toContain("Signed in")

      assert.deepStrictEqual(yield* nextChanges(changes, 2).pipe(within("LoginComplete and StatusChange")), [
        { _tag: "LoginComplete", loginId, success: true },
        { _tag: "StatusChange", authMethod: "chatgpt" }
      ])

      expect(fileMode(authJsonPath(home))).toBe(0o600)
      const saved = readAuthJson(home)
      expect(saved).toMatchObject({
        OPENAI_API_KEY: "sk-from-exchange",
        tokens: { id_token: issuer.idToken, access_token: "access-1", refresh_token: "refresh-0", account_id: "acct-123" }
      })
      expect(Math.abs(Date.now() - Date.parse(saved.last_refresh!))).toBeLessThan(60_000)
      assert.deepStrictEqual(yield* auth.token, Option.some({ token: "access-1", accountId: "acct-123", mode: "chatgpt" as const }))

      const code = issuer.requests.find((r) => r.grant === GRANT.code)!
      expect(code.contentType).toBe("application/x-www-form-urlencoded")
      expect(code.body).toMatchObject({ code: "the-code", redirect_uri: browser.redirectUri, client_id: "app_EMoamEEZ73f0CkXaXp7hrann" })
      expect(createHash("sha256").update(code.body.code_verifier ?? "").digest("base64url")).toBe(browser.challenge)
      expect(issuer.requests.find((r) => r.grant === GRANT.apiKey)?.body).toEqual({
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
        requested_token: "openai-api-key",
        subject_token: issuer.idToken,
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token"
      })
      assert.isTrue(yield* isRefused(browser.redirectUri))
      const error = yield* Effect.flip(auth.cancelChatGptLogin(loginId))
      expect(error.message).toBe(`login id not found: ${loginId}`)
    }))

  it.live("answers a wrong or missing state, a missing code and other paths with errors, and keeps waiting", () =>
    Effect.gen(function*() {
      const { issuer, auth, changes } = yield* setUp()
      const { loginId, authUrl } = yield* auth.startChatGptLogin
      const browser = callbackOf(authUrl)
      expect((yield* httpGet(browser.callbackUrl({ code: "c", state: "not-the-state" }))).status).toBe(400)
      expect((yield* httpGet(browser.callbackUrl({ code: "c" }))).status).toBe(400)
      expect((yield* httpGet(browser.callbackUrl({ state: browser.state }))).status).toBe(400)
      expect((yield* httpGet(`${browser.origin}/elsewhere`)).status).toBe(404)
      expect((yield* httpGet(`${browser.origin}/success`)).status).toBe(404)
      assert.strictEqual(issuer.count(GRANT.code), 0)

      const callback = yield* httpGet(browser.callbackUrl({ code: "c", state: browser.state }))
      yield* httpGet(callback.location!)
      const [complete] = yield* nextChanges(changes, 1).pipe(within("LoginComplete"))
      assert.deepStrictEqual(complete, { _tag: "LoginComplete", loginId, success: true })
    }))

  it.live("logs in without an API key when the issuer refuses the key exchange; awaitLogin sees the end", () =>
    Effect.gen(function*() {
      const { home, issuer, auth, changes } = yield* setUp()
      issuer.failing.set(GRANT.apiKey, 403)
      const { loginId, authUrl } = yield* auth.startChatGptLogin
      const awaited = yield* Effect.forkChild(auth.awaitLogin(loginId))
      const browser = callbackOf(authUrl)
      const callback = yield* httpGet(browser.callbackUrl({ code: "c", state: browser.state }))
      yield* httpGet(callback.location!)
      assert.deepStrictEqual(yield* Fiber.join(awaited).pipe(within("awaitLogin")), { success: true })
      assert.deepStrictEqual(yield* auth.awaitLogin(loginId), { success: true })
      expect((yield* Effect.flip(auth.awaitLogin("another"))).message).toBe("login id not found: another")
      yield* nextChanges(changes, 2).pipe(within("both changes"))
      expect(readAuthJson(home).OPENAI_API_KEY).toBeNull()
      assert.strictEqual(issuer.count(GRANT.apiKey), 1)
      assert.strictEqual(yield* auth.authMethod, "chatgpt")
    }))

  it.live("ends unsuccessfully, with the status, when the token endpoint refuses the code", () =>
    Effect.gen(function*() {
      const { home, issuer, auth, changes } = yield* setUp()
      issuer.failing.set(GRANT.code, 500)
      const { loginId, authUrl } = yield* auth.startChatGptLogin
      const browser = callbackOf(authUrl)
      const callback = yield* httpGet(browser.callbackUrl({ code: "c", state: browser.state }))
      expect(callback.status).toBe(500)
      const [complete] = yield* nextChanges(changes, 1).pipe(within("LoginComplete"))
      assert.deepStrictEqual(complete, {
        _tag: "LoginComplete",
        loginId,
        success: false,
        error: "Login server error: token endpoint returned status 500"
      })
      assert.isFalse(existsSync(authJsonPath(home)))
      assert.isTrue(Option.isNone(yield* auth.current))
      assert.isTrue(yield* isRefused(browser.redirectUri))
    }))

  it.live("cancels: the server closes, LoginComplete says not completed, and the id is then unknown", () =>
    Effect.gen(function*() {
      const { auth, changes } = yield* setUp()
      const { loginId, authUrl } = yield* auth.startChatGptLogin
      yield* auth.cancelChatGptLogin(loginId)
      assert.isTrue(yield* isRefused(callbackOf(authUrl).redirectUri))
      assert.deepStrictEqual(yield* nextChanges(changes, 1).pipe(within("LoginComplete")), [
        { _tag: "LoginComplete", loginId, success: false, error: LOGIN_NOT_COMPLETED }
      ])
      const error = yield* Effect.flip(auth.cancelChatGptLogin(loginId))
      expect(error.message).toBe(`login id not found: ${loginId}`)
      expect((yield* Effect.flip(auth.cancelChatGptLogin("no-such-login"))).message).toBe("login id not found: no-such-login")
    }))

  it.live("replaces a running login on the same fixed port; the old one ends as not completed", () =>
    Effect.gen(function*() {
      const { auth, changes } = yield* setUp({ loginPort: yield* freePort })
      const first = yield* auth.startChatGptLogin
      const second = yield* auth.startChatGptLogin
      expect(second.loginId).not.toBe(first.loginId)
      assert.deepStrictEqual(yield* nextChanges(changes, 1).pipe(within("the first login's end")), [
        { _tag: "LoginComplete", loginId: first.loginId, success: false, error: LOGIN_NOT_COMPLETED }
      ])
      const old = callbackOf(first.authUrl)
      const current = callbackOf(second.authUrl)
      expect(current.redirectUri).toBe(old.redirectUri)
      expect((yield* httpGet(current.callbackUrl({ code: "c", state: old.state }))).status).toBe(400)
      const callback = yield* httpGet(current.callbackUrl({ code: "c", state: current.state }))
      yield* httpGet(callback.location!)
      assert.deepStrictEqual(yield* nextChanges(changes, 1).pipe(within("the second login's end")), [
        { _tag: "LoginComplete", loginId: second.loginId, success: true }
      ])
      expect((yield* Effect.flip(auth.cancelChatGptLogin(first.loginId))).message).toBe(`login id not found: ${first.loginId}`)
    }))

  it.live("fails to start, naming the reason, when the port is busy", () =>
    Effect.gen(function*() {
      const blocker = yield* tcpListener(0)
      const { auth } = yield* setUp({ loginPort: portOf(blocker) })
      const error = yield* Effect.flip(auth.startChatGptLogin)
      expect(error._tag).toBe("AuthError")
      expect(error.message).toMatch(/^failed to start login server: .*EADDRINUSE/)
    }))

  it.live("is cancelled by logout: LoginComplete, then StatusChange", () =>
    Effect.gen(function*() {
      const { auth, changes } = yield* setUp()
      const { loginId } = yield* auth.startChatGptLogin
      yield* auth.logout
      assert.deepStrictEqual(yield* nextChanges(changes, 2).pipe(within("both changes")), [
        { _tag: "LoginComplete", loginId, success: false, error: LOGIN_NOT_COMPLETED },
        { _tag: "StatusChange" }
      ])
    }))

  it.live("replaces a corrupt auth.json once the login succeeds", () =>
    Effect.gen(function*() {
      const { home, auth, changes } = yield* setUp()
      yield* seedAuthJson(home, "{ not json")
      yield* auth.reload
      const { authUrl } = yield* auth.startChatGptLogin
      const browser = callbackOf(authUrl)
      expect(readFileSync(authJsonPath(home), "utf8")).toBe("{ not json")
      const callback = yield* httpGet(browser.callbackUrl({ code: "c", state: browser.state }))
      yield* httpGet(callback.location!)
      yield* nextChanges(changes, 2).pipe(within("both changes"))
      expect(readAuthJson(home).tokens?.access_token).toBe("access-1")
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "access-1")
    }))

  it.live("closes the login server when the manager shuts down", () =>
    Effect.gen(function*() {
      const home = yield* tempCodexHome
      const redirectUri = yield* Effect.scoped(Effect.gen(function*() {
        const auth = yield* buildAuthManager({ codexHome: home, preferredAuthMethod: "chatgpt", loginPort: 0, env: {} })
        const { authUrl } = yield* auth.startChatGptLogin
        const { redirectUri } = callbackOf(authUrl)
        expect((yield* httpGet(`${new URL(redirectUri).origin}/elsewhere`)).status).toBe(404)
        return redirectUri
      }))
      assert.isTrue(yield* isRefused(redirectUri))
    }))

  it.effect("times out after ten minutes", () =>
    Effect.gen(function*() {
      const { auth, changes } = yield* setUp()
      const { loginId, authUrl } = yield* auth.startChatGptLogin
      const ended = yield* Effect.forkChild(nextChanges(changes, 1))
      yield* TestClock.adjust("9 minutes")
      assert.isFalse(yield* isRefused(`${callbackOf(authUrl).origin}/elsewhere`))
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(yield* Fiber.join(ended), [{ _tag: "LoginComplete", loginId, success: false, error: "Login timed out" }])
      assert.isTrue(yield* isRefused(callbackOf(authUrl).redirectUri))
    }))
})
