/**
 * The ChatGPT device-code login through the AuthManager, with the mock issuer playing auth.openai.com's
 * device endpoints: the code handed out, the poll that waits while the code has not been entered, the
 * exchange of the authorization code (with the issuer's verifier and its device callback as redirect),
 * auth.json, the change events, an issuer without device login, and cancel.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { LOGIN_NOT_COMPLETED } from "../../src/auth/LoginServer.js"
import { DEVICE, GRANT, type MockIssuerOptions } from "../support/MockIssuer.js"
import { authJsonPath, buildAuthManager, fileMode, mockIssuer, nextChanges, readAuthJson, tempCodexHome, within } from "./AuthFixtures.js"

const setUp = (issuerOptions: MockIssuerOptions = {}) =>
  Effect.gen(function*() {
    const home = yield* tempCodexHome
    const issuer = yield* mockIssuer(issuerOptions)
    const auth = yield* buildAuthManager({ codexHome: home, preferredAuthMethod: "chatgpt", issuer: issuer.url, loginPort: 0, env: {} })
    const changes = yield* auth.changes
    return { home, issuer, auth, changes }
  })

const devicePolls = (paths: ReadonlyArray<{ readonly path: string }>) => paths.filter((r) => r.path === "/api/accounts/deviceauth/token").length

describe("ChatGPT device-code login", () => {
  it.live("hands out the issuer's code, waits until it is entered, then saves the tokens", () =>
    Effect.gen(function*() {
      const { home, issuer, auth, changes } = yield* setUp({ deviceInterval: "1" })
      const started = yield* auth.startDeviceCodeLogin
      assert.deepStrictEqual({ ...started, loginId: "" }, { loginId: "", verificationUrl: `${issuer.url}/codex/device`, userCode: DEVICE.userCode })
      expect(issuer.requests.find((r) => r.path === "/api/accounts/deviceauth/usercode")?.body).toEqual({ client_id: "app_EMoamEEZ73f0CkXaXp7hrann" })

      // Not entered yet: the poll is refused (403) and tried again after the interval, nothing is saved.
      yield* Effect.promise(() => issuer.waitForRequests("", 2))
      expect(devicePolls(issuer.requests)).toBeGreaterThanOrEqual(1)
      expect(issuer.count(GRANT.code)).toBe(0)
      issuer.approveDevice()

      assert.deepStrictEqual(yield* nextChanges(changes, 2).pipe(within("LoginComplete and StatusChange", 10_000)), [
        { _tag: "LoginComplete", loginId: started.loginId, success: true },
        { _tag: "StatusChange", authMethod: "chatgpt" }
      ])
      const exchange = issuer.requests.find((r) => r.grant === GRANT.code)!
      expect(exchange.body).toMatchObject({
        code: DEVICE.authorizationCode,
        code_verifier: DEVICE.codeVerifier,
        redirect_uri: `${issuer.url}/deviceauth/callback`,
        client_id: "app_EMoamEEZ73f0CkXaXp7hrann"
      })
      expect(issuer.requests.find((r) => r.path === "/api/accounts/deviceauth/token")?.body).toEqual({
        device_auth_id: DEVICE.authId,
        user_code: DEVICE.userCode
      })
      expect(fileMode(authJsonPath(home))).toBe(0o600)
      expect(readAuthJson(home)).toMatchObject({ OPENAI_API_KEY: "sk-from-exchange", tokens: { access_token: "access-1", account_id: "acct-123" } })
      assert.deepStrictEqual(yield* auth.token, Option.some({ token: "access-1", accountId: "acct-123", mode: "chatgpt" as const }))
      assert.deepStrictEqual(yield* auth.awaitLogin(started.loginId), { success: true })
    }))

  it.live("is cancelled like a browser login: not completed, nothing saved, its polling ended", () =>
    Effect.gen(function*() {
      const { home, issuer, auth, changes } = yield* setUp({ deviceInterval: "1" })
      const first = yield* auth.startDeviceCodeLogin
      yield* Effect.promise(() => issuer.waitForRequests("", 2))
      yield* auth.cancelChatGptLogin(first.loginId)
      assert.deepStrictEqual(yield* nextChanges(changes, 1).pipe(within("LoginComplete")), [
        { _tag: "LoginComplete", loginId: first.loginId, success: false, error: LOGIN_NOT_COMPLETED }
      ])
      assert.deepStrictEqual(yield* auth.awaitLogin(first.loginId), { success: false, error: LOGIN_NOT_COMPLETED })
      expect(issuer.count(GRANT.code)).toBe(0)
      // Once the code is entered, only the login still running exchanges it: the cancelled one polls no more.
      issuer.approveDevice()
      const second = yield* auth.startDeviceCodeLogin
      assert.deepStrictEqual(yield* auth.awaitLogin(second.loginId).pipe(within("the second login", 10_000)), { success: true })
      expect(issuer.count(GRANT.code)).toBe(1)
      expect(readAuthJson(home).tokens?.access_token).toBe("access-1")
    }))

  it.live("fails to start, naming why, when the issuer has no device login (404)", () =>
    Effect.gen(function*() {
      const home = yield* tempCodexHome
      const plain = yield* Effect.acquireRelease(
        Effect.callback<ReturnType<typeof createServer>>((resume) => {
          const server = createServer((_request, response) => response.writeHead(404).end())
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`
      const auth = yield* buildAuthManager({ codexHome: home, preferredAuthMethod: "chatgpt", issuer: url, loginPort: 0, env: {} })
      const failed = yield* Effect.flip(auth.startDeviceCodeLogin)
      expect(failed.message).toBe("device code login is not enabled for this Codex server. Use the browser login or verify the server URL.")
    }))
})
