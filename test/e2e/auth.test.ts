/**
 * Auth end to end: status, API keys, the ChatGPT browser login
 * against a local mock issuer, cancel, logout, shared token refresh, the retry after a 401, and bad
 * input (wrong state, busy port, corrupt auth.json).
 */
import { readFileSync, statSync, writeFileSync, existsSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { fakeJwt, type MockIssuer, startMockIssuer } from "../support/MockIssuer.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

let server: ServerProcess | undefined
let issuer: MockIssuer | undefined
let model: MockModelServer | undefined
let blocker: Server | undefined

afterEach(async () => {
  server?.kill()
  server = undefined
  await issuer?.close()
  issuer = undefined
  await model?.close()
  model = undefined
  blocker?.close()
  blocker = undefined
})

const launch = async (options: { auth?: object | string; env?: Record<string, string>; loginPort?: number; turns?: ReadonlyArray<MockTurn> } = {}) => {
  issuer = await startMockIssuer()
  model = await startMockModelServer(options.turns ?? [])
  const codexHome = makeTempDir("codex-home-")
  const extra = `auth_issuer = "${issuer.url}"\nlogin_port = ${options.loginPort ?? 0}`
  // The mock stands in for OpenAI: only a provider that requires OpenAI auth is sent the signed-in credentials.
  const provider = "request_max_retries = 0\nstream_max_retries = 0\nrequires_openai_auth = true"
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never", extra, provider }))
  if (options.auth !== undefined) {
    writeFileSync(join(codexHome, "auth.json"), typeof options.auth === "string" ? options.auth : JSON.stringify(options.auth))
  }
  server = spawnServer({ codexHome, env: options.env ?? {} })
  await server.initialize()
  return { server, issuer, model, codexHome }
}

const chatgptTokens = (lastRefresh: Date) => ({
  OPENAI_API_KEY: null,
  tokens: {
    id_token: fakeJwt({ email: "a@example.com", "https://api.openai.com/auth": { chatgpt_plan_type: "plus" } }),
    access_token: "access-stale",
    refresh_token: "refresh-stale",
    account_id: "acct-123"
  },
  last_refresh: lastRefresh.toISOString()
})

describe("getAuthStatus", () => {
  it("reports no auth method when signed out", async () => {
    const { server } = await launch()
    const status = await server.request("getAuthStatus", { includeToken: true, refreshToken: false })
    expect(status.result).toEqual({ preferredAuthMethod: "chatgpt" })
  })

  it("reports an API key, with the token only when asked", async () => {
    const { server } = await launch({ auth: { OPENAI_API_KEY: "sk-test-key" } })
    expect((await server.request("getAuthStatus", { includeToken: true, refreshToken: false })).result).toEqual({
      authMethod: "apikey",
      preferredAuthMethod: "chatgpt",
      authToken: "sk-test-key"
    })
    expect((await server.request("getAuthStatus", { refreshToken: false })).result).toEqual({
      authMethod: "apikey",
      preferredAuthMethod: "chatgpt"
    })
  })

  it("stores a key with loginApiKey and announces it", async () => {
    const { server, codexHome } = await launch()
    expect((await server.request("loginApiKey", { apiKey: "sk-new" })).result).toEqual({})
    expect((await server.waitForNotification("authStatusChange")).params).toEqual({ authMethod: "apikey" })
    expect(JSON.parse(readFileSync(join(codexHome, "auth.json"), "utf8")).OPENAI_API_KEY).toBe("sk-new")
    expect(statSync(join(codexHome, "auth.json")).mode & 0o777).toBe(0o600)
  })
})

describe("ChatGPT login", () => {
  it("logs in through the callback, writes a 0600 auth.json and announces both notifications in order", async () => {
    const { server, issuer, codexHome } = await launch()
    const login = await server.request("loginChatGpt")
    const { loginId, authUrl } = login.result
    const url = new URL(authUrl)
    expect(url.origin + url.pathname).toBe(`${issuer.url}/oauth/authorize`)
    expect(url.searchParams.get("code_challenge_method")).toBe("S256")
    expect(url.searchParams.get("scope")).toBe("openid profile email offline_access")
    const redirect = url.searchParams.get("redirect_uri")!
    const state = url.searchParams.get("state")!

    const wrong = await fetch(`${redirect}?code=abc&state=not-the-state`)
    expect(wrong.status).toBe(400)
    const page = await fetch(`${redirect}?code=abc&state=${encodeURIComponent(state)}`)
    expect(page.status).toBe(200)

    const complete = await server.waitForNotification("loginChatGptComplete")
    expect(complete.params).toEqual({ loginId, success: true })
    const status = await server.waitForNotification("authStatusChange")
    expect(status.params).toEqual({ authMethod: "chatgpt" })
    expect(server.messages.indexOf(complete)).toBeLessThan(server.messages.indexOf(status))

    const saved = JSON.parse(readFileSync(join(codexHome, "auth.json"), "utf8"))
    expect(saved).toMatchObject({
      OPENAI_API_KEY: "sk-from-exchange",
      tokens: { access_token: "access-1", refresh_token: "refresh-0", account_id: "acct-123" }
    })
    expect(statSync(join(codexHome, "auth.json")).mode & 0o777).toBe(0o600)
    expect(issuer.requests.find((r) => r.grant === "authorization_code")?.body).toMatchObject({ code: "abc", code_verifier: expect.any(String) })
  })

  it("reports a token endpoint error as an unsuccessful login", async () => {
    const { server, issuer } = await launch()
    issuer.failing.set("authorization_code", 500)
    const { loginId, authUrl } = (await server.request("loginChatGpt")).result
    const url = new URL(authUrl)
    await fetch(`${url.searchParams.get("redirect_uri")}?code=abc&state=${encodeURIComponent(url.searchParams.get("state")!)}`)
    const complete = await server.waitForNotification("loginChatGptComplete")
    expect(complete.params).toEqual({ loginId, success: false, error: expect.stringContaining("500") })
  })

  it("cancels a login", async () => {
    const { server } = await launch()
    const { loginId } = (await server.request("loginChatGpt")).result
    expect((await server.request("cancelLoginChatGpt", { loginId })).result).toEqual({})
    const complete = await server.waitForNotification("loginChatGptComplete")
    expect(complete.params).toEqual({ loginId, success: false, error: "Login server error: Login was not completed" })
    expect((await server.request("cancelLoginChatGpt", { loginId })).error).toMatchObject({ code: -32600 })
  })

  it("answers -32603 with the reason when the login port is busy", async () => {
    blocker = createServer()
    await new Promise<void>((resolve) => blocker!.listen(0, "127.0.0.1", resolve))
    const port = (blocker.address() as { port: number }).port
    const { server } = await launch({ loginPort: port })
    const answer = await server.request("loginChatGpt")
    expect(answer.error).toMatchObject({ code: -32603, message: expect.stringMatching(/failed to start login server: .*EADDRINUSE/) })
  })
})

describe("logout", () => {
  it("removes auth.json and reports the environment's key if one is set", async () => {
    const { server, codexHome } = await launch({ auth: { OPENAI_API_KEY: "sk-file" }, env: { OPENAI_API_KEY: "sk-env" } })
    expect((await server.request("logoutChatGpt")).result).toEqual({})
    expect(existsSync(join(codexHome, "auth.json"))).toBe(false)
    expect((await server.waitForNotification("authStatusChange")).params).toEqual({ authMethod: "apikey" })
    expect((await server.request("getAuthStatus", { includeToken: true })).result).toMatchObject({ authToken: "sk-env" })
  })
})

describe("token refresh", () => {
  it("refreshes a stale token once for two concurrent conversations", async () => {
    const stale = new Date(Date.now() - 29 * 24 * 60 * 60 * 1000)
    const { server, issuer, model } = await launch({
      auth: chatgptTokens(stale),
      turns: [MockTurn.message("one"), MockTurn.message("two")]
    })
    const calls = ["a", "b"].map((prompt) => server.request("tools/call", { name: "codex", arguments: { prompt } }))
    const answers = await Promise.all(calls)
    expect(answers.map((a) => a.result.isError)).toEqual([undefined, undefined])
    expect(issuer.requests.filter((r) => r.grant === "refresh_token")).toHaveLength(1)
    expect(model.requests.map((r) => r.headers.authorization)).toEqual(["Bearer access-refreshed-1", "Bearer access-refreshed-1"])
    expect(model.requests.map((r) => r.headers["chatgpt-account-id"])).toEqual(["acct-123", "acct-123"])
  })

  it("answers a 401 from the model with one refresh and a retry", async () => {
    const { server, issuer, model } = await launch({
      auth: chatgptTokens(new Date()),
      turns: [MockTurn.status(401), MockTurn.message("after refresh")]
    })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(answer.result.content[0].text).toBe("after refresh")
    expect(issuer.requests.filter((r) => r.grant === "refresh_token")).toHaveLength(1)
    expect(model.requests.map((r) => r.headers.authorization)).toEqual(["Bearer access-stale", "Bearer access-refreshed-1"])
  })
})

describe("corrupt auth.json", () => {
  it("names the file in the turn's error and leaves it untouched", async () => {
    const { server, codexHome } = await launch({ auth: "{ not json", turns: [MockTurn.message("never")] })
    expect((await server.request("getAuthStatus", {})).result).toEqual({ preferredAuthMethod: "chatgpt" })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toContain(join(codexHome, "auth.json"))
    expect(readFileSync(join(codexHome, "auth.json"), "utf8")).toBe("{ not json")
  })
})
