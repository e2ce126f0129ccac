/**
 * The AuthManager without the browser login: status from auth.json and the environment, the cache
 * and `reload`, stored keys, logout, a corrupt auth.json, and token refresh against the mock issuer
 * (proactive when 28 days old, after a 401, shared between concurrent callers, failures).
 */
import { existsSync, readFileSync } from "node:fs"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import type { AuthOptions } from "../../src/services/AuthManager.js"
import { GRANT, type MockIssuer } from "../support/MockIssuer.js"
import {
  authJsonPath,
  buildAuthManager,
  chatGptAuthJson,
  DAY_MS,
  fileMode,
  mockIssuer,
  nextChanges,
  readAuthJson,
  seedAuthJson,
  tempCodexHome,
  within
} from "./AuthFixtures.js"

const options = (codexHome: string, extra: Partial<AuthOptions> = {}): AuthOptions => ({
  codexHome,
  preferredAuthMethod: "chatgpt",
  issuer: "http://127.0.0.1:9",
  loginPort: 0,
  env: {},
  ...extra
})

/** A CODEX_HOME seeded with `contents` (when given) and a manager over it. */
const setUp = (contents?: object | string, extra: Partial<AuthOptions> = {}) =>
  Effect.gen(function*() {
    const home = yield* tempCodexHome
    if (contents !== undefined) yield* seedAuthJson(home, contents)
    const auth = yield* buildAuthManager(options(home, extra))
    return { home, auth }
  })

/** A manager over ChatGPT tokens refreshed `ageDays` ago, talking to a fresh mock issuer. */
const setUpChatGpt = (ageDays: number) =>
  Effect.gen(function*() {
    const issuer = yield* mockIssuer()
    const { home, auth } = yield* setUp(chatGptAuthJson(ageDays), { issuer: issuer.url })
    return { home, auth, issuer }
  })

/** Holds the issuer's refresh answers until `body` has had its callers all waiting on the first one. */
const withRefreshHeld = <A, E>(issuer: MockIssuer, callers: ReadonlyArray<Effect.Effect<A, E>>) =>
  Effect.gen(function*() {
    const release = issuer.hold(GRANT.refresh)
    const fibers = yield* Effect.forEach(callers, (caller) => Effect.forkChild(caller))
    yield* Effect.promise(() => issuer.waitForRequests(GRANT.refresh, 1))
    release()
    return yield* Fiber.joinAll(fibers).pipe(within("the refresh callers"))
  })

describe("status", () => {
  it.live("is signed out with no auth.json and no environment key", () =>
    Effect.gen(function*() {
      const { auth } = yield* setUp()
      assert.isTrue(Option.isNone(yield* auth.current))
      assert.isTrue(Option.isNone(yield* auth.token))
      assert.strictEqual(yield* auth.authMethod, undefined)
      assert.strictEqual(auth.preferredAuthMethod, "chatgpt")
    }))

  it.live("uses the API key stored in auth.json, before the environment's", () =>
    Effect.gen(function*() {
      const { auth } = yield* setUp({ OPENAI_API_KEY: "sk-file" }, { env: { OPENAI_API_KEY: "sk-env" } })
      assert.deepStrictEqual(yield* auth.current, Option.some({ mode: "apikey" as const, hasToken: true }))
      assert.deepStrictEqual(yield* auth.token, Option.some({ token: "sk-file", accountId: undefined, mode: "apikey" as const }))
    }))

  it.live("uses OPENAI_API_KEY from the environment when there is no auth.json", () =>
    Effect.gen(function*() {
      const { auth } = yield* setUp(undefined, { env: { OPENAI_API_KEY: "sk-env" } })
      assert.deepStrictEqual(yield* auth.token, Option.some({ token: "sk-env", accountId: undefined, mode: "apikey" as const }))
    }))

  it.live("gives the ChatGPT access token and account id", () =>
    Effect.gen(function*() {
      const { auth } = yield* setUp(chatGptAuthJson(1))
      assert.deepStrictEqual(yield* auth.token, Option.some({ token: "access-stale", accountId: "acct-123", mode: "chatgpt" as const }))
    }))

  it.live("reports ChatGPT mode without a token when auth.json holds neither key nor tokens", () =>
    Effect.gen(function*() {
      const { auth } = yield* setUp({ OPENAI_API_KEY: null })
      assert.deepStrictEqual(yield* auth.current, Option.some({ mode: "chatgpt" as const, hasToken: false }))
      assert.isTrue(Option.isNone(yield* auth.token))
    }))

  it.live("reads auth.json once; `reload` sees edits and says whether the method changed", () =>
    Effect.gen(function*() {
      const { home, auth } = yield* setUp()
      yield* seedAuthJson(home, { OPENAI_API_KEY: "sk-later" })
      assert.isTrue(Option.isNone(yield* auth.token))
      assert.isTrue(yield* auth.reload)
      assert.strictEqual(yield* auth.authMethod, "apikey")
      yield* seedAuthJson(home, { OPENAI_API_KEY: "sk-other" })
      assert.isFalse(yield* auth.reload)
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "sk-other")
    }))
})

