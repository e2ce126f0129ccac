/**
 * What a conversation accepts: `Submission = {id, op}` with `op` tagged by `type`.
 * Ops are internal to the process (no client sends them directly), but they are Schema-defined so
 * an embedding program can log, persist or replay them.
 */
import { Schema } from "effect"
import { AskForApproval, ReasoningEffort, ReasoningSummary, ReviewDecision, SandboxPolicy } from "./Enums.js"

/** One piece of user input, as the core names it (`local_image`, snake case). */
export const InputItem = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text"), text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("image"), image_url: Schema.String }),
  Schema.Struct({ type: Schema.Literal("local_image"), path: Schema.String })
])
export type InputItem = typeof InputItem.Type

export const Op = Schema.Union([
  /** Abort the running task; `turn_aborted` follows if one was running. */
  Schema.Struct({ type: Schema.Literal("interrupt") }),
  /** Start a task, or inject the items into the running one. */
  Schema.Struct({ type: Schema.Literal("user_input"), items: Schema.Array(InputItem) }),
  /** Like `user_input`, with settings for this task only. */
  Schema.Struct({
    type: Schema.Literal("user_turn"),
    items: Schema.Array(InputItem),
    cwd: Schema.String,
    approval_policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    model: Schema.String,
    effort: ReasoningEffort,
    summary: ReasoningSummary
  }),
  /**
   * Answer to an `exec_approval_request`; `id` is that event's submission id. `reason`: why the
   * decision was made without the user (the client cannot be asked, it failed); the model reads it.
   */
  Schema.Struct({
    type: Schema.Literal("exec_approval"),
    id: Schema.String,
    decision: ReviewDecision,
    reason: Schema.optionalKey(Schema.String)
  }),
  /** Answer to an `apply_patch_approval_request`, as `exec_approval`. */
  Schema.Struct({
    type: Schema.Literal("patch_approval"),
    id: Schema.String,
    decision: ReviewDecision,
    reason: Schema.optionalKey(Schema.String)
  }),
  /** Answer to an `mcp_tool_call_approval_request`, as `exec_approval`. */
  Schema.Struct({
    type: Schema.Literal("mcp_tool_call_approval"),
    id: Schema.String,
    decision: ReviewDecision,
    reason: Schema.optionalKey(Schema.String)
  }),
  /** List the MCP tools offered to the model: answered with `mcp_list_tools_response`. */
  Schema.Struct({ type: Schema.Literal("list_mcp_tools") }),
  /** End the conversation: `shutdown_complete` is its last event. */
  Schema.Struct({ type: Schema.Literal("shutdown") })
])
export type Op = typeof Op.Type

export const Submission = Schema.Struct({ id: Schema.String, op: Op })
export type Submission = typeof Submission.Type

/** The op that answers an approval request event of this type. */
export const approvalOpFor = (eventType: string) =>
  eventType === "exec_approval_request"
    ? "exec_approval" as const
    : eventType === "mcp_tool_call_approval_request"
    ? "mcp_tool_call_approval" as const
    : "patch_approval" as const
