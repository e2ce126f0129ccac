/**
 * A conversation's history as the turns a client shows (the app-server's `thread/read`, a resumed
 * conversation's transcript): each turn starts at a message the user sent and holds every item that followed
 * it (reasoning, tool calls and their outputs, the agent's messages). The context messages every conversation
 * starts with (instructions, environment) belong to no turn.
 */
import { isContextMessage } from "../agent/compact/CompactedHistory.js"
import type { ResponseItem } from "../model/ResponseItem.js"

export interface ConversationTurn {
  /** The user's message that started the turn. */
  readonly input: ResponseItem
  /** What followed it, in order, up to the next user message. */
  readonly items: ReadonlyArray<ResponseItem>
}

const startsTurn = (item: ResponseItem) => item.type === "message" && item.role === "user" && !isContextMessage(item)

export const turnsOf = (history: ReadonlyArray<ResponseItem>): ReadonlyArray<ConversationTurn> => {
  const turns: Array<{ readonly input: ResponseItem; readonly items: Array<ResponseItem> }> = []
  for (const item of history) {
    if (startsTurn(item)) turns.push({ input: item, items: [] })
    else turns[turns.length - 1]?.items.push(item)
  }
  return turns
}