describe("stored keys and logout", () => {
  it.live("loginApiKey writes a 0600 auth.json holding only the key, and announces the method", () =>
    Effect.gen(function*() {
      const { home, auth } = yield* setUp(chatGptAuthJson(1))
      const changes = yield* auth.changes
      yield* auth.loginApiKey("sk-new")
      assert.deepStrictEqual(yield* nextChanges(changes, 1).pipe(within("StatusChange")), [{ _tag: "StatusChange", authMethod: "apikey" }])
      expect(readAuthJson(home)).toEqual({ OPENAI_API_KEY: "sk-new" })
      expect(fileMode(authJsonPath(home))).toBe(0o600)
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "sk-new")
    }))

  it.live("refuses an empty key", () =>
    Effect.gen(function*() {
      const { home, auth } = yield* setUp()
      const error = yield* Effect.flip(auth.loginApiKey(""))
      expect(error.message).toBe("the API key is empty")
      assert.isFalse(existsSync(authJsonPath(home)))
    }))

  it.live("logout removes auth.json and reports the environment's key that remains", () =>
    Effect.gen(function*() {
      const { home, auth } = yield* setUp({ OPENAI_API_KEY: "sk-file" }, { env: { OPENAI_API_KEY: "sk-env" } })
      const changes = yield* auth.changes
      yield* auth.logout
      assert.isFalse(existsSync(authJsonPath(home)))
      assert.deepStrictEqual(yield* nextChanges(changes, 1).pipe(within("StatusChange")), [{ _tag: "StatusChange", authMethod: "apikey" }])
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "sk-env")
    }))

  it.live("logout without an environment key signs out, and is fine with no file", () =>
    Effect.gen(function*() {
      const { auth } = yield* setUp({ OPENAI_API_KEY: "sk-file" })
      const changes = yield* auth.changes
      yield* auth.logout
      yield* auth.logout
      assert.deepStrictEqual(yield* nextChanges(changes, 2).pipe(within("two StatusChanges")), [
        { _tag: "StatusChange" },
        { _tag: "StatusChange" }
      ])
      assert.isTrue(Option.isNone(yield* auth.current))
    }))
})

describe("a corrupt auth.json", () => {
  it.live("fails token with an error naming the file, ignores the environment, and is left untouched", () =>
    Effect.gen(function*() {
      const { home, auth } = yield* setUp("{ not json", { env: { OPENAI_API_KEY: "sk-env" } })
      const error = yield* Effect.flip(auth.token)
      expect(error._tag).toBe("AuthError")
      expect(error.message).toContain(authJsonPath(home))
      assert.isTrue(Option.isNone(yield* auth.current))
      yield* auth.refresh
      assert.isFalse(yield* auth.reload)
      expect(readFileSync(authJsonPath(home), "utf8")).toBe("{ not json")
    }))

  it.live("is replaced by a stored key", () =>
    Effect.gen(function*() {
      const { home, auth } = yield* setUp("{ not json")
      yield* auth.loginApiKey("sk-new")
      expect(readAuthJson(home)).toEqual({ OPENAI_API_KEY: "sk-new" })
      assert.strictEqual(yield* auth.authMethod, "apikey")
    }))
})

