/**
 * The history after compaction: the context messages (user instructions, environment), the user's
 * most recent messages within a budget, then the summary. Tool calls, outputs, assistant messages
 * and reasoning are what the summary replaces. Also the trimming used when even the summarisation
 * request does not fit: the oldest items go, and no tool output is left without its call.
 */
import { userTextMessage } from "../InputMessages.js"
import type { ResponseItem } from "../../model/ResponseItem.js"
import { SUMMARY_PREFIX } from "./CompactPrompt.js"

/** Characters of recent user messages kept verbatim (about 20k tokens at ~4 characters a token). */
export const RECENT_USER_CHARS = 80_000

const firstText = (item: ResponseItem): string | undefined => {
  if (item.type !== "message") return undefined
  const part = item.content.find((candidate) => candidate.type === "input_text")
  return part?.type === "input_text" ? part.text : undefined
}

/** The messages every conversation starts with (and `override_turn_context` adds to). */
export const isContextMessage = (item: ResponseItem): boolean => {
  if (item.type !== "message" || item.role !== "user") return false
  const text = firstText(item)
  return text !== undefined && (text.startsWith("<user_instructions>") || text.startsWith("<environment_context>"))
}

const isSummaryMessage = (item: ResponseItem) => firstText(item)?.startsWith(SUMMARY_PREFIX) === true

/** A user message as kept after compaction: its text only (images are not worth their size again). */
const textOnly = (item: Extract<ResponseItem, { type: "message" }>): ResponseItem | undefined => {
  const text = item.content.flatMap((part) => part.type === "input_text" ? [part.text] : []).join("\n")
  return text.length > 0 ? userTextMessage(text) : undefined
}

/** The newest user messages whose text fits `budget` characters, oldest first. */
const recentUserMessages = (history: ReadonlyArray<ResponseItem>, budget: number): Array<ResponseItem> => {
  const kept: Array<ResponseItem> = []
  let left = budget
  for (let index = history.length - 1; index >= 0 && left > 0; index--) {
    const item = history[index]!
    if (item.type !== "message" || item.role !== "user" || isContextMessage(item) || isSummaryMessage(item)) continue
    const text = textOnly(item)
    if (text === undefined || text.type !== "message") continue
    const length = text.content.reduce((sum, part) => sum + ("text" in part ? part.text.length : 0), 0)
    if (length > left) break
    left -= length
    kept.unshift(text)
  }
  return kept
}

export const compactedHistory = (history: ReadonlyArray<ResponseItem>, summary: string): ReadonlyArray<ResponseItem> => [
  ...history.filter(isContextMessage),
  ...recentUserMessages(history, RECENT_USER_CHARS),
  userTextMessage(`${SUMMARY_PREFIX}\n\n${summary}`)
]

const callIdOf = (item: ResponseItem): string | undefined =>
  item.type === "function_call" || item.type === "custom_tool_call" ? item.call_id : undefined

/**
 * The history without the older half of what follows the context messages, for a summarisation
 * request that itself overflowed. Outputs whose call was dropped go too: the API rejects them.
 */
export const withoutOldestHalf = (history: ReadonlyArray<ResponseItem>): ReadonlyArray<ResponseItem> => {
  const context = history.filter(isContextMessage)
  const rest = history.filter((item) => !isContextMessage(item))
  const kept = rest.slice(Math.ceil(rest.length / 2))
  const calls = new Set(kept.flatMap((item) => callIdOf(item) ?? []))
  return [
    ...context,
    ...kept.filter((item) =>
      (item.type !== "function_call_output" && item.type !== "custom_tool_call_output") || calls.has(item.call_id)
    )
  ]
}
