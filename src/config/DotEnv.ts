/**
 * `CODEX_HOME/.env`, loaded once at start-up into the environment the agent sees (as the reference
 * does): a place for provider keys that should not live in a shell profile. A variable already set
 * is never overridden, and no `CODEX_*` variable (any case) is taken from the file, so it cannot move
 * CODEX_HOME or change the server's own switches. The working directory's `.env` is deliberately not
 * read: it belongs to the project being edited, which may be hostile (a `OPENAI_BASE_URL` there would
 * send the user's key elsewhere).
 */
import { join } from "node:path"
import { parseEnv } from "node:util"
import { readUntrustedFileSync } from "../files/UntrustedFile.js"
import type { Environment } from "../services/ProcessEnvironment.js"

/** A .env file is a few lines; the cap keeps a FIFO or a huge file there from stalling start-up. */
const DOT_ENV_MAX_BYTES = 1024 * 1024

export interface DotEnvResult {
  /** `env` plus the file's new variables. */
  readonly env: Environment
  /** The names taken from the file (never their values: they are usually secrets). */
  readonly loaded: ReadonlyArray<string>
  /** Why the file could not be read, when it exists but is unusable. */
  readonly problem: string | undefined
}

/** `env` with the variables of `<codexHome>/.env` that it does not set already (CODEX_* excluded). */
export const withCodexHomeDotEnv = (env: Environment, codexHome: string): DotEnvResult => {
  const path = join(codexHome, ".env")
  const bytes = readUntrustedFileSync(path, { maxBytes: DOT_ENV_MAX_BYTES })
  if (!Buffer.isBuffer(bytes)) {
    return { env, loaded: [], problem: bytes.problem === "missing" ? undefined : `${path} not loaded: ${bytes.reason}` }
  }
  const merged: Record<string, string | undefined> = { ...env }
  const loaded: Array<string> = []
  for (const [name, value] of Object.entries(parseEnv(bytes.toString("utf8")))) {
    if (value === undefined || name.toUpperCase().startsWith("CODEX_") || env[name] !== undefined) continue
    merged[name] = value
    loaded.push(name)
  }
  return { env: merged, loaded, problem: undefined }
}

/** A key is never this short; a shorter value (`DEBUG=1`) is a switch, not a secret. */
const MIN_SECRET_CHARS = 8

/**
 * The values in `<codexHome>/.env` that are secrets: the file exists to hold keys for the server, and no
 * command may read it, so none of its values may reach a command's environment either.
 */
export const codexHomeDotEnvSecrets = (codexHome: string): ReadonlyArray<string> => {
  const bytes = readUntrustedFileSync(join(codexHome, ".env"), { maxBytes: DOT_ENV_MAX_BYTES })
  if (!Buffer.isBuffer(bytes)) return []
  return Object.values(parseEnv(bytes.toString("utf8"))).filter((value): value is string => value !== undefined && value.length >= MIN_SECRET_CHARS)
}
