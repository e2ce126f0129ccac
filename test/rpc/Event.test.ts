/**
 * The Event union's wire form: one representative of every event type decodes, encodes back to the
 * same JSON and survives a JSON text round trip; malformed events are rejected; `durationFromMillis`
 * produces Rust `Duration`-shaped values.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { durationFromMillis, Event, EventMsg, type EventOf, type EventType, WireDuration } from "../../src/rpc/Event.js"

/** One of each: the mapped type makes the compiler insist on every event type. */
const samples: { readonly [T in EventType]: EventOf<T> } = {
  error: { type: "error", message: "stream disconnected" },
  task_started: { type: "task_started", model_context_window: null },
  task_complete: { type: "task_complete", last_agent_message: "done" },
  thread_rolled_back: { type: "thread_rolled_back", num_turns: 2 },
  token_count: {
    type: "token_count",
    input_tokens: 10,
    cached_input_tokens: null,
    output_tokens: 5,
    reasoning_output_tokens: 0,
    total_tokens: 15,
    model_context_window: 400000
  },
  agent_message: { type: "agent_message", message: "héllo ✓" },
  web_search_begin: { type: "web_search_begin", call_id: "ws_1" },
  web_search_end: { type: "web_search_end", call_id: "ws_1", query: "effect v4 schema" },
  get_history_entry_response: {
    type: "get_history_entry_response",
    offset: 2,
    log_id: 1234,
    entry: { session_id: "67e55044-10b1-426f-9247-bb680e5fe0c8", ts: 1764633600, text: "fix the tests" }
  },
  agent_message_delta: { type: "agent_message_delta", delta: "hé" },
  agent_reasoning: { type: "agent_reasoning", text: "thinking" },
  agent_reasoning_delta: { type: "agent_reasoning_delta", delta: "th" },
  agent_reasoning_raw_content: { type: "agent_reasoning_raw_content", text: "raw" },
  agent_reasoning_raw_content_delta: { type: "agent_reasoning_raw_content_delta", delta: "r" },
  agent_reasoning_section_break: { type: "agent_reasoning_section_break" },
  session_configured: {
    type: "session_configured",
    session_id: "67e55044-10b1-426f-9247-bb680e5fe0c8",
    model: "gpt-5",
    history_log_id: 0,
    history_entry_count: 0,
    rollout_path: "/home/u/.codex/sessions/2025/01/01/rollout.jsonl"
  },
  exec_command_begin: {
    type: "exec_command_begin",
    call_id: "call_1",
    command: ["bash", "-lc", "cat README.md"],
    cwd: "/repo",
    parsed_cmd: [
      { type: "read", cmd: "cat README.md", name: "README.md" },
      { type: "list_files", cmd: "ls" },
      { type: "search", cmd: "rg foo src", query: "foo", path: "src" },
      { type: "format", cmd: "prettier -w a.ts", tool: "prettier", targets: ["a.ts"] },
      { type: "test", cmd: "npm test" },
      { type: "lint", cmd: "eslint ." },
      { type: "noop", cmd: "true" },
      { type: "unknown", cmd: "frobnicate" }
    ]
  },
  exec_command_output_delta: {
    type: "exec_command_output_delta",
    call_id: "call_1",
    stream: "stderr",
    chunk: Buffer.from("line\n").toString("base64")
  },
  exec_command_end: {
    type: "exec_command_end",
    call_id: "call_1",
    stdout: "out",
    stderr: "",
    aggregated_output: "out",
    exit_code: -1,
    duration: { secs: 1, nanos: 500_000_000 },
    formatted_output: "out"
  },
  exec_approval_request: {
    type: "exec_approval_request",
    call_id: "call_2",
    command: ["rm", "-rf", "build"],
    cwd: "/repo",
    reason: "needs write access"
  },
  apply_patch_approval_request: {
    type: "apply_patch_approval_request",
    call_id: "call_3",
    changes: {
      "/repo/a.txt": { add: { content: "a\n" } },
      "/repo/b.txt": "delete",
      "/repo/c.txt": { update: { unified_diff: "@@ -1 +1 @@\n-x\n+y\n", move_path: null } },
      "/repo/d.txt": { update: { unified_diff: "", move_path: "/repo/e.txt" } }
    },
    grant_root: "/repo"
  },
  background_event: { type: "background_event", message: "retrying" },
  stream_error: { type: "stream_error", message: "reconnecting 1/5" },
  patch_apply_begin: {
    type: "patch_apply_begin",
    call_id: "call_3",
    auto_approved: false,
    changes: { "/repo/b.txt": "delete" }
  },
  patch_apply_end: { type: "patch_apply_end", call_id: "call_3", stdout: "Success.", stderr: "", success: true },
  turn_diff: { type: "turn_diff", unified_diff: "diff --git a/x b/x\n" },
  plan_update: {
    type: "plan_update",
    explanation: null,
    plan: [{ step: "read", status: "completed" }, { step: "write", status: "in_progress" }, { step: "test", status: "pending" }]
  },
  turn_aborted: { type: "turn_aborted", reason: "interrupted" },
  mcp_tool_call_begin: {
    type: "mcp_tool_call_begin",
    call_id: "call_1",
    invocation: { server: "everything", tool: "echo", arguments: { message: "hi" } }
  },
  mcp_tool_call_end: {
    type: "mcp_tool_call_end",
    call_id: "call_1",
    invocation: { server: "everything", tool: "echo", arguments: null },
    duration: { secs: 0, nanos: 5_000_000 },
    result: { Ok: { content: [{ type: "text", text: "Echo: hi" }] } }
  },
  mcp_tool_call_approval_request: {
    type: "mcp_tool_call_approval_request",
    call_id: "call_1",
    invocation: { server: "everything", tool: "echo", arguments: { message: "hi" } }
  },
  request_user_input: {
    type: "request_user_input",
    call_id: "c1",
    questions: [{ id: "color", header: "Color", question: "Which color?", options: [{ label: "Red", description: "warm" }] }]
  },
  mcp_elicitation_request: {
    type: "mcp_elicitation_request",
    call_id: "c1",
    server: "everything",
    message: "Your name?",
    requested_schema: { type: "object", properties: { name: { type: "string" } } }
  },
  mcp_tool_call_progress: { type: "mcp_tool_call_progress", call_id: "c1", server: "everything", progress: 1, total: 2, message: "half" },
  mcp_list_tools_response: {
    type: "mcp_list_tools_response",
    tools: { everything__echo: { name: "echo", inputSchema: { type: "object" } } }
  },
  entered_review_mode: { type: "entered_review_mode", prompt: "Review the current code changes.", user_facing_hint: "current changes" },
  exited_review_mode: {
    type: "exited_review_mode",
    review_output: {
      findings: [{
        title: "[P1] Off by one",
        body: "The loop skips the last item.",
        confidence_score: 0.8,
        priority: 1,
        code_location: { absolute_file_path: "/w/a.ts", line_range: { start: 3, end: 4 } }
      }],
      overall_correctness: "patch is incorrect",
      overall_explanation: "One bug.",
      overall_confidence_score: 0.7
    }
  },
  shutdown_complete: { type: "shutdown_complete" }
}

