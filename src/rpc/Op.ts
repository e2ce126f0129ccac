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

/**
 * Items of one user input. A client sends a few (text, some images); 300,000 empty texts in one 13 MiB
 * message held the server for seconds while each became a part of the history, the rollout and events.
 * The faces refuse more with the request; the conversation drops more with an `error` event.
 */
export const MAX_INPUT_ITEMS = 1024

/** A JSON Schema object, as the caller wrote it. */
const FinalOutputJsonSchema = Schema.Record(Schema.String, Schema.Unknown)

/** MCP's `ElicitResult`: accepted with the form's content, declined, or cancelled. */
/** The answers to `request_user_input`: question id → the answers given; empty when the user did not answer. */
export const UserInputAnswers = Schema.Record(Schema.String, Schema.Struct({ answers: Schema.Array(Schema.String) }))
export type UserInputAnswers = typeof UserInputAnswers.Type

export const McpElicitAnswer = Schema.Struct({
  action: Schema.Literals(["accept", "decline", "cancel"]),
  content: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
})
export type McpElicitAnswer = typeof McpElicitAnswer.Type

export const Op = Schema.Union([
  /** Abort the running task; `turn_aborted` follows if one was running. */
  Schema.Struct({ type: Schema.Literal("interrupt") }),
  /**
   * Start a task, or inject the items into the running one. `final_output_json_schema`: the task's
   * final answer must match this JSON Schema (sent to the provider as a structured-output format).
   */
  Schema.Struct({
    type: Schema.Literal("user_input"),
    items: Schema.Array(InputItem),
    final_output_json_schema: Schema.optionalKey(FinalOutputJsonSchema)
  }),
  /** Like `user_input`, with settings for this task only. */
  Schema.Struct({
    type: Schema.Literal("user_turn"),
    items: Schema.Array(InputItem),
    cwd: Schema.String,
    approval_policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    model: Schema.String,
    effort: ReasoningEffort,
    summary: ReasoningSummary,
    final_output_json_schema: Schema.optionalKey(FinalOutputJsonSchema)
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
  /**
   * Changes the conversation's settings from its next task on (a running task keeps its own). A
   * relative `cwd` resolves against the conversation's; a cwd that is not a directory is refused
   * with an `error` event. A new environment-context message tells the model what changed.
   */
  Schema.Struct({
    type: Schema.Literal("override_turn_context"),
    cwd: Schema.optionalKey(Schema.String),
    approval_policy: Schema.optionalKey(AskForApproval),
    sandbox_policy: Schema.optionalKey(SandboxPolicy),
    model: Schema.optionalKey(Schema.String),
    effort: Schema.optionalKey(ReasoningEffort),
    summary: Schema.optionalKey(ReasoningSummary)
  }),
  /** Summarises the history with the model and replaces it with the summary and the recent user messages. */
  Schema.Struct({ type: Schema.Literal("compact") }),
  /**
   * Drops the last `num_turns` turns from the history (not their file changes), answered by
   * `thread_rolled_back`; refused with an `error` event while a task runs.
   */
  Schema.Struct({ type: Schema.Literal("thread_rollback"), num_turns: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) }),
  /** Appends `text` to `CODEX_HOME/history.jsonl` (unless `[history] persistence = "none"`). */
  Schema.Struct({ type: Schema.Literal("add_to_history"), text: Schema.String }),
  /** Asks for line `offset` of the history file `log_id`; answered by `get_history_entry_response`. */
  Schema.Struct({
    type: Schema.Literal("get_history_entry_request"),
    offset: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
    log_id: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
  }),
  /** Answer to an `mcp_tool_call_approval_request`, as `exec_approval`. */
  Schema.Struct({
    type: Schema.Literal("mcp_tool_call_approval"),
    id: Schema.String,
    decision: ReviewDecision,
    reason: Schema.optionalKey(Schema.String)
  }),
  /**
   * Answer to a `request_user_input` event; `id` is that event's submission id. `answers` maps a
   * question id to the answers given; no entry at all means the user did not answer.
   */
  Schema.Struct({
    type: Schema.Literal("user_input_answer"),
    id: Schema.String,
    response: Schema.Struct({ answers: UserInputAnswers })
  }),
  /** Answer to an `mcp_elicitation_request`, as MCP's `ElicitResult`; `id` is that event's submission id. */
  Schema.Struct({
    type: Schema.Literal("mcp_elicitation_answer"),
    id: Schema.String,
    response: McpElicitAnswer
  }),
  /**
   * Reviews a change in a task of its own: the model gets `prompt` with the review instructions and a
   * history of its own, and what it finds is recorded in this conversation (`entered_review_mode`, then
   * `exited_review_mode`); `user_facing_hint` names the review for clients. Refused while a task runs.
   */
  Schema.Struct({
    type: Schema.Literal("review"),
    review_request: Schema.Struct({ prompt: Schema.String, user_facing_hint: Schema.String })
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
