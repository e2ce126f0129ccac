/**
 * A saved conversation's history as v2 turns (`thread/read`, `thread/resume`): each user message opens a
 * turn, and the assistant's messages, reasoning and tool calls that follow are its items. The context
 * messages the agent adds itself (instructions, environment) are not turns. A review's record (its
 * `<user_action>` message and the review) is a turn with an `exitedReviewMode` item and the review. What the
 * history keeps is less than the live events carried (no exit codes or durations): those fields are `null`.
 */
import type { ResponseItem } from "../../model/ResponseItem.js"
import type { ThreadItem, Turn } from "./Items.js"

const CONTEXT_PREFIXES = ["<user_instructions>", "<environment_context>", "<user_instructions", "# AGENTS.md"]

const textOf = (item: Extract<ResponseItem, { type: "message" }>) =>
  item.content.map((part) => ("text" in part ? part.text : "")).join("")

const isContextMessage = (text: string) => CONTEXT_PREFIXES.some((prefix) => text.trimStart().startsWith(prefix))

/** The user message a review leaves in the history (see `ReviewTask`). */
const isReviewRecord = (text: string) => text.startsWith("<user_action>") && text.includes("<action>review</action>")

/** The first real user message of a history, for previews. */
export const previewOfHistory = (items: ReadonlyArray<ResponseItem>): string => {
  for (const item of items) {
    if (item.type === "message" && item.role === "user") {
      const text = textOf(item)
      if (!isContextMessage(text) && !isReviewRecord(text)) return text
    }
  }
  return ""
}

export const turnsOfHistory = (threadId: string, items: ReadonlyArray<ResponseItem>): Array<Turn> => {
  const turns: Array<Turn> = []
  let current: { id: string; items: Array<ThreadItem>; review?: boolean } | undefined
  const push = (item: ThreadItem) => current?.items.push(item)
  const close = () => {
    if (current === undefined) return
    turns.push({
      id: current.id,
      items: current.items,
      itemsView: "full",
      status: "completed",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null
    })
    current = undefined
  }
  items.forEach((item, index) => {
    const id = `${threadId}:${index}`
    switch (item.type) {
      case "message": {
        const text = textOf(item)
        if (item.role === "user") {
          if (isContextMessage(text)) return
          close()
          if (isReviewRecord(text)) {
            current = { id: `turn:${id}`, items: [], review: true }
            return
          }
          current = { id: `turn:${id}`, items: [] }
          push({ type: "userMessage", id, content: [{ type: "text", text, text_elements: [] }] })
        } else if (item.role === "assistant") {
          if (current?.review === true) {
            current.review = false
            push({ type: "exitedReviewMode", id: `${id}:review`, review: text })
          }
          push({ type: "agentMessage", id, text })
        }
        return
      }
      case "reasoning":
        return push({
          type: "reasoning",
          id,
          summary: item.summary.map((part) => part.text),
          content: (item.content ?? []).map((part) => part.text)
        })
      case "function_call":
      case "custom_tool_call":
        return push({
          type: "commandExecution",
          id: item.call_id,
          command: `${item.name} ${"arguments" in item ? item.arguments : item.input}`,
          cwd: "",
          processId: null,
          status: "completed",
          commandActions: [],
          aggregatedOutput: null,
          exitCode: null,
          durationMs: null
        })
      default:
        return
    }
  })
  close()
  return turns
}
