/**
 * The pure parts of auth: choosing credentials from auth.json, the environment and the
 * preferred method; the token a choice gives; when ChatGPT tokens are stale; id_token claims; and
 * the authorization request (PKCE S256, state, the exact authorize URL).
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Option, Redacted, Result } from "effect"
import type { AuthDotJson } from "../../src/auth/AuthDotJson.js"
import { authFileCorrupt } from "../../src/auth/AuthError.js"
import { authorizeUrl, makePkce, makeState, pkceChallenge, redirectUriFor } from "../../src/auth/AuthorizationRequest.js"
import { idTokenClaims } from "../../src/auth/IdTokenClaims.js"
import { type CodexAuth, needsRefresh, resolveAuth, type StoredAuth, tokenOf } from "../../src/auth/ResolveAuth.js"
import type { AuthMode } from "../../src/rpc/Enums.js"
import { chatGptClaims, fakeJwt } from "../support/MockIssuer.js"

const tokensWith = (claims: Record<string, unknown> | string) => ({
  id_token: typeof claims === "string" ? claims : fakeJwt(claims),
  access_token: "access",
  refresh_token: "refresh",
  account_id: "acct"
})

const present = (file: Partial<AuthDotJson>): StoredAuth => Result.succeed(Option.some({ OPENAI_API_KEY: null, ...file }))
const missing: StoredAuth = Result.succeed(Option.none())
const corrupt: StoredAuth = Result.fail(authFileCorrupt("/home/u/.codex/auth.json", "Expected a valid JSON string"))

/** A resolution as a short string, so the table reads at a glance. */
const summary = (auth: CodexAuth | undefined) =>
  auth === undefined
    ? "none"
    : auth._tag === "ApiKey"
    ? `apikey ${Redacted.value(auth.apiKey)}`
    : `chatgpt ${auth.tokens === undefined ? "(no tokens)" : Redacted.value(auth.tokens).access_token}`

const keyAndPlan = (plan: string | undefined, email = "u@example.com") =>
  present({ OPENAI_API_KEY: "sk-file", tokens: tokensWith(chatGptClaims({ email, ...(plan !== undefined ? { plan } : {}) })) })

describe("resolveAuth", () => {
  const table: ReadonlyArray<readonly [string, StoredAuth, string | undefined, AuthMode, string]> = [
    ["no file, no env key", missing, undefined, "chatgpt", "none"],
    ["no file, empty env key", missing, "", "chatgpt", "none"],
    ["no file, env key", missing, "sk-env", "chatgpt", "apikey sk-env"],
    ["no file, env key, apikey preferred", missing, "sk-env", "apikey", "apikey sk-env"],
    ["corrupt file: the env key is not consulted", corrupt, "sk-env", "chatgpt", "none"],
    ["key in file beats env key", present({ OPENAI_API_KEY: "sk-file" }), "sk-env", "chatgpt", "apikey sk-file"],
    ["tokens only", present({ tokens: tokensWith(chatGptClaims({ plan: "plus" })) }), "sk-env", "apikey", "chatgpt access"],
    ["neither key nor tokens: chatgpt without a token", present({}), "sk-env", "chatgpt", "chatgpt (no tokens)"],
    ["null tokens: chatgpt without a token", present({ tokens: null }), undefined, "chatgpt", "chatgpt (no tokens)"],
    ["key + tokens, apikey preferred", keyAndPlan("plus"), undefined, "apikey", "apikey sk-file"],
    ["key + tokens, plus", keyAndPlan("plus"), undefined, "chatgpt", "chatgpt access"],
    ["key + tokens, free", keyAndPlan("free"), undefined, "chatgpt", "chatgpt access"],
    ["key + tokens, pro", keyAndPlan("pro"), undefined, "chatgpt", "chatgpt access"],
    ["key + tokens, team", keyAndPlan("team"), undefined, "chatgpt", "chatgpt access"],
    ["key + tokens, business", keyAndPlan("business"), undefined, "chatgpt", "apikey sk-file"],
    ["key + tokens, enterprise", keyAndPlan("enterprise"), undefined, "chatgpt", "apikey sk-file"],
    ["key + tokens, edu", keyAndPlan("edu"), undefined, "chatgpt", "apikey sk-file"],
    ["key + tokens, unknown plan", keyAndPlan("galaxy"), undefined, "chatgpt", "apikey sk-file"],
    ["key + tokens, no plan", keyAndPlan(undefined), undefined, "chatgpt", "apikey sk-file"],
    ["key + tokens, @openai.com on enterprise", keyAndPlan("enterprise", "dev@openai.com"), undefined, "chatgpt", "chatgpt access"],
    ["key + tokens, @openai.com, apikey preferred", keyAndPlan("enterprise", "dev@openai.com"), undefined, "apikey", "apikey sk-file"],
    ["key + tokens, id_token not a JWT", present({ OPENAI_API_KEY: "sk-file", tokens: tokensWith("garbage") }), undefined, "chatgpt", "apikey sk-file"]
  ]
  it.each(table)("%s", (_name, stored, envKey, preferred, expected) => {
    expect(summary(resolveAuth(stored, envKey, preferred))).toBe(expected)
  })
})

