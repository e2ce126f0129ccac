/**
 * The agent's events: `Event = {id, msg}` where `msg` is tagged by `type` (snake_case everywhere).
 * These are what a conversation publishes, what `codex/event` notifications carry and what listeners
 * receive as `codex/event/<type>`. Shapes follow the reference, except
 * `exec_command_output_delta.chunk`, which is base64 text (see docs/differences.md, Base64 output chunks).
 */
import { Schema } from "effect"
import { FileChanges, TurnAbortReason } from "./Enums.js"
import { ReviewOutput } from "./Review.js"

const event = <const Type extends string, const Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Schema.Struct({ type: Schema.Literal(type), ...fields })

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** `{secs, nanos}`, as a Rust `Duration` serialises. */
export const WireDuration = Schema.Struct({ secs: Count, nanos: Count })
export type WireDuration = typeof WireDuration.Type

/** A Rust-style duration: nanos always below one second; negative inputs (a clock step back) count as zero. */
export const durationFromMillis = (millis: number): WireDuration => {
  const totalNanos = Math.max(0, Math.round(millis * 1_000_000))
  const secs = Math.floor(totalNanos / 1_000_000_000)
  return { secs, nanos: totalNanos - secs * 1_000_000_000 }
}

/** A UI summary of a command; `unknown` is always a valid answer. */
export const ParsedCommand = Schema.Union([
  Schema.Struct({ type: Schema.Literal("read"), cmd: Schema.String, name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("list_files"), cmd: Schema.String, path: Schema.optionalKey(Schema.String) }),
  Schema.Struct({
    type: Schema.Literal("search"),
    cmd: Schema.String,
    query: Schema.optionalKey(Schema.String),
    path: Schema.optionalKey(Schema.String)
  }),
  Schema.Struct({
    type: Schema.Literal("format"),
    cmd: Schema.String,
    tool: Schema.optionalKey(Schema.String),
    targets: Schema.optionalKey(Schema.Array(Schema.String))
  }),
  Schema.Struct({ type: Schema.Literal("test"), cmd: Schema.String }),
  Schema.Struct({
    type: Schema.Literal("lint"),
    cmd: Schema.String,
    tool: Schema.optionalKey(Schema.String),
    targets: Schema.optionalKey(Schema.Array(Schema.String))
  }),
  Schema.Struct({ type: Schema.Literal("noop"), cmd: Schema.String }),
  Schema.Struct({ type: Schema.Literal("unknown"), cmd: Schema.String })
])
export type ParsedCommand = typeof ParsedCommand.Type

export const TokenUsage = {
  input_tokens: Count,
  cached_input_tokens: Schema.NullOr(Count),
  output_tokens: Count,
  reasoning_output_tokens: Schema.NullOr(Count),
  total_tokens: Count
}

/** One line of `CODEX_HOME/history.jsonl`: a user message, its session, and when (unix seconds). */
export const HistoryEntry = Schema.Struct({ session_id: Schema.String, ts: Count, text: Schema.String })
export type HistoryEntry = typeof HistoryEntry.Type

const PlanStepStatus = Schema.Literals(["pending", "in_progress", "completed"])
export const PlanItem = Schema.Struct({ step: Schema.String, status: PlanStepStatus })
export type PlanItem = typeof PlanItem.Type

/** Which MCP tool a call is for; `arguments` is the model's parsed JSON, null when it sent none. */
export const McpInvocation = Schema.Struct({ server: Schema.String, tool: Schema.String, arguments: Schema.NullOr(Schema.Unknown) })
export type McpInvocation = typeof McpInvocation.Type

/** One question of `request_user_input`: choices offered, a free-form answer allowed. */
export const UserInputQuestion = Schema.Struct({
  id: Schema.String,
  header: Schema.String,
  question: Schema.String,
  options: Schema.Array(Schema.Struct({ label: Schema.String, description: Schema.String }))
})
export type UserInputQuestion = typeof UserInputQuestion.Type

/** An MCP `CallToolResult` or `Tool`, as the server sent it (its own schema governs it). */
const McpObject = Schema.Record(Schema.String, Schema.Unknown)

