/** What a conversation needs of its MCP servers (`mcp_servers`); `src/mcp/McpConnections.ts` provides it. */
import type { Effect } from "effect"
import type { EventMsg } from "../../rpc/Event.js"
import type { Tool } from "../Tool.js"

/** The conversation's MCP servers, as the conversation sees them. */
export interface ConversationMcpTools {
  /** The tools for a task, once every server has started or failed; reports failures and crashes through `emit`. */
  readonly forTask: (emit: (msg: EventMsg) => Effect.Effect<void>) => Effect.Effect<ReadonlyArray<Tool>>
  /** Every MCP tool offered, by the name the model sees (for `list_mcp_tools`). */
  readonly list: Effect.Effect<Readonly<Record<string, Readonly<Record<string, unknown>>>>>
}