describe("tokenOf", () => {
  it("gives the API key, or the access token with the account id, or nothing", () => {
    expect(tokenOf(undefined)).toEqual(Option.none())
    expect(tokenOf(resolveAuth(missing, "sk-env", "chatgpt"))).toEqual(Option.some({ token: "sk-env", accountId: undefined, mode: "apikey" }))
    expect(tokenOf(resolveAuth(present({ tokens: tokensWith({}) }), undefined, "chatgpt")))
      .toEqual(Option.some({ token: "access", accountId: "acct", mode: "chatgpt" }))
    expect(tokenOf(resolveAuth(present({ tokens: { ...tokensWith({}), account_id: null } }), undefined, "chatgpt")))
      .toEqual(Option.some({ token: "access", accountId: undefined, mode: "chatgpt" }))
    expect(tokenOf(resolveAuth(present({}), undefined, "chatgpt"))).toEqual(Option.none())
  })

  it("keeps secrets out of the resolved value's printed form", () => {
    const auth = resolveAuth(present({ OPENAI_API_KEY: "sk-secret-value" }), undefined, "chatgpt")
    expect(String(JSON.stringify(auth))).not.toContain("sk-secret-value")
  })
})

describe("needsRefresh", () => {
  const now = DateTime.makeUnsafe("2025-09-01T00:00:00Z")
  const refreshedDaysAgo = (days: number | undefined): CodexAuth | undefined =>
    resolveAuth(present({
      tokens: tokensWith({}),
      ...(days !== undefined ? { last_refresh: DateTime.subtract(now, { days }) } : {})
    }), undefined, "chatgpt")
  it.each([
    ["refreshed 29 days ago", refreshedDaysAgo(29), true],
    ["refreshed 28 days and a minute ago", resolveAuth(present({ tokens: tokensWith({}), last_refresh: DateTime.subtract(now, { days: 28, minutes: 1 }) }), undefined, "chatgpt"), true],
    ["refreshed 27 days ago", refreshedDaysAgo(27), false],
    ["never refreshed (no last_refresh)", refreshedDaysAgo(undefined), false],
    ["an API key", resolveAuth(missing, "sk-env", "chatgpt"), false],
    ["chatgpt without tokens", resolveAuth(present({ last_refresh: DateTime.subtract(now, { days: 90 }) }), undefined, "chatgpt"), false],
    ["signed out", undefined, false]
  ] as const)("%s → %s", (_name, auth, expected) => {
    expect(needsRefresh(auth, now)).toBe(expected)
  })
})

describe("idTokenClaims", () => {
  it.each([
    ["all three claims", fakeJwt(chatGptClaims({ email: "a@b.c", plan: "pro", accountId: "acct-9" })), { email: "a@b.c", planType: "pro", accountId: "acct-9" }],
    ["email only", fakeJwt({ email: "a@b.c" }), { email: "a@b.c", planType: undefined, accountId: undefined }],
    ["not a JWT", "opaque-token", { email: undefined, planType: undefined, accountId: undefined }],
    ["payload not JSON", "aGVhZA.bm90IGpzb24.sig", { email: undefined, planType: undefined, accountId: undefined }],
    ["claims of the wrong type", fakeJwt({ email: 42 }), { email: undefined, planType: undefined, accountId: undefined }]
  ] as const)("%s", (_name, jwt, expected) => {
    expect(idTokenClaims(jwt)).toEqual(expected)
  })
})

describe("the authorization request", () => {
  it("derives the S256 challenge as RFC 7636 appendix B does", () => {
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
  })

  it("makes a fresh 64-byte verifier and 32-byte state each time, base64url without padding", () => {
    const [first, second] = [makePkce(), makePkce()]
    expect(first.verifier).toMatch(/^[A-Za-z0-9_-]{86}$/)
    expect(first.challenge).toBe(pkceChallenge(first.verifier))
    expect(second.verifier).not.toBe(first.verifier)
    expect(makeState()).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(makeState()).not.toBe(makeState())
  })

  it("builds the authorize URL exactly as the reference does", () => {
    expect(authorizeUrl({
      issuer: "https://auth.openai.com",
      clientId: "app_EMoamEEZ73f0CkXaXp7hrann",
      redirectUri: redirectUriFor(1455),
      codeChallenge: "CHALLENGE",
      state: "STATE"
    })).toBe(
      "https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann" +
        "&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&scope=openid%20profile%20email%20offline_access" +
        "&code_challenge=CHALLENGE&code_challenge_method=S256&id_token_add_organizations=true" +
        "&codex_cli_simplified_flow=true&state=STATE"
    )
  })
})
