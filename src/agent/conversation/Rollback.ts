/**
 * `thread_rollback`: the history without its last turns. A turn opens at a user message (not one of the
 * context messages every conversation starts with) and holds what follows up to the next one; dropping
 * more turns than there are keeps the context messages only. Files the turns changed stay as they are.
 */
import type { ResponseItem } from "../../model/ResponseItem.js"
import { isContextMessage } from "../compact/CompactedHistory.js"

export const withoutLastTurns = (history: ReadonlyArray<ResponseItem>, turns: number): ReadonlyArray<ResponseItem> => {
  const starts = history.flatMap((item, index) => (item.type === "message" && item.role === "user" && !isContextMessage(item) ? [index] : []))
  if (turns <= 0 || starts.length === 0) return history
  const cut = starts[Math.max(0, starts.length - turns)]!
  return history.slice(0, cut)
}
