/**
 * Server → client approval requests of the conversation API. Params are snake_case,
 * as in the reference. Their answers, like elicitation answers, are read by `ApprovalAnswer`.
 */
import { Schema } from "effect"
import { Rpc } from "effect/rpc"
import { FileChanges } from "./Enums.js"

export class ExecCommandApproval extends Rpc.make("execCommandApproval", {
  payload: {
    conversation_id: Schema.String,
    call_id: Schema.String,
    command: Schema.Array(Schema.String),
    cwd: Schema.String,
    reason: Schema.optionalKey(Schema.String)
  },
  success: Schema.Unknown
}) {}

export class ApplyPatchApproval extends Rpc.make("applyPatchApproval", {
  payload: {
    conversation_id: Schema.String,
    call_id: Schema.String,
    file_changes: FileChanges,
    reason: Schema.optionalKey(Schema.String),
    grant_root: Schema.optionalKey(Schema.String)
  },
  success: Schema.Unknown
}) {}

/** Asks before an MCP tool call (approval policy `untrusted`); `arguments` are the model's, null when none. */
export class McpToolCallApproval extends Rpc.make("mcpToolCallApproval", {
  payload: {
    conversation_id: Schema.String,
    call_id: Schema.String,
    server: Schema.String,
    tool: Schema.String,
    arguments: Schema.NullOr(Schema.Unknown)
  },
  success: Schema.Unknown
}) {}
