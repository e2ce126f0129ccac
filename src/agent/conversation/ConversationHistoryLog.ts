/**
 * A conversation's view of `CODEX_HOME/history.jsonl`: append a user message under its session id,
 * read an entry back. History is a convenience for clients (prompt recall), so a failure is logged
 * and never fails the turn.
 */
import { Effect } from "effect"
import type { MessageHistorySettings } from "../../config/ResolvedConfig.js"
import { appendHistoryEntry, historyEntryAt } from "../../persistence/MessageHistory.js"
import type { EventMsg, HistoryEntry } from "../../rpc/Event.js"
import type { InputItem } from "../../rpc/Op.js"

export interface ConversationHistoryLog {
  readonly append: (text: string) => Effect.Effect<void>
  /** Entry `offset` of the history file `logId` (its inode), if that file still holds it. */
  readonly entry: (offset: number, logId: number) => Effect.Effect<HistoryEntry | undefined>
}

/** For a conversation without a CODEX_HOME history: nothing is saved, nothing is found. */
export const disabledHistoryLog: ConversationHistoryLog = {
  append: () => Effect.void,
  entry: () => Effect.succeed(undefined)
}

/** Saves the typed text of a user message (images are not recalled). */
export const appendUserInput = (log: ConversationHistoryLog, items: ReadonlyArray<InputItem>) => {
  const text = items.flatMap((item) => item.type === "text" ? [item.text] : []).join("\n")
  return text.length === 0 ? Effect.void : log.append(text)
}

/** The `get_history_entry_response` for a `get_history_entry_request`. */
export const historyEntryResponse = (log: ConversationHistoryLog, offset: number, logId: number) =>
  log.entry(offset, logId).pipe(Effect.map((entry): EventMsg => ({
    type: "get_history_entry_response",
    offset,
    log_id: logId,
    ...(entry !== undefined ? { entry } : {})
  })))

export const conversationHistoryLog = (
  codexHome: string,
  settings: MessageHistorySettings,
  sessionId: string
): ConversationHistoryLog => ({
  append: (text) =>
    appendHistoryEntry(codexHome, settings, { sessionId, text }).pipe(
      Effect.catch((error) => Effect.logWarning(`message history: ${error.message}`))
    ),
  entry: (offset, logId) =>
    historyEntryAt(codexHome, logId, offset).pipe(
      Effect.catch((error) => Effect.logWarning(`message history: ${error.message}`).pipe(Effect.as(undefined)))
    )
})
