/**
 * The Responses API (`POST {base}/responses`, agent core §5.3, §8.2): the request body built from a
 * Prompt, and the SSE events mapped to ResponseEvents.
 */
import type { Prompt } from "./Prompt.js"
import { ResponseEvent, type TokenUsage } from "./ResponseEvent.js"
import { decodeResponseItem } from "./ResponseItem.js"
import { fatal, type ModelError, streamBroken } from "./ModelError.js"

/** Families that accept `reasoning` (agent core §11). */
const supportsReasoning = (model: string) =>
  /^(o3|o4-mini|codex-|gpt-5)/.test(model)

export const responsesRequestBody = (prompt: Prompt) => {
  const reasoning = prompt.reasoning !== undefined && supportsReasoning(prompt.model)
    ? { effort: prompt.reasoning.effort, summary: prompt.reasoning.summary === "none" ? null : prompt.reasoning.summary }
    : null
  return {
    model: prompt.model,
    instructions: prompt.instructions,
    input: prompt.input,
    tools: prompt.tools,
    tool_choice: "auto",
    parallel_tool_calls: false,
    reasoning,
    store: false,
    stream: true,
    include: reasoning !== null ? ["reasoning.encrypted_content"] : [],
    ...(prompt.promptCacheKey !== undefined ? { prompt_cache_key: prompt.promptCacheKey } : {})
  }
}

interface WireUsage {
  readonly input_tokens?: number
  readonly input_tokens_details?: { readonly cached_tokens?: number } | null
  readonly output_tokens?: number
  readonly output_tokens_details?: { readonly reasoning_tokens?: number } | null
  readonly total_tokens?: number
}

const usageOf = (usage: WireUsage | null | undefined): TokenUsage | undefined =>
  usage === null || usage === undefined ? undefined : {
    input_tokens: usage.input_tokens ?? 0,
    cached_input_tokens: usage.input_tokens_details?.cached_tokens,
    output_tokens: usage.output_tokens ?? 0,
    reasoning_output_tokens: usage.output_tokens_details?.reasoning_tokens,
    total_tokens: usage.total_tokens ?? 0
  }

/** A Responses SSE event as far as we read it. */
export interface ResponsesWireEvent {
  readonly type: string
  readonly delta?: unknown
  readonly item?: unknown
  readonly message?: unknown
  readonly response?: {
    readonly id?: string
    readonly usage?: WireUsage | null
    readonly error?: { readonly message?: string } | null
  }
}

/** One SSE event → zero or one ResponseEvent, or the failure it reports. */
export const mapResponsesEvent = (event: ResponsesWireEvent): ResponseEvent | ModelError | undefined => {
  switch (event.type) {
    case "response.created":
      return ResponseEvent.Created()
    case "response.output_text.delta":
      return typeof event.delta === "string" ? ResponseEvent.OutputTextDelta({ delta: event.delta }) : undefined
    case "response.reasoning_summary_text.delta":
      return typeof event.delta === "string" ? ResponseEvent.ReasoningSummaryDelta({ delta: event.delta }) : undefined
    case "response.output_item.done": {
      const item = decodeResponseItem(event.item)
      return item._tag === "Some" ? ResponseEvent.OutputItemDone({ item: item.value }) : undefined
    }
    case "response.completed":
      return ResponseEvent.Completed({ responseId: event.response?.id ?? "", tokenUsage: usageOf(event.response?.usage) })
    case "response.failed":
      return fatal(`the model provider reported a failure: ${event.response?.error?.message ?? "unknown error"}`)
    case "error":
      return streamBroken(`the stream reported an error: ${typeof event.message === "string" ? event.message : "unknown"}`)
    default:
      return undefined
  }
}
