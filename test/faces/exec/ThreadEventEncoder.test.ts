/**
 * Conversation events → the Codex SDK's thread events: item ids in order, begin/end pairs sharing an
 * item, the plan as one todo_list, usage summed over the thread, and how a turn ends.
 */
import { assert, describe, it } from "@effect/vitest"
import type { EventMsg } from "../../../src/rpc/Event.js"
import { makeThreadEventEncoder } from "../../../src/faces/exec/ThreadEventEncoder.js"

const encodeAll = (msgs: ReadonlyArray<EventMsg>) => {
  const encoder = makeThreadEventEncoder()
  const events = msgs.flatMap((msg) => encoder.encode({ id: "0", msg }))
  return { events, outcome: encoder.outcome() }
}

const usage = (input: number, output: number): EventMsg => ({
  type: "token_count",
  input_tokens: input,
  cached_input_tokens: 1,
  output_tokens: output,
  reasoning_output_tokens: null,
  total_tokens: input + output
})

describe("makeThreadEventEncoder", () => {
  it("starts the thread and the turn, completes messages and reasoning, and sums the usage of every response", () => {
    const { events, outcome } = encodeAll([
      { type: "session_configured", session_id: "t-1", model: "m", history_log_id: 0, history_entry_count: 0 },
      { type: "task_started", model_context_window: null },
      { type: "agent_message_delta", delta: "hel" },
      { type: "agent_reasoning", text: "hmm" },
      { type: "agent_message", message: "hello" },
      usage(10, 5),
      usage(20, 7),
      { type: "task_complete", last_agent_message: "hello" }
    ])
    assert.deepStrictEqual(events, [
      { type: "thread.started", thread_id: "t-1" },
      { type: "turn.started" },
      { type: "item.completed", item: { id: "item_0", type: "reasoning", text: "hmm" } },
      { type: "item.completed", item: { id: "item_1", type: "agent_message", text: "hello" } },
      {
        type: "turn.completed",
        usage: { input_tokens: 30, cached_input_tokens: 2, cache_write_input_tokens: 0, output_tokens: 12, reasoning_output_tokens: 0 }
      }
    ])
    assert.deepStrictEqual(outcome, { _tag: "Completed", lastMessage: "hello" })
  })

  it("pairs a command's begin and end in one item; a failing exit code fails it", () => {
    const { events } = encodeAll([
      { type: "exec_command_begin", call_id: "c1", command: ["bash", "-c", "echo hi; exit 3"], cwd: "/w", parsed_cmd: [] },
      {
        type: "exec_command_end",
        call_id: "c1",
        stdout: "hi\n",
        stderr: "",
        aggregated_output: "hi\n",
        exit_code: 3,
        duration: { secs: 0, nanos: 1 },
        formatted_output: "hi\n"
      }
    ])
    assert.deepStrictEqual(events.map((event) => "item" in event ? event.item : undefined), [
      { id: "item_0", type: "command_execution", command: "bash -c 'echo hi; exit 3'", aggregated_output: "", exit_code: null, status: "in_progress" },
      { id: "item_0", type: "command_execution", command: "bash -c 'echo hi; exit 3'", aggregated_output: "hi\n", exit_code: 3, status: "failed" }
    ])
  })

  it("names each file of a patch with its kind, and the patch's success", () => {
    const { events } = encodeAll([
      {
        type: "patch_apply_begin",
        call_id: "p1",
        auto_approved: true,
        changes: { "/w/a": { add: { content: "x" } }, "/w/b": "delete", "/w/c": { update: { unified_diff: "", move_path: null } } }
      },
      { type: "patch_apply_end", call_id: "p1", stdout: "", stderr: "no", success: false }
    ])
    const changes = [{ path: "/w/a", kind: "add" }, { path: "/w/b", kind: "delete" }, { path: "/w/c", kind: "update" }] as const
    assert.deepStrictEqual(events, [
      { type: "item.started", item: { id: "item_0", type: "file_change", changes, status: "in_progress" } },
      { type: "item.completed", item: { id: "item_0", type: "file_change", changes, status: "failed" } }
    ])
  })

  it("keeps one todo_list for the plan and completes it before the turn ends", () => {
    const plan = (status: "pending" | "completed"): EventMsg => ({ type: "plan_update", explanation: null, plan: [{ step: "a", status }] })
    const { events } = encodeAll([plan("pending"), plan("completed"), { type: "task_complete", last_agent_message: null }])
    assert.deepStrictEqual(events.map((event) => [event.type, "item" in event ? event.item.id : undefined]), [
      ["item.started", "item_0"],
      ["item.updated", "item_0"],
      ["item.completed", "item_0"],
      ["turn.completed", undefined]
    ])
  })

  it("fails the turn after an error, and on an abort", () => {
    const failed = encodeAll([
      { type: "task_started", model_context_window: null },
      { type: "error", message: "provider down" },
      { type: "task_complete", last_agent_message: null }
    ])
    assert.deepStrictEqual(failed.events.slice(1), [
      { type: "error", message: "provider down" },
      { type: "turn.failed", error: { message: "provider down" } }
    ])
    assert.deepStrictEqual(failed.outcome, { _tag: "Failed", message: "provider down" })
    const aborted = encodeAll([{ type: "turn_aborted", reason: "interrupted" }])
    assert.strictEqual(aborted.events[0]!.type, "turn.failed")
    assert.deepStrictEqual(aborted.outcome, { _tag: "Aborted" })
  })

  it("reports an MCP tool call with its result, an error item for a retried stream, and a web search", () => {
    const invocation = { server: "s", tool: "t", arguments: { x: 1 } }
    const { events } = encodeAll([
      { type: "mcp_tool_call_begin", call_id: "m1", invocation },
      { type: "mcp_tool_call_end", call_id: "m1", invocation, duration: { secs: 0, nanos: 0 }, result: { Ok: { content: [{ type: "text", text: "ok" }] } } },
      { type: "stream_error", message: "retrying 1/5" },
      { type: "web_search_begin", call_id: "w1" },
      { type: "web_search_end", call_id: "w1", query: "effect v4" }
    ])
    assert.deepStrictEqual(events.map((event) => "item" in event ? event.item : undefined), [
      { id: "item_0", type: "mcp_tool_call", server: "s", tool: "t", arguments: { x: 1 }, status: "in_progress" },
      {
        id: "item_0",
        type: "mcp_tool_call",
        server: "s",
        tool: "t",
        arguments: { x: 1 },
        result: { content: [{ type: "text", text: "ok" }], structured_content: null },
        status: "completed"
      },
      { id: "item_1", type: "error", message: "retrying 1/5" },
      { id: "item_2", type: "web_search", query: "" },
      { id: "item_2", type: "web_search", query: "effect v4" }
    ])
  })
})
