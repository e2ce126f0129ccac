/**
 * Approval requests on the MCP tool path: an `exec_approval_request` or
 * `apply_patch_approval_request` event becomes an `elicitation/create` request whose params carry
 * MCP's `{message, requestedSchema}` and every `codex_*` field of the reference.
 */
import { shlexJoin } from "../agent/exec/ShellQuote.js"
import type { EventOf } from "../rpc/Event.js"
import { ApprovalRequestedSchema, type ElicitParams } from "../rpc/Mcp.js"

const execApprovalMessage = (command: ReadonlyArray<string>, cwd: string) =>
  `Allow Codex to run \`${shlexJoin(command)}\` in \`${cwd}\`?`

const patchApprovalMessage = (reason: string | undefined) =>
  reason !== undefined
    ? `${reason}\nAllow Codex to apply proposed code changes?`
    : "Allow Codex to apply proposed code changes?"

export const execElicitation = (
  event: { readonly id: string; readonly msg: EventOf<"exec_approval_request"> },
  toolCallId: string
): ElicitParams => ({
  message: execApprovalMessage(event.msg.command, event.msg.cwd),
  requestedSchema: ApprovalRequestedSchema,
  codex_elicitation: "exec-approval",
  codex_mcp_tool_call_id: toolCallId,
  codex_event_id: event.id,
  codex_call_id: event.msg.call_id,
  codex_command: event.msg.command,
  codex_cwd: event.msg.cwd,
  ...(event.msg.reason !== undefined ? { codex_reason: event.msg.reason } : {})
})

export const patchElicitation = (
  event: { readonly id: string; readonly msg: EventOf<"apply_patch_approval_request"> },
  toolCallId: string
): ElicitParams => ({
  message: patchApprovalMessage(event.msg.reason),
  requestedSchema: ApprovalRequestedSchema,
  codex_elicitation: "patch-approval",
  codex_mcp_tool_call_id: toolCallId,
  codex_event_id: event.id,
  codex_call_id: event.msg.call_id,
  ...(event.msg.reason !== undefined ? { codex_reason: event.msg.reason } : {}),
  ...(event.msg.grant_root !== undefined ? { codex_grant_root: event.msg.grant_root } : {}),
  codex_changes: event.msg.changes
})
