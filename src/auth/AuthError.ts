/**
 * The errors of the auth layer. `AuthError` is what every AuthManager method fails with; its message
 * is meant for a person (and for the JSON-RPC error the lead maps it to) and never holds a token.
 * `AuthFileCorrupt` is the typed reading failure of auth.json: it names the file, so the user knows
 * what to fix or replace by logging in again.
 */
import { Schema } from "effect"

export class AuthError extends Schema.TaggedError<AuthError>()("AuthError", {
  message: Schema.String
}) {}

export class AuthFileCorrupt extends Schema.TaggedError<AuthFileCorrupt>()("AuthFileCorrupt", {
  /** The absolute path of the auth.json that could not be used. */
  path: Schema.String,
  /** Already names the path; safe to show as is. */
  message: Schema.String
}) {}

/** `AuthFileCorrupt` with a message that names the file and says how to recover. */
export const authFileCorrupt = (path: string, reason: string) =>
  new AuthFileCorrupt({ path, message: `${path} is not a valid auth file (${reason}); log in again to replace it` })

/** A thrown value as one line of text, for error messages. */
export const describeCause = (cause: unknown): string =>
  (cause instanceof Error ? cause.message : String(cause)).replace(/\s*\n\s*/g, " ")
