/**
 * Turns a conversation's events into the SDK's thread events, one turn at a time. Stateful: items get
 * ids in order (`item_0`, `item_1`, …), a command's or a patch's end completes the item its begin
 * started, the plan becomes one `todo_list` item updated in place and completed when the turn ends,
 * and `turn.completed` carries the token counts of the whole thread so far (a resumed thread's saved total
 * included). Events with no SDK counterpart (deltas, diffs, background notes) produce nothing.
 */
import { shlexJoin } from "../../agent/exec/ShellQuote.js"
import type { FileChange } from "../../rpc/Enums.js"
import type { Event, EventOf, PlanItem } from "../../rpc/Event.js"
import type { FileChangeItem, McpToolCallItem, ThreadEvent, ThreadItem, Usage } from "./ThreadEvent.js"

/** How the turn ended, once it has. */
export type TurnOutcome =
  | { readonly _tag: "Completed"; readonly lastMessage: string | undefined }
  | { readonly _tag: "Failed"; readonly message: string }
  | { readonly _tag: "Aborted" }

export interface ThreadEventEncoder {
  readonly encode: (event: Event) => ReadonlyArray<ThreadEvent>
  /** Set by the event that ends the turn (`task_complete` or `turn_aborted`). */
  readonly outcome: () => TurnOutcome | undefined
}

const changeKind = (change: FileChange): FileChangeItem["changes"][number]["kind"] =>
  change === "delete" ? "delete" : "add" in change ? "add" : "update"

const todoItems = (plan: ReadonlyArray<PlanItem>) => plan.map((step) => ({ text: step.step, completed: step.status === "completed" }))

const mcpResult = (result: EventOf<"mcp_tool_call_end">["result"]): Pick<McpToolCallItem, "result" | "error" | "status"> => {
  if ("Err" in result) return { error: { message: result.Err }, status: "failed" }
  const content = Array.isArray(result.Ok.content) ? result.Ok.content : []
  return {
    result: { content, structured_content: result.Ok.structuredContent ?? null },
    status: result.Ok.isError === true ? "failed" : "completed"
  }
}

/** The thread's counts before this process (a resumed thread's saved total). */
export interface UsageSoFar {
  readonly input_tokens: number
  readonly cached_input_tokens: number
  readonly output_tokens: number
  readonly reasoning_output_tokens: number
}