export const EventMsg = Schema.Union([
  event("error", { message: Schema.String }),
  event("task_started", { model_context_window: Schema.NullOr(Count) }),
  event("task_complete", { last_agent_message: Schema.NullOr(Schema.String) }),
  event("thread_rolled_back", { num_turns: Count }),
  event("token_count", {
    ...TokenUsage,
    /** The context window of the task's model, when known; absent when nothing was known. */
    model_context_window: Schema.optionalKey(Schema.NullOr(Count))
  }),
  event("agent_message", { message: Schema.String }),
  event("agent_message_delta", { delta: Schema.String }),
  event("agent_reasoning", { text: Schema.String }),
  event("agent_reasoning_delta", { delta: Schema.String }),
  event("agent_reasoning_raw_content", { text: Schema.String }),
  event("agent_reasoning_raw_content_delta", { delta: Schema.String }),
  event("agent_reasoning_section_break", {}),
  event("session_configured", {
    session_id: Schema.String,
    model: Schema.String,
    history_log_id: Count,
    history_entry_count: Count,
    rollout_path: Schema.optionalKey(Schema.String)
  }),
  event("exec_command_begin", {
    call_id: Schema.String,
    command: Schema.Array(Schema.String),
    cwd: Schema.String,
    parsed_cmd: Schema.Array(ParsedCommand)
  }),
  event("exec_command_output_delta", {
    call_id: Schema.String,
    stream: Schema.Literals(["stdout", "stderr"]),
    /** base64 of the raw bytes (see docs/differences.md, Base64 output chunks). */
    chunk: Schema.String
  }),
  event("exec_command_end", {
    call_id: Schema.String,
    stdout: Schema.String,
    stderr: Schema.String,
    aggregated_output: Schema.String,
    exit_code: Schema.Int,
    duration: WireDuration,
    formatted_output: Schema.String
  }),
  event("exec_approval_request", {
    call_id: Schema.String,
    command: Schema.Array(Schema.String),
    cwd: Schema.String,
    reason: Schema.optionalKey(Schema.String),
    /** What the command does, as `exec_command_begin` says it (the reference sends it too). */
    parsed_cmd: Schema.optionalKey(Schema.Array(ParsedCommand))
  }),
  event("apply_patch_approval_request", {
    call_id: Schema.String,
    changes: FileChanges,
    reason: Schema.optionalKey(Schema.String),
    grant_root: Schema.optionalKey(Schema.String)
  }),
  event("background_event", { message: Schema.String }),
  event("stream_error", { message: Schema.String }),
  event("patch_apply_begin", { call_id: Schema.String, auto_approved: Schema.Boolean, changes: FileChanges }),
  event("patch_apply_end", {
    call_id: Schema.String,
    stdout: Schema.String,
    stderr: Schema.String,
    success: Schema.Boolean
  }),
  event("turn_diff", { unified_diff: Schema.String }),
  event("plan_update", { explanation: Schema.NullOr(Schema.String), plan: Schema.Array(PlanItem) }),
  event("turn_aborted", { reason: TurnAbortReason }),
  event("web_search_begin", { call_id: Schema.String }),
  event("web_search_end", { call_id: Schema.String, query: Schema.String }),
  event("get_history_entry_response", {
    offset: Count,
    log_id: Count,
    entry: Schema.optionalKey(HistoryEntry)
  }),
  event("mcp_tool_call_begin", { call_id: Schema.String, invocation: McpInvocation }),
  event("mcp_tool_call_end", {
    call_id: Schema.String,
    invocation: McpInvocation,
    duration: WireDuration,
    result: Schema.Union([Schema.Struct({ Ok: McpObject }), Schema.Struct({ Err: Schema.String })])
  }),
  /** Asks the user before an MCP tool call (approval policy `untrusted`); answered by an `mcp_tool_call_approval` op. */
  event("mcp_tool_call_approval_request", { call_id: Schema.String, invocation: McpInvocation }),
  /** The model asks the user one to three questions (`request_user_input`); answered by a `user_input_answer` op. */
  event("request_user_input", { call_id: Schema.String, questions: Schema.Array(UserInputQuestion) }),
  /**
   * A configured MCP server asks the user for input during the tool call `call_id`: a form
   * (`requested_schema`), or a page to open (`url`, MCP's URL mode, with its `elicitation_id`); answered by
   * an `mcp_elicitation_answer` op.
   */
  event("mcp_elicitation_request", {
    call_id: Schema.String,
    server: Schema.String,
    message: Schema.String,
    requested_schema: Schema.optionalKey(McpObject),
    url: Schema.optionalKey(Schema.String),
    elicitation_id: Schema.optionalKey(Schema.String)
  }),
  /** Progress the MCP server reported for the tool call `call_id` (its `notifications/progress`). */
  event("mcp_tool_call_progress", {
    call_id: Schema.String,
    server: Schema.String,
    progress: Schema.Finite,
    total: Schema.optionalKey(Schema.Finite),
    message: Schema.optionalKey(Schema.String)
  }),
  /** The answer to `list_mcp_tools`: every MCP tool offered, by the name the model sees. */
  event("mcp_list_tools_response", { tools: Schema.Record(Schema.String, McpObject) }),
  /** A review task started (`review` op): what it was asked, and what clients call it. */
  event("entered_review_mode", { prompt: Schema.String, user_facing_hint: Schema.String }),
  /** The review task ended: its findings, or `null` when it was interrupted or failed. */
  event("exited_review_mode", { review_output: Schema.NullOr(ReviewOutput) }),
  event("shutdown_complete", {})
])
export type EventMsg = typeof EventMsg.Type
export type EventType = EventMsg["type"]
export type EventOf<T extends EventType> = Extract<EventMsg, { readonly type: T }>

/** The envelope: `id` is the submission id of the op that caused the event (`""` for session start). */
export const Event = Schema.Struct({ id: Schema.String, msg: EventMsg })
export type Event = typeof Event.Type
