/**
 * Compaction: one summarisation request (the history plus `COMPACT_PROMPT` or the configured
 * `compact_prompt`, no tools), then the
 * history is replaced by `compactedHistory` and the rollout records the replacement, so a resumed
 * conversation continues from the compacted history too. A summarisation request that overflows
 * the context window itself is retried with the older half of the history left out, a few times.
 */
import { Effect, Stream } from "effect"
import { isContextOverflow, type ModelError } from "../../model/ModelError.js"
import type { Prompt } from "../../model/Prompt.js"
import type { ResponseItem } from "../../model/ResponseItem.js"
import type { TokenUsage } from "../../model/ResponseEvent.js"
import { userTextMessage } from "../InputMessages.js"
import type { TaskEnvironment } from "../TaskEnvironment.js"
import { repairDanglingCalls } from "../ToolCallItems.js"
import { compactedHistory, withoutOldestHalf } from "./CompactedHistory.js"
import { COMPACT_PROMPT } from "./CompactPrompt.js"

/** Halvings of the history tried when the summarisation request does not fit either. */
const MAX_TRIMS = 3

interface Summary {
  readonly text: string
  readonly usage: TokenUsage | undefined
}

/** Streams one summarisation request and keeps the last assistant text; a retried attempt starts over. */
const summariseOnce = (env: TaskEnvironment, history: ReadonlyArray<ResponseItem>) => {
  const context = env.toolContext.turn
  const prompt: Prompt = {
    model: context.model,
    instructions: context.instructions,
    input: [...repairDanglingCalls(history), userTextMessage(context.config.compactPrompt ?? COMPACT_PROMPT)],
    tools: [],
    reasoning: { effort: context.effort, summary: context.summary },
    promptCacheKey: env.conversationId
  }
  return env.model.stream(prompt, context.provider).pipe(
    Stream.runFold((): { text: string; usage: TokenUsage | undefined } => ({ text: "", usage: undefined }), (summary, event) => {
      switch (event._tag) {
        case "Retrying":
          return { text: "", usage: undefined }
        case "Completed":
          return { ...summary, usage: event.tokenUsage }
        case "OutputItemDone": {
          const item = event.item
          if (item.type !== "message" || item.role !== "assistant") return summary
          const text = item.content.flatMap((part) => part.type === "output_text" ? [part.text] : []).join("")
          return text.length > 0 ? { ...summary, text } : summary
        }
        default:
          return summary
      }
    })
  )
}

const summarise = (env: TaskEnvironment, history: ReadonlyArray<ResponseItem>, trims = 0): Effect.Effect<Summary, ModelError> =>
  summariseOnce(env, history).pipe(
    Effect.catch((error) =>
      isContextOverflow(error) && trims < MAX_TRIMS
        ? summarise(env, withoutOldestHalf(history), trims + 1)
        : Effect.fail(error)
    )
  )

/** Summarises the history and replaces it; the summary's token usage is reported as a `token_count`. */
export const compactConversation = Effect.fnUntraced(function*(env: TaskEnvironment) {
  // A copy: the history is replaced below, and the log line compares the two.
  const before = [...env.history()]
  const summary = yield* summarise(env, before)
  const usage = summary.usage
  yield* env.toolContext.emit({
    type: "token_count",
    input_tokens: usage?.input_tokens ?? 0,
    cached_input_tokens: usage?.cached_input_tokens ?? null,
    output_tokens: usage?.output_tokens ?? 0,
    reasoning_output_tokens: usage?.reasoning_output_tokens ?? null,
    total_tokens: usage?.total_tokens ?? 0,
    model_context_window: env.toolContext.turn.limits.contextWindow ?? null
  })
  const after = compactedHistory(before, summary.text.length > 0 ? summary.text : "(the model gave no summary)")
  yield* env.replaceHistory(after)
  yield* Effect.logInfo("history compacted").pipe(Effect.annotateLogs({ items_before: before.length, items_after: after.length }))
})

/** The `compact` op's task: compaction, then the reference's closing message. */
export const runCompactTask = Effect.fnUntraced(function*(env: TaskEnvironment) {
  yield* compactConversation(env)
  yield* env.toolContext.emit({ type: "agent_message", message: "Compact task completed" })
  return { lastAgentMessage: null }
})
