/**
 * The agent's event payloads in v2 item terms: a command's display text and actions, a patch's file changes,
 * an MCP call's item, token counts, and a v2 approval decision as the core's review decision.
 */
import { shlexJoin } from "../../agent/exec/ShellQuote.js"
import type { FileChanges, ReviewDecision } from "../../rpc/Enums.js"
import type { EventOf, ParsedCommand } from "../../rpc/Event.js"
import type { CommandAction, FileUpdateChange, TokenUsageBreakdown } from "./Items.js"
import type { ApprovalDecision } from "./Protocol.js"

export const commandText = (argv: ReadonlyArray<string>) => shlexJoin(argv)

export const commandActions = (parsed: ReadonlyArray<ParsedCommand>, argv: ReadonlyArray<string>): Array<CommandAction> => {
  const actions = parsed.map((p): CommandAction => {
    switch (p.type) {
      case "read":
        return { type: "read", command: p.cmd, name: p.name, path: p.name }
      case "list_files":
        return { type: "listFiles", command: p.cmd, path: p.path ?? null }
      case "search":
        return { type: "search", command: p.cmd, query: p.query ?? null, path: p.path ?? null }
      default:
        return { type: "unknown", command: p.cmd }
    }
  })
  return actions.length > 0 ? actions : [{ type: "unknown", command: commandText(argv) }]
}

export const fileUpdates = (changes: FileChanges): Array<FileUpdateChange> =>
  Object.entries(changes).map(([path, change]) =>
    change === "delete"
      ? { path, kind: { type: "delete" }, diff: "" }
      : "add" in change
      ? { path, kind: { type: "add" }, diff: change.add.content }
      : { path, kind: { type: "update", move_path: change.update.move_path }, diff: change.update.unified_diff }
  )

export const decisionOf = (decision: ApprovalDecision): ReviewDecision =>
  decision === "accept"
    ? "approved"
    : decision === "acceptForSession"
    ? "approved_for_session"
    : decision === "decline"
    ? "denied"
    : "abort"

export const mcpItem = (msg: Pick<EventOf<"mcp_tool_call_begin">, "call_id" | "invocation">, status: "inProgress" | "completed" | "failed") =>
  ({
    type: "mcpToolCall",
    id: msg.call_id,
    server: msg.invocation.server,
    tool: msg.invocation.tool,
    status,
    arguments: msg.invocation.arguments,
    result: null,
    error: null,
    durationMs: null
  }) as const

/** What `item/mcpToolCall/progress` says: the server's own message (or "working") and how far it is. */
export const mcpProgressMessage = (msg: Pick<EventOf<"mcp_tool_call_progress">, "progress" | "total" | "message">) =>
  `${msg.message ?? "working"} (${msg.total !== undefined ? `${msg.progress}/${msg.total}` : msg.progress})`

export const emptyUsage: TokenUsageBreakdown = {
  totalTokens: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  outputTokens: 0,
  reasoningOutputTokens: 0
}

/** Token counts (one response's, or a conversation's running totals) as the protocol's breakdown; none: all zero. */
export const usageOf = (counts: Omit<EventOf<"token_count">, "type" | "model_context_window"> | undefined): TokenUsageBreakdown =>
  counts === undefined ? emptyUsage : {
    totalTokens: counts.total_tokens,
    inputTokens: counts.input_tokens,
    cachedInputTokens: counts.cached_input_tokens ?? 0,
    outputTokens: counts.output_tokens,
    reasoningOutputTokens: counts.reasoning_output_tokens ?? 0
  }

export const addUsage = (a: TokenUsageBreakdown, b: TokenUsageBreakdown): TokenUsageBreakdown => ({
  totalTokens: a.totalTokens + b.totalTokens,
  inputTokens: a.inputTokens + b.inputTokens,
  cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens
})
