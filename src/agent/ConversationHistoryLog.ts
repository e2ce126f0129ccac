/**
 * A conversation's view of `CODEX_HOME/history.jsonl`: append a user message under its session id,
 * read an entry back. History is a convenience for clients (prompt recall), so a failure is logged
 * and never fails the turn.
 */
import { Effect } from "effect"
import type { MessageHistorySettings } from "../config/ResolvedConfig.js"
import { appendHistoryEntry, historyEntryAt } from "../persistence/MessageHistory.js"
import type { HistoryEntry } from "../rpc/Event.js"

export interface ConversationHistoryLog {
  readonly append: (text: string) => Effect.Effect<void>
  /** Entry `offset` of the history file `logId` (its inode), if that file still holds it. */
  readonly entry: (offset: number, logId: number) => Effect.Effect<HistoryEntry | undefined>
}

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
