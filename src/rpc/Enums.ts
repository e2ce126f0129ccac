/**
 * The shared enums and small value types of the Codex wire protocols.
 * Every other schema in `src/rpc/` and every service imports these, so each wire string is spelled once.
 */
import { Schema } from "effect"

/** When the agent must ask before running a command. `untrusted` is the reference's `UnlessTrusted`. */
export const AskForApproval = Schema.Literals(["untrusted", "on-failure", "on-request", "never"])
export type AskForApproval = typeof AskForApproval.Type

/** The sandbox mode named in config, tool arguments and `newConversation`. */
export const SandboxMode = Schema.Literals(["read-only", "workspace-write", "danger-full-access"])
export type SandboxMode = typeof SandboxMode.Type

/** The sandbox policy of a turn, tagged by `mode` (used by `sendUserTurn`). */
export const SandboxPolicy = Schema.Union([
  Schema.Struct({ mode: Schema.Literal("danger-full-access") }),
  Schema.Struct({ mode: Schema.Literal("read-only") }),
  Schema.Struct({
    mode: Schema.Literal("workspace-write"),
    writable_roots: Schema.optionalKey(Schema.Array(Schema.String)),
    network_access: Schema.optionalKey(Schema.Boolean),
    exclude_tmpdir_env_var: Schema.optionalKey(Schema.Boolean),
    exclude_slash_tmp: Schema.optionalKey(Schema.Boolean)
  })
])
export type SandboxPolicy = typeof SandboxPolicy.Type

/** A user's answer to an approval request. */
export const ReviewDecision = Schema.Literals(["approved", "approved_for_session", "denied", "abort"])
export type ReviewDecision = typeof ReviewDecision.Type

export const ReasoningEffort = Schema.Literals(["none", "minimal", "low", "medium", "high", "xhigh"])
export type ReasoningEffort = typeof ReasoningEffort.Type

export const ReasoningSummary = Schema.Literals(["auto", "concise", "detailed", "none"])
export type ReasoningSummary = typeof ReasoningSummary.Type

/** How the agent authenticates to the model provider. */
export const AuthMode = Schema.Literals(["apikey", "chatgpt"])
export type AuthMode = typeof AuthMode.Type

export const TurnAbortReason = Schema.Literals(["interrupted", "replaced"])
export type TurnAbortReason = typeof TurnAbortReason.Type

/**
 * One file's change in a patch, externally tagged as in the reference:
 * `{"add": {content}}`, the bare string `"delete"`, or `{"update": {unified_diff, move_path}}`.
 */
export const FileChange = Schema.Union([
  Schema.Struct({ add: Schema.Struct({ content: Schema.String }) }),
  Schema.Literal("delete"),
  Schema.Struct({
    update: Schema.Struct({ unified_diff: Schema.String, move_path: Schema.NullOr(Schema.String) })
  })
])
export type FileChange = typeof FileChange.Type

/** Absolute path → change. */
export const FileChanges = Schema.Record(Schema.String, FileChange)
export type FileChanges = typeof FileChanges.Type

/** A JSON-RPC request id: a string or an integer. Equality is type-sensitive (`1` ≠ `"1"`). */
export const RequestId = Schema.Union([Schema.String, Schema.Int])
export type RequestId = typeof RequestId.Type
