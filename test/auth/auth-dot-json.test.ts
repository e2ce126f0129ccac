/**
 * auth.json on disk: the exact written form, mode 0600 and atomic replacement, reading a
 * missing, lenient or corrupt file (the error names the file), deleting, and how a login and a
 * refresh change the stored contents.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Option } from "effect"
import {
  type AuthDotJson,
  deleteAuthFile,
  readAuthFile,
  renderAuthDotJson,
  withLogin,
  withRefresh,
  writeAuthFile
} from "../../src/auth/AuthDotJson.js"
import { chatGptClaims, fakeJwt } from "../support/MockIssuer.js"
import { authJsonPath, fileMode, seedAuthJson, tempCodexHome } from "./AuthFixtures.js"

const when = DateTime.makeUnsafe("2025-08-06T20:41:36.232Z")
const tokens = { id_token: "id.jwt", access_token: "access", refresh_token: "refresh", account_id: "acct" }

describe("renderAuthDotJson", () => {
  it("always writes OPENAI_API_KEY, omits absent tokens and last_refresh, pretty-prints", () => {
    expect(renderAuthDotJson({ OPENAI_API_KEY: "sk-1" })).toBe(`{\n  "OPENAI_API_KEY": "sk-1"\n}\n`)
    expect(renderAuthDotJson({ OPENAI_API_KEY: null, tokens: null, last_refresh: null })).toBe(`{\n  "OPENAI_API_KEY": null\n}\n`)
  })

  it("writes tokens (account_id null when unknown) and an RFC 3339 UTC last_refresh", () => {
    const text = renderAuthDotJson({ OPENAI_API_KEY: null, tokens: { ...tokens, account_id: null }, last_refresh: when })
    expect(JSON.parse(text)).toEqual({
      OPENAI_API_KEY: null,
      tokens: { id_token: "id.jwt", access_token: "access", refresh_token: "refresh", account_id: null },
      last_refresh: "2025-08-06T20:41:36.232Z"
    })
    expect(Object.keys(JSON.parse(text))).toEqual(["OPENAI_API_KEY", "tokens", "last_refresh"])
  })
})

describe("reading and writing auth.json", () => {
  it.effect("writes with mode 0600 through a temp file that does not stay behind", () =>
    Effect.gen(function*() {
      const home = yield* tempCodexHome
      yield* seedAuthJson(home, { OPENAI_API_KEY: "old" })
      chmodSync(authJsonPath(home), 0o644)
      yield* writeAuthFile(home, { OPENAI_API_KEY: "sk-new", tokens, last_refresh: when })
      expect(fileMode(authJsonPath(home))).toBe(0o600)
      expect(readdirSync(home)).toEqual(["auth.json"])
      const read = yield* readAuthFile(home)
      assert.deepStrictEqual(read, Option.some<AuthDotJson>({ OPENAI_API_KEY: "sk-new", tokens, last_refresh: when }))
    }))

  it.effect("creates CODEX_HOME when it does not exist yet", () =>
    Effect.gen(function*() {
      const home = join(yield* tempCodexHome, "not", "yet")
      yield* writeAuthFile(home, { OPENAI_API_KEY: "sk" })
      expect(JSON.parse(readFileSync(authJsonPath(home), "utf8"))).toEqual({ OPENAI_API_KEY: "sk" })
    }))

  it.effect("reads a missing file as None and fills missing keys leniently", () =>
    Effect.gen(function*() {
      const home = yield* tempCodexHome
      assert.isTrue(Option.isNone(yield* readAuthFile(home)))
      yield* seedAuthJson(home, { tokens: { id_token: "i", access_token: "a", refresh_token: "r" }, extra: true })
      assert.deepStrictEqual(
        yield* readAuthFile(home),
        Option.some<AuthDotJson>({ OPENAI_API_KEY: null, tokens: { id_token: "i", access_token: "a", refresh_token: "r", account_id: null } })
      )
    }))

  it.effect.each([
    ["not JSON", "{ not json"],
    ["a key of the wrong type", `{"OPENAI_API_KEY": 3}`],
    ["tokens missing a field", `{"tokens": {"id_token": "i"}}`],
    ["a last_refresh that is not a date", `{"last_refresh": "yesterday"}`]
  ])("reports a corrupt file (%s) naming it, and leaves it alone", ([_name, text]) =>
    Effect.gen(function*() {
      const home = yield* tempCodexHome
      yield* seedAuthJson(home, text)
      const error = yield* Effect.flip(readAuthFile(home))
      expect(error._tag).toBe("AuthFileCorrupt")
      expect(error.path).toBe(authJsonPath(home))
      expect(error.message).toContain(authJsonPath(home))
      expect(readFileSync(authJsonPath(home), "utf8")).toBe(text)
    }))

  it.effect("reports an unreadable file (a directory) as corrupt, naming it", () =>
    Effect.gen(function*() {
      const home = yield* tempCodexHome
      mkdirSync(authJsonPath(home))
      const error = yield* Effect.flip(readAuthFile(home))
      expect(error.message).toContain(authJsonPath(home))
    }))

  it.effect("deletes the file, and says whether there was one", () =>
    Effect.gen(function*() {
      const home = yield* tempCodexHome
      yield* seedAuthJson(home, { OPENAI_API_KEY: "sk" })
      assert.isTrue(yield* deleteAuthFile(home))
      assert.isFalse(existsSync(authJsonPath(home)))
      assert.isFalse(yield* deleteAuthFile(home))
    }))
})

describe("how a login and a refresh change auth.json", () => {
  const idToken = fakeJwt(chatGptClaims({ email: "a@b.c", plan: "plus", accountId: "acct-login" }))
  const login = { idToken, accessToken: "access-1", refreshToken: "refresh-1" }

  it("a login stores the tokens, the account id from the id_token, the new key, and the time", () => {
    expect(withLogin(Option.none(), { ...login, apiKey: "sk-exchanged" }, when)).toEqual({
      OPENAI_API_KEY: "sk-exchanged",
      tokens: { id_token: idToken, access_token: "access-1", refresh_token: "refresh-1", account_id: "acct-login" },
      last_refresh: when
    })
  })

  it("a login without a new key keeps the stored one, and replaces old tokens", () => {
    const stored: AuthDotJson = { OPENAI_API_KEY: "sk-old", tokens }
    const after = withLogin(Option.some(stored), { ...login, apiKey: undefined }, when)
    expect(after.OPENAI_API_KEY).toBe("sk-old")
    expect(after.tokens?.access_token).toBe("access-1")
    expect(withLogin(Option.none(), { ...login, apiKey: undefined }, when).OPENAI_API_KEY).toBeNull()
  })

  it("a refresh replaces only the returned tokens and keeps the key and account id", () => {
    const stored: AuthDotJson = { OPENAI_API_KEY: "sk-keep", tokens, last_refresh: DateTime.subtract(when, { days: 30 }) }
    expect(withRefresh(stored, tokens, { idToken: undefined, accessToken: "access-2", refreshToken: undefined }, when)).toEqual({
      OPENAI_API_KEY: "sk-keep",
      tokens: { id_token: "id.jwt", access_token: "access-2", refresh_token: "refresh", account_id: "acct" },
      last_refresh: when
    })
  })

  it("a refresh of a file that lost its tokens starts from the tokens that were refreshed", () => {
    const after = withRefresh({ OPENAI_API_KEY: null }, { ...tokens, account_id: null }, {
      idToken,
      accessToken: "access-2",
      refreshToken: "refresh-2"
    }, when)
    expect(after.tokens).toEqual({ id_token: idToken, access_token: "access-2", refresh_token: "refresh-2", account_id: "acct-login" })
  })
})