export const makeThreadEventEncoder = (before?: UsageSoFar): ThreadEventEncoder => {
  let nextItem = 0
  const newId = () => `item_${nextItem++}`
  /** Items started and not yet completed, by the call id of their begin event. */
  const open = new Map<string, ThreadItem>()
  let todoList: Extract<ThreadItem, { type: "todo_list" }> | undefined
  let failure: string | undefined
  let lastMessage: string | undefined
  let outcome: TurnOutcome | undefined
  const usage = {
    input_tokens: before?.input_tokens ?? 0,
    cached_input_tokens: before?.cached_input_tokens ?? 0,
    cache_write_input_tokens: 0,
    output_tokens: before?.output_tokens ?? 0,
    reasoning_output_tokens: before?.reasoning_output_tokens ?? 0
  }

  const started = (callId: string, item: ThreadItem): ThreadEvent => {
    open.set(callId, item)
    return { type: "item.started", item }
  }
  /** The item a begin event started (a fresh id when there was none, e.g. a command refused before it ran). */
  const take = (callId: string) => {
    const item = open.get(callId)
    open.delete(callId)
    return item?.id ?? newId()
  }
  const completed = (item: ThreadItem): ThreadEvent => ({ type: "item.completed", item })

  /** Ends the turn: the plan's item completes, then the turn itself. */
  const endTurn = (last: ThreadEvent): ReadonlyArray<ThreadEvent> => {
    const todo = todoList === undefined ? [] : [completed(todoList)]
    todoList = undefined
    return [...todo, last]
  }

  const encode = (event: Event): ReadonlyArray<ThreadEvent> => {
    const msg = event.msg
    switch (msg.type) {
      case "session_configured":
        return [{ type: "thread.started", thread_id: msg.session_id }]
      case "task_started":
        failure = undefined
        lastMessage = undefined
        outcome = undefined
        return [{ type: "turn.started" }]
      case "agent_message":
        lastMessage = msg.message
        return [completed({ id: newId(), type: "agent_message", text: msg.message })]
      case "agent_reasoning":
        return [completed({ id: newId(), type: "reasoning", text: msg.text })]
      case "exec_command_begin":
        return [started(msg.call_id, {
          id: newId(),
          type: "command_execution",
          command: shlexJoin(msg.command),
          aggregated_output: "",
          exit_code: null,
          status: "in_progress"
        })]
      case "exec_command_end": {
        const begun = open.get(msg.call_id)
        return [completed({
          id: take(msg.call_id),
          type: "command_execution",
          command: begun?.type === "command_execution" ? begun.command : "",
          aggregated_output: msg.aggregated_output,
          exit_code: msg.exit_code,
          status: msg.exit_code === 0 ? "completed" : "failed"
        })]
      }
      case "patch_apply_begin":
        return [started(msg.call_id, {
          id: newId(),
          type: "file_change",
          changes: Object.entries(msg.changes).map(([path, change]) => ({ path, kind: changeKind(change) })),
          status: "in_progress"
        })]
      case "patch_apply_end": {
        const begun = open.get(msg.call_id)
        return [completed({
          id: take(msg.call_id),
          type: "file_change",
          changes: begun?.type === "file_change" ? begun.changes : [],
          status: msg.success ? "completed" : "failed"
        })]
      }
      case "mcp_tool_call_begin":
        return [started(msg.call_id, {
          id: newId(),
          type: "mcp_tool_call",
          server: msg.invocation.server,
          tool: msg.invocation.tool,
          arguments: msg.invocation.arguments,
          status: "in_progress"
        })]
      case "mcp_tool_call_end":
        return [completed({
          id: take(msg.call_id),
          type: "mcp_tool_call",
          server: msg.invocation.server,
          tool: msg.invocation.tool,
          arguments: msg.invocation.arguments,
          ...mcpResult(msg.result)
        })]
      case "web_search_begin":
        return [started(msg.call_id, { id: newId(), type: "web_search", query: "" })]
      case "web_search_end":
        return [completed({ id: take(msg.call_id), type: "web_search", query: msg.query })]
      case "plan_update": {
        const first = todoList === undefined
        todoList = { id: todoList?.id ?? newId(), type: "todo_list", items: todoItems(msg.plan) }
        return [{ type: first ? "item.started" : "item.updated", item: todoList }]
      }
      case "stream_error":
        return [completed({ id: newId(), type: "error", message: msg.message })]
      case "token_count":
        usage.input_tokens += msg.input_tokens
        usage.cached_input_tokens += msg.cached_input_tokens ?? 0
        usage.output_tokens += msg.output_tokens
        usage.reasoning_output_tokens += msg.reasoning_output_tokens ?? 0
        return []
      case "error":
        failure = msg.message
        return [{ type: "error", message: msg.message }]
      case "task_complete":
        if (failure !== undefined) {
          outcome = { _tag: "Failed", message: failure }
          return endTurn({ type: "turn.failed", error: { message: failure } })
        }
        outcome = { _tag: "Completed", lastMessage: msg.last_agent_message ?? lastMessage }
        return endTurn({ type: "turn.completed", usage: { ...usage } satisfies Usage })
      case "turn_aborted":
        outcome = { _tag: "Aborted" }
        return endTurn({ type: "turn.failed", error: { message: `turn aborted (${msg.reason})` } })
      default:
        return []
    }
  }

  return { encode, outcome: () => outcome }
}