describe("token refresh", () => {
  it.live("refreshes a 29-day-old token once for two concurrent callers, who both get the new token", () =>
    Effect.gen(function*() {
      const { home, auth, issuer } = yield* setUpChatGpt(29)
      const before = Date.now()
      const tokens = yield* withRefreshHeld(issuer, [auth.token, auth.token])
      assert.deepStrictEqual(tokens.map((token) => Option.getOrUndefined(token)?.token), ["access-refreshed-1", "access-refreshed-1"])
      assert.strictEqual(issuer.count(GRANT.refresh), 1)
      const request = issuer.requests.find((r) => r.grant === GRANT.refresh)!
      expect(request.contentType).toContain("application/json")
      expect(request.body).toEqual({
        client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
        grant_type: "refresh_token",
        refresh_token: "refresh-stale",
        scope: "openid profile email"
      })
      const saved = readAuthJson(home)
      expect(saved.tokens).toEqual({ id_token: issuer.idToken, access_token: "access-refreshed-1", refresh_token: "refresh-1", account_id: "acct-123" })
      expect(Date.parse(saved.last_refresh!)).toBeGreaterThanOrEqual(before - 1000)
      expect(fileMode(authJsonPath(home))).toBe(0o600)
      // Fresh now: no further refresh.
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "access-refreshed-1")
      assert.strictEqual(issuer.count(GRANT.refresh), 1)
    }))

  it.live("does not refresh a token younger than 28 days", () =>
    Effect.gen(function*() {
      const { auth, issuer } = yield* setUpChatGpt(27)
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "access-stale")
      assert.strictEqual(issuer.count(GRANT.refresh), 0)
    }))

  it.live("shares one request between concurrent explicit refreshes", () =>
    Effect.gen(function*() {
      const { auth, issuer } = yield* setUpChatGpt(1)
      yield* withRefreshHeld(issuer, [auth.refresh, auth.refresh, auth.refresh])
      assert.strictEqual(issuer.count(GRANT.refresh), 1)
      yield* auth.refresh
      assert.strictEqual(issuer.count(GRANT.refresh), 2)
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "access-refreshed-2")
    }))

  it.live("refreshes once when two callers report a 401 for the same token; a stale 401 later does nothing", () =>
    Effect.gen(function*() {
      const { auth, issuer } = yield* setUpChatGpt(1)
      yield* withRefreshHeld(issuer, [auth.onUnauthorized("access-stale"), auth.onUnauthorized("access-stale")])
      assert.strictEqual(issuer.count(GRANT.refresh), 1)
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "access-refreshed-1")
      yield* auth.onUnauthorized("access-stale")
      assert.strictEqual(issuer.count(GRANT.refresh), 1)
      yield* auth.onUnauthorized("access-refreshed-1")
      assert.strictEqual(issuer.count(GRANT.refresh), 2)
    }))

  it.live("does nothing for an API key", () =>
    Effect.gen(function*() {
      const issuer = yield* mockIssuer()
      const { auth } = yield* setUp({ OPENAI_API_KEY: "sk-file" }, { issuer: issuer.url })
      yield* auth.refresh
      yield* auth.onUnauthorized("sk-file")
      assert.strictEqual(issuer.count(GRANT.refresh), 0)
    }))

  it.live("fails with `Failed to refresh token: <status>` and leaves auth.json as it was", () =>
    Effect.gen(function*() {
      const { home, auth, issuer } = yield* setUpChatGpt(29)
      issuer.failing.set(GRANT.refresh, 401)
      const before = readFileSync(authJsonPath(home), "utf8")
      const error = yield* Effect.flip(auth.token)
      expect(error.message).toBe("Failed to refresh token: 401")
      expect(error.message).not.toContain("refresh-stale")
      expect(readFileSync(authJsonPath(home), "utf8")).toBe(before)
      // A failed refresh is not remembered: the next caller tries again, and can succeed.
      issuer.failing.delete(GRANT.refresh)
      assert.strictEqual(Option.getOrUndefined(yield* auth.token)?.token, "access-refreshed-1")
    }))

  it.live("reports an unreachable issuer as a refresh failure", () =>
    Effect.gen(function*() {
      const { auth } = yield* setUp(chatGptAuthJson(29), { issuer: "http://127.0.0.1:9" })
      const error = yield* Effect.flip(auth.refresh)
      expect(error.message).toMatch(/^Failed to refresh token: /)
    }))

  it.live("keeps the stored account id and API key through a refresh", () =>
    Effect.gen(function*() {
      const issuer = yield* mockIssuer({ accountId: "acct-other" })
      const seeded = { ...chatGptAuthJson(29), OPENAI_API_KEY: "sk-kept" }
      const { home, auth } = yield* setUp(seeded, { issuer: issuer.url })
      yield* auth.refresh
      const saved = readAuthJson(home)
      expect(saved.OPENAI_API_KEY).toBe("sk-kept")
      expect(saved.tokens?.account_id).toBe("acct-123")
      expect(Date.now() - Date.parse(saved.last_refresh!)).toBeLessThan(DAY_MS)
    }))
})
