/**
 * Approval requests on the MCP tool path: an `exec_approval_request`,
 * `apply_patch_approval_request` or `mcp_tool_call_approval_request` event becomes an `elicitation/create` request whose params carry
 * MCP's `{message, requestedSchema}`, the conversation's `threadId` and every `codex_*` field of the reference.
 */
import { shlexJoin } from "../../agent/exec/ShellQuote.js"
import type { EventOf } from "../../rpc/Event.js"
import { ApprovalRequestedSchema, type ElicitParams } from "../../rpc/Mcp.js"

/** The reference's question, after the reason when there is one (an escalation, a retry outside the sandbox). */
const execApprovalMessage = (command: ReadonlyArray<string>, cwd: string, reason: string | undefined) =>
  `${reason !== undefined ? `${reason}\n` : ""}Allow Codex to run \`${shlexJoin(command)}\` in \`${cwd}\`?`

const patchApprovalMessage = (reason: string | undefined) =>
  reason !== undefined
    ? `${reason}\nAllow Codex to apply proposed code changes?`
    : "Allow Codex to apply proposed code changes?"

export const execElicitation = (
  event: { readonly id: string; readonly msg: EventOf<"exec_approval_request"> },
  toolCallId: string,
  threadId: string
): ElicitParams => ({
  message: execApprovalMessage(event.msg.command, event.msg.cwd, event.msg.reason),
  requestedSchema: ApprovalRequestedSchema,
  threadId,
  codex_elicitation: "exec-approval",
  codex_mcp_tool_call_id: toolCallId,
  codex_event_id: event.id,
  codex_call_id: event.msg.call_id,
  codex_command: event.msg.command,
  codex_cwd: event.msg.cwd,
  ...(event.msg.parsed_cmd !== undefined ? { codex_parsed_cmd: event.msg.parsed_cmd } : {}),
  ...(event.msg.reason !== undefined ? { codex_reason: event.msg.reason } : {})
})

export const patchElicitation = (
  event: { readonly id: string; readonly msg: EventOf<"apply_patch_approval_request"> },
  toolCallId: string,
  threadId: string
): ElicitParams => ({
  message: patchApprovalMessage(event.msg.reason),
  requestedSchema: ApprovalRequestedSchema,
  threadId,
  codex_elicitation: "patch-approval",
  codex_mcp_tool_call_id: toolCallId,
  codex_event_id: event.id,
  codex_call_id: event.msg.call_id,
  ...(event.msg.reason !== undefined ? { codex_reason: event.msg.reason } : {}),
  ...(event.msg.grant_root !== undefined ? { codex_grant_root: event.msg.grant_root } : {}),
  codex_changes: event.msg.changes
})

export const mcpToolCallApprovalMessage = (server: string, tool: string) =>
  `Allow Codex to call the tool \`${tool}\` of the MCP server \`${server}\`?`

export const mcpToolCallElicitation = (
  event: { readonly id: string; readonly msg: EventOf<"mcp_tool_call_approval_request"> },
  toolCallId: string,
  threadId: string
): ElicitParams => ({
  message: mcpToolCallApprovalMessage(event.msg.invocation.server, event.msg.invocation.tool),
  requestedSchema: ApprovalRequestedSchema,
  threadId,
  codex_elicitation: "mcp-tool-call",
  codex_mcp_tool_call_id: toolCallId,
  codex_event_id: event.id,
  codex_call_id: event.msg.call_id,
  codex_mcp_server: event.msg.invocation.server,
  codex_mcp_tool: event.msg.invocation.tool,
  codex_mcp_arguments: event.msg.invocation.arguments
})
