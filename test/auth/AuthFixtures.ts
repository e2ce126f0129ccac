/**
 * Shared set-up for the auth tests: a temp CODEX_HOME, the mock issuer, an AuthManager built into the
 * test's scope, auth.json seeds, plain HTTP calls to the login server, and a bounded wait that fails
 * loudly instead of hanging.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer, Stream } from "effect"
import { AuthManager, type AuthOptions } from "../../src/services/AuthManager.js"
import { chatGptClaims, fakeJwt, type MockIssuerOptions, startMockIssuer } from "../support/MockIssuer.js"

export const DAY_MS = 24 * 60 * 60 * 1000

/** A fresh CODEX_HOME, removed with the test's scope. */
export const tempCodexHome = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "codex-auth-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

export const mockIssuer = (options: MockIssuerOptions = {}) =>
  Effect.acquireRelease(Effect.promise(() => startMockIssuer(options)), (issuer) => Effect.promise(() => issuer.close()))

/** An AuthManager living as long as the test's scope (closing the scope is a shutdown). */
export const buildAuthManager = (options: AuthOptions) =>
  Layer.build(AuthManager.layer(options)).pipe(Effect.map(Context.get(AuthManager)))

export const authJsonPath = (codexHome: string) => join(codexHome, "auth.json")

export const seedAuthJson = (codexHome: string, contents: object | string) =>
  Effect.sync(() =>
    writeFileSync(authJsonPath(codexHome), typeof contents === "string" ? contents : JSON.stringify(contents, null, 2))
  )

/** auth.json as written on disk. */
export interface StoredAuthJson {
  readonly OPENAI_API_KEY: string | null
  readonly tokens?: {
    readonly id_token: string
    readonly access_token: string
    readonly refresh_token: string
    readonly account_id: string | null
  }
  readonly last_refresh?: string
}

export const readAuthJson = (codexHome: string): StoredAuthJson => JSON.parse(readFileSync(authJsonPath(codexHome), "utf8"))

export const fileMode = (path: string) => statSync(path).mode & 0o777

/** auth.json holding ChatGPT tokens only, refreshed `ageDays` before `now`. */
export const chatGptAuthJson = (ageDays: number, now = Date.now()) => ({
  OPENAI_API_KEY: null,
  tokens: {
    id_token: fakeJwt(chatGptClaims({ email: "a@example.com", plan: "plus", accountId: "acct-123" })),
    access_token: "access-stale",
    refresh_token: "refresh-stale",
    account_id: "acct-123"
  },
  last_refresh: new Date(now - ageDays * DAY_MS).toISOString()
})

/** Fails the test (as a defect naming `what`) when `self` takes longer than `ms` of real time. */
export const within = (what: string, ms = 5_000) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(self, {
    duration: ms,
    orElse: () => Effect.die(new Error(`timed out after ${ms} ms waiting for ${what}`))
  })

/** The next `count` elements of a `changes` subscription. */
export const nextChanges = <A>(changes: Stream.Stream<A>, count: number) => Stream.runCollect(Stream.take(changes, count))

export interface HttpAnswer {
  readonly status: number
  readonly location: string | null
  readonly contentType: string | null
  readonly body: string
}

/** A GET that does not follow redirects. */
export const httpGet = (url: string) =>
  Effect.promise(async (): Promise<HttpAnswer> => {
    const response = await fetch(url, { redirect: "manual" })
    return {
      status: response.status,
      location: response.headers.get("location"),
      contentType: response.headers.get("content-type"),
      body: await response.text()
    }
  })

/** True when nothing accepts connections at this URL any more. */
export const isRefused = (url: string) =>
  Effect.promise(() => fetch(url, { redirect: "manual" }).then(() => false, () => true))

/** What a browser needs from the authorize URL to play the issuer's part. */
export const callbackOf = (authUrl: string) => {
  const params = new URL(authUrl).searchParams
  const redirectUri = params.get("redirect_uri") ?? ""
  const state = params.get("state") ?? ""
  return {
    redirectUri,
    state,
    challenge: params.get("code_challenge") ?? "",
    origin: new URL(redirectUri).origin,
    callbackUrl: (query: Record<string, string>) => `${redirectUri}?${new URLSearchParams(query).toString()}`
  }
}
