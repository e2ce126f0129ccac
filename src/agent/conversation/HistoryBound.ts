/**
 * The conversation history's total size, held below `MAX_HISTORY_CHARS`. Each response is capped
 * (`ModelOutputLimits`), but a model can answer with large items turn after turn, and the history is
 * kept in memory and resent whole with every request. Past the cap the oldest items' contents are
 * replaced by a short note (messages, tool calls and their outputs keep their place and call ids, so
 * the history stays one the API accepts; reasoning goes) until the history is back under three
 * quarters of the cap. The context messages the conversation started with stay as they are.
 *
 * The reference has no such bound: a provider refuses a history over its context window, and then
 * compaction (`Compaction`) summarises it. This bound sits far above every context window (the largest,
 * ~1M tokens, is ~4M characters) and holds even with a provider that accepts anything.
 */
import { MAX_HISTORY_CHARS } from "../../model/ModelOutputLimits.js"
import type { ResponseItem } from "../../model/ResponseItem.js"
import type { InlineInputItem } from "../InputMessages.js"
import { isContextMessage } from "../compact/CompactedHistory.js"

/** Where elision stops, so a history at the cap is not elided again at every turn. */
const ELIDED_TARGET = Math.floor(MAX_HISTORY_CHARS * 0.75)
/** Items this small are left alone: eliding them would save nothing. */
const SMALL_ITEM_CHARS = 1024

const sizes = new WeakMap<ResponseItem, number>()

/** Characters an item holds (its strings; what it costs in memory and in every request). */
const itemChars = (item: ResponseItem): number => {
  const cached = sizes.get(item)
  if (cached !== undefined) return cached
  let chars = 0
  switch (item.type) {
    case "message":
      for (const part of item.content) chars += part.type === "input_image" ? part.image_url.length : part.text.length
      break
    case "reasoning":
      for (const part of [...item.summary, ...(item.content ?? [])]) chars += part.text.length
      chars += item.encrypted_content?.length ?? 0
      break
    case "function_call":
      chars += item.arguments.length + item.name.length
      break
    case "custom_tool_call":
      chars += item.input.length + item.name.length
      break
    case "function_call_output":
    case "custom_tool_call_output":
      chars += item.output.length
      break
  }
  sizes.set(item, chars)
  return chars
}

const note = (chars: number) =>
  `[elided: the conversation's history passed ${MAX_HISTORY_CHARS} characters, so its oldest contents were dropped; this held ${chars}]`

/** The item with its contents replaced by the note; undefined for an item that goes altogether. */
const elided = (item: ResponseItem): ResponseItem | undefined => {
  const chars = itemChars(item)
  switch (item.type) {
    case "message":
      return { ...item, content: [{ type: item.role === "assistant" ? "output_text" : "input_text", text: note(chars) }] }
    case "reasoning":
      return undefined
    case "function_call":
      return { ...item, arguments: "{}" }
    case "custom_tool_call":
      return { ...item, input: note(chars) }
    case "function_call_output":
    case "custom_tool_call_output":
      return { ...item, output: note(chars) }
  }
}

/** Characters of a client's input (its texts and image data), as the history will hold them. */
export const inputChars = (items: ReadonlyArray<InlineInputItem>): number =>
  items.reduce((sum, item) => sum + (item.type === "text" ? item.text.length : item.type === "image" ? item.image_url.length : 0), 0)

export const historyChars = (history: ReadonlyArray<ResponseItem>): number => history.reduce((sum, item) => sum + itemChars(item), 0)

/**
 * Holds the bound on `history`, in place: when it is over the cap, elides from the oldest item on.
 * Answers what was done (for the log), or undefined when the history was within the cap.
 */
export const holdHistoryBound = (history: Array<ResponseItem>): { readonly before: number; readonly after: number } | undefined => {
  const before = historyChars(history)
  if (before <= MAX_HISTORY_CHARS) return undefined
  let total = before
  for (let index = 0; index < history.length && total > ELIDED_TARGET; index++) {
    const item = history[index]!
    const chars = itemChars(item)
    if (chars <= SMALL_ITEM_CHARS || isContextMessage(item)) continue
    const replacement = elided(item)
    total -= chars
    if (replacement === undefined) {
      history.splice(index--, 1)
      continue
    }
    history[index] = replacement
    total += itemChars(replacement)
  }
  return { before, after: total }
}
