/**
 * `CODEX_HOME/auth.json`: its schema, how a login or a refresh changes
 * it, and reading, writing and deleting it. Writes are atomic (temp file + rename) with mode 0600.
 * A file that cannot be read or decoded is an `AuthFileCorrupt` naming it; nothing here overwrites
 * such a file except a write the caller asked for (a new login or a stored key).
 */
import { randomBytes } from "node:crypto"
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { DateTime, Effect, Option, Result, Schema } from "effect"
import { readUntrustedText } from "../files/UntrustedFile.js"
import { AuthError, authFileCorrupt, type AuthFileCorrupt, describeCause } from "./AuthError.js"
import { idTokenClaims } from "./IdTokenClaims.js"

/** A key that may be missing when read and is always written, as `null` when empty. */
const nullWhenMissing = <S extends Schema.Top & { readonly Encoded: string }>(schema: S) =>
  Schema.NullOr(schema).pipe(Schema.withDecodingDefaultKey(Effect.succeed(null)))

export const TokenData = Schema.Struct({
  /** The raw JWT; its claims are read with `idTokenClaims`. */
  id_token: Schema.String,
  access_token: Schema.String,
  refresh_token: Schema.String,
  account_id: nullWhenMissing(Schema.String)
})
export type TokenData = typeof TokenData.Type

export const AuthDotJson = Schema.Struct({
  OPENAI_API_KEY: nullWhenMissing(Schema.String),
  tokens: Schema.optionalKey(Schema.NullOr(TokenData)),
  /** RFC 3339, UTC. */
  last_refresh: Schema.optionalKey(Schema.NullOr(Schema.DateTimeUtcFromString))
})
export type AuthDotJson = typeof AuthDotJson.Type

const decodeAuthDotJson = Schema.decodeUnknownResult(Schema.fromJsonString(AuthDotJson))
const encodeAuthDotJson = Schema.encodeSync(AuthDotJson)

export const authFilePath = (codexHome: string) => join(codexHome, "auth.json")

/** The file's text as it is written: pretty JSON, `tokens` and `last_refresh` omitted when absent. */
export const renderAuthDotJson = (auth: AuthDotJson): string => {
  const canonical: AuthDotJson = {
    OPENAI_API_KEY: auth.OPENAI_API_KEY,
    ...(auth.tokens != null ? { tokens: auth.tokens } : {}),
    ...(auth.last_refresh != null ? { last_refresh: auth.last_refresh } : {})
  }
  return JSON.stringify(encodeAuthDotJson(canonical), null, 2) + "\n"
}

/** What a successful browser login stores. */
interface LoginTokens {
  readonly idToken: string
  readonly accessToken: string
  readonly refreshToken: string
  /** From the API-key token exchange; absent when the issuer refused it. */
  readonly apiKey: string | undefined
}

/**
 * auth.json after a login: merged into the existing file (a corrupt or missing one counts as empty),
 * keeping a stored key unless the login obtained a new one.
 */
export const withLogin = (existing: Option.Option<AuthDotJson>, login: LoginTokens, now: DateTime.Utc): AuthDotJson => ({
  OPENAI_API_KEY: login.apiKey ?? Option.getOrUndefined(existing)?.OPENAI_API_KEY ?? null,
  tokens: {
    id_token: login.idToken,
    access_token: login.accessToken,
    refresh_token: login.refreshToken,
    account_id: idTokenClaims(login.idToken).accountId ?? null
  },
  last_refresh: now
})

/** What a refresh returns; a missing token keeps the stored one. */
export interface RefreshedTokens {
  readonly idToken: string | undefined
  readonly accessToken: string | undefined
  readonly refreshToken: string | undefined
}

/** auth.json after a refresh: the returned tokens replace the stored ones and `last_refresh` is now. */
export const withRefresh = (existing: AuthDotJson, stored: TokenData, refreshed: RefreshedTokens, now: DateTime.Utc): AuthDotJson => {
  const base = existing.tokens ?? stored
  const idToken = refreshed.idToken ?? base.id_token
  return {
    ...existing,
    tokens: {
      id_token: idToken,
      access_token: refreshed.accessToken ?? base.access_token,
      refresh_token: refreshed.refreshToken ?? base.refresh_token,
      account_id: base.account_id ?? idTokenClaims(idToken).accountId ?? null
    },
    last_refresh: now
  }
}

/** Node's "no such file" as `undefined`, so a missing file is a value rather than an error. */
const missingAsUndefined = <A>(promise: Promise<A>) =>
  promise.catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? undefined : Promise.reject(error)))

/** auth.json holds a few tokens; anything far larger is not one. */
const AUTH_FILE_MAX_BYTES = 1024 * 1024

/** The stored auth, `None` when there is no file, `AuthFileCorrupt` when it cannot be read or decoded. */
export const readAuthFile = Effect.fnUntraced(function*(codexHome: string): Effect.fn.Return<Option.Option<AuthDotJson>, AuthFileCorrupt> {
  const path = authFilePath(codexHome)
  const text = yield* readUntrustedText(path, { maxBytes: AUTH_FILE_MAX_BYTES }).pipe(
    Effect.catchTag("UntrustedFileError", (error) =>
      error.problem === "missing" ? Effect.succeed(undefined) : Effect.fail(authFileCorrupt(path, `cannot read it: ${error.reason}`)))
  )
  if (text === undefined) return Option.none()
  const decoded = decodeAuthDotJson(text)
  if (Result.isFailure(decoded)) return yield* authFileCorrupt(path, describeCause(decoded.failure))
  return Option.some(decoded.success)
})

/** Writes auth.json atomically with mode 0600, creating CODEX_HOME when needed. */
export const writeAuthFile = (codexHome: string, auth: AuthDotJson): Effect.Effect<void, AuthError> => {
  const path = authFilePath(codexHome)
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`
  return Effect.tryPromise({
    try: async () => {
      await mkdir(codexHome, { recursive: true, mode: 0o700 })
      await writeFile(temp, renderAuthDotJson(auth), { mode: 0o600 })
      // The umask may narrow the mode given to writeFile; make it exact.
      await chmod(temp, 0o600)
      await rename(temp, path)
    },
    catch: (error) => new AuthError({ message: `cannot write ${path}: ${describeCause(error)}` })
  }).pipe(Effect.tapError(() => Effect.promise(() => rm(temp, { force: true }))))
}

/** Deletes auth.json; true when there was one. */
export const deleteAuthFile = (codexHome: string): Effect.Effect<boolean, AuthError> => {
  const path = authFilePath(codexHome)
  return Effect.tryPromise({
    try: () => missingAsUndefined(rm(path).then(() => true)).then((removed) => removed === true),
    catch: (error) => new AuthError({ message: `cannot delete ${path}: ${describeCause(error)}` })
  })
}
