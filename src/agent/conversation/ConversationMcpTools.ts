/** What a conversation needs of its MCP servers (`mcp_servers`); `src/mcp/McpConnections.ts` provides it. */
import { Data, type Effect } from "effect"
import type { EventMsg } from "../../rpc/Event.js"
import type { Tool } from "../Tool.js"

/** A server marked `required = true` could not start: no task runs without it. */
export class RequiredMcpServerFailed extends Data.TaggedError("RequiredMcpServerFailed")<{ readonly message: string }> {}

/** The conversation's MCP servers, as the conversation sees them. */
export interface ConversationMcpTools {
  /** The tools for a task, once every server has started or failed; reports failures and crashes through `emit`. */
  readonly forTask: (emit: (msg: EventMsg) => Effect.Effect<void>) => Effect.Effect<ReadonlyArray<Tool>, RequiredMcpServerFailed>
  /** Every MCP tool offered, by the name the model sees (for `list_mcp_tools`). */
  readonly list: Effect.Effect<Readonly<Record<string, Readonly<Record<string, unknown>>>>>
}