const decodeEvent = Schema.decodeUnknownSync(Event)
const encodeEvent = Schema.encodeSync(Event)

describe("Event", () => {
  it("has a sample for every member of the union", () => {
    const members = EventMsg.members.map((member) => member.fields.type.literal).sort()
    assert.deepStrictEqual(Object.keys(samples).sort(), members)
  })

  it.each(Object.values(samples))("$type round-trips through decode, encode and JSON text", (msg) => {
    const wire = { id: "sub-1", msg }
    const decoded = decodeEvent(wire)
    assert.deepStrictEqual(decoded, wire)
    assert.deepStrictEqual(encodeEvent(decoded), wire)
    assert.deepStrictEqual(decodeEvent(JSON.parse(JSON.stringify(encodeEvent(decoded)))), wire)
  })

  it("accepts the session-start id \"\"", () => {
    assert.strictEqual(decodeEvent({ id: "", msg: samples.session_configured }).id, "")
  })

  it("keeps optional keys absent rather than undefined", () => {
    const decoded = decodeEvent({ id: "1", msg: { type: "exec_approval_request", call_id: "c", command: [], cwd: "/" } })
    assert.isFalse("reason" in decoded.msg)
  })

  it.each([
    ["an unknown type", { type: "mcp_tool_call_begin", call_id: "c" }],
    ["a missing field", { type: "agent_message" }],
    ["a negative token count", { ...samples.token_count, input_tokens: -1 }],
    ["a fractional token count", { ...samples.token_count, total_tokens: 1.5 }],
    ["a fractional exit code", { ...samples.exec_command_end, exit_code: 0.5 }],
    ["a duration with fractional nanos", { ...samples.exec_command_end, duration: { secs: 0, nanos: 0.5 } }],
    ["an unknown output stream", { ...samples.exec_command_output_delta, stream: "stdin" }],
    ["chunk as a byte array (the reference form, not ours)", { ...samples.exec_command_output_delta, chunk: [104, 105] }],
    ["an unknown abort reason", { type: "turn_aborted", reason: "timeout" }],
    ["an unknown plan status", { type: "plan_update", explanation: null, plan: [{ step: "s", status: "done" }] }],
    ["a malformed file change", { ...samples.patch_apply_begin, changes: { "/a": "remove" } }],
    ["an unknown parsed command", { ...samples.exec_command_begin, parsed_cmd: [{ type: "compile", cmd: "make" }] }]
  ])("rejects %s", (_name, msg) => {
    assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(Event)({ id: "1", msg })))
  })
})

describe("durationFromMillis", () => {
  it.each([
    [0, { secs: 0, nanos: 0 }],
    [1, { secs: 0, nanos: 1_000_000 }],
    [999, { secs: 0, nanos: 999_000_000 }],
    [1000, { secs: 1, nanos: 0 }],
    [1500, { secs: 1, nanos: 500_000_000 }],
    [61_234, { secs: 61, nanos: 234_000_000 }],
    [0.5, { secs: 0, nanos: 500_000 }],
    [1234.5678, { secs: 1, nanos: 234_567_800 }],
    [86_400_000, { secs: 86_400, nanos: 0 }]
  ])("%d ms → %j", (millis, expected) => {
    const duration = durationFromMillis(millis)
    assert.deepStrictEqual(duration, expected)
    assert.isTrue(Result.isSuccess(Schema.decodeResult(WireDuration)(duration)))
  })

  // Latent bug (callers pass whole milliseconds today): rounding can carry nanos up to 1e9, where a
  // Rust Duration keeps nanos < 1e9 and would expect {secs: 2, nanos: 0}.
  it("keeps nanos below one second when rounding carries (1999.9999999 ms)", () => {
    assert.deepStrictEqual(durationFromMillis(1999.9999999), { secs: 2, nanos: 0 })
  })

  it("counts a negative duration (the clock stepped back) as zero, a valid WireDuration", () => {
    const duration = durationFromMillis(-5)
    assert.deepStrictEqual(duration, { secs: 0, nanos: 0 })
    assert.isTrue(Result.isSuccess(Schema.decodeResult(WireDuration)(duration)))
  })
})
