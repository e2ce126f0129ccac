/**
 * `CODEX_HOME/auth.json` (agent core §10.1): read, written atomically with mode 0600, deleted. A
 * corrupt file is an error that names the file, and it is never overwritten except by a new login.
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result, Schema } from "effect"

export const TokenData = Schema.Struct({
  id_token: Schema.String,
  access_token: Schema.String,
  refresh_token: Schema.String,
  account_id: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type TokenData = typeof TokenData.Type

export const AuthDotJson = Schema.Struct({
  OPENAI_API_KEY: Schema.optionalKey(Schema.NullOr(Schema.String)),
  tokens: Schema.optionalKey(Schema.NullOr(TokenData)),
  last_refresh: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type AuthDotJson = typeof AuthDotJson.Type

const decode = Schema.decodeUnknownResult(Schema.fromJsonString(AuthDotJson))

export const authFilePath = (codexHome: string) => join(codexHome, "auth.json")

export type AuthFile =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Present"; readonly auth: AuthDotJson }
  | { readonly _tag: "Corrupt"; readonly message: string }

export const readAuthFile = (codexHome: string): AuthFile => {
  const path = authFilePath(codexHome)
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { _tag: "Missing" }
    return { _tag: "Corrupt", message: `cannot read ${path}: ${String(error)}` }
  }
  const parsed = decode(text)
  return parsed._tag === "Success"
    ? { _tag: "Present", auth: parsed.success }
    : { _tag: "Corrupt", message: `${path} is not a valid auth file (${parsed.failure.message.replace(/\n\s*/g, " ")}); log in again to replace it` }
}

/** Pretty JSON, `OPENAI_API_KEY` always written (null when absent), mode 0600, temp file + rename. */
export const writeAuthFile = (codexHome: string, auth: AuthDotJson): Result.Result<void, string> => {
  const path = authFilePath(codexHome)
  const temp = `${path}.${process.pid}.tmp`
  try {
    const body = { OPENAI_API_KEY: auth.OPENAI_API_KEY ?? null, ...auth }
    writeFileSync(temp, JSON.stringify(body, null, 2) + "\n", { mode: 0o600 })
    chmodSync(temp, 0o600)
    renameSync(temp, path)
    return Result.succeed(undefined)
  } catch (error) {
    rmSync(temp, { force: true })
    return Result.fail(`cannot write ${path}: ${String(error)}`)
  }
}

/** Deletes auth.json; true when there was one. */
export const deleteAuthFile = (codexHome: string): Result.Result<boolean, string> => {
  try {
    rmSync(authFilePath(codexHome))
    return Result.succeed(true)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return Result.succeed(false)
    return Result.fail(String(error))
  }
}
