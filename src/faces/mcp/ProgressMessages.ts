/**
 * Short human messages for `notifications/progress`, so MCP clients that don't understand
 * `codex/event` still show what the agent is doing: commands started, patches applied, messages, the
 * progress a configured MCP server reports for a tool call.
 */
import { shlexJoin } from "../../agent/exec/ShellQuote.js"
import type { EventMsg } from "../../rpc/Event.js"

const MAX_MESSAGE = 200

const clip = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text)

export const progressMessage = (msg: EventMsg): string | undefined => {
  switch (msg.type) {
    case "exec_command_begin":
      return clip(`Running ${shlexJoin(msg.command)}`)
    case "patch_apply_end":
      return msg.success ? "Applied a patch" : "A patch failed to apply"
    case "agent_message":
      return clip(msg.message)
    case "mcp_tool_call_progress": {
      // A configured server's own progress, passed on as the progress of this call.
      const done = msg.total !== undefined ? `${msg.progress}/${msg.total}` : `${msg.progress}`
      return clip(`${msg.server}: ${msg.message ?? "working"} (${done})`)
    }
    default:
      return undefined
  }
}
