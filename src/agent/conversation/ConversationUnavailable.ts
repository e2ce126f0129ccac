/**
 * The conversation cannot be reached or its store failed (under `--cluster`: its runner is lost or
 * PostgreSQL is unreachable); the server's problem, never the request's. A conversation of this process
 * never fails so.
 */
import { Schema } from "effect"

export class ConversationUnavailable extends Schema.TaggedError<ConversationUnavailable>()("ConversationUnavailable", {
  message: Schema.String
}) {}
