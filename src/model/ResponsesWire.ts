/**
 * The Responses API (`POST {base}/responses`): the request body built from a
 * Prompt, and the SSE events mapped to ResponseEvents. The stream's turn ends at `response.completed`.
 */
import { OUTPUT_SCHEMA_NAME, type Prompt } from "./Prompt.js"
import { ResponseEvent, type TokenUsage } from "./ResponseEvent.js"
import { decodeResponseItem, type ResponseItem } from "./ResponseItem.js"
import { type ModelError, streamBroken } from "./ModelError.js"

/**
 * An item as it is resent: without the API's ids (with `store: false` the API cannot resolve them and
 * rejects the request), and reasoning `content` only when it carries `reasoning_text`.
 */
export const wireItem = (item: ResponseItem): ResponseItem => {
  switch (item.type) {
    case "message":
    case "function_call":
    case "custom_tool_call": {
      const { id: _id, ...rest } = item
      return rest
    }
    case "reasoning": {
      const { id: _id, content, ...rest } = item
      const keepContent = content !== undefined && content !== null &&
        content.some((part) => part.type === "reasoning_text")
      return keepContent ? { ...rest, content } : rest
    }
    default:
      return item
  }
}

export const responsesRequestBody = (prompt: Prompt) => {
  const reasoning = prompt.reasoning !== undefined
    ? {
      effort: prompt.reasoning.effort,
      ...(prompt.reasoning.summary !== "none" ? { summary: prompt.reasoning.summary } : {})
    }
    : null
  return {
    model: prompt.model,
    instructions: prompt.instructions,
    input: prompt.input.map(wireItem),
    tools: prompt.tools,
    tool_choice: "auto",
    parallel_tool_calls: prompt.parallelToolCalls === true,
    reasoning,
    store: false,
    stream: true,
    include: reasoning !== null ? ["reasoning.encrypted_content"] : [],
    ...(prompt.promptCacheKey !== undefined ? { prompt_cache_key: prompt.promptCacheKey } : {}),
    ...(prompt.verbosity !== undefined || prompt.outputSchema !== undefined
      ? {
        text: {
          ...(prompt.verbosity !== undefined ? { verbosity: prompt.verbosity } : {}),
          ...(prompt.outputSchema !== undefined ? { format: outputSchemaFormat(prompt.outputSchema) } : {})
        }
      }
      : {})
  }
}

/** The reference's structured-output format: strict, under its name. */
const outputSchemaFormat = (schema: Readonly<Record<string, unknown>>) => ({
  type: "json_schema" as const,
  strict: true,
  schema,
  name: OUTPUT_SCHEMA_NAME
})

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

interface WebSearchCall {
  readonly type: "web_search_call"
  readonly id?: string
  readonly action?: { readonly query?: unknown } | null
}

const isWebSearchCall = (item: unknown): item is WebSearchCall =>
  typeof item === "object" && item !== null && (item as { type?: unknown }).type === "web_search_call"

const delta = (event: ResponsesWireEvent, make: (args: { readonly delta: string }) => ResponseEvent) =>
  typeof event.delta === "string" ? make({ delta: event.delta }) : undefined

/**
 * One SSE event → zero or one ResponseEvent, or the failure it reports. A failed response is a
 * stream error, retried like a broken stream.
 */
export const mapResponsesEvent = (event: ResponsesWireEvent): ResponseEvent | ModelError | undefined => {
  switch (event.type) {
    case "response.created":
      return ResponseEvent.Created()
    case "response.output_text.delta":
      return delta(event, ResponseEvent.OutputTextDelta)
    case "response.reasoning_summary_text.delta":
      return delta(event, ResponseEvent.ReasoningSummaryDelta)
    case "response.reasoning_summary_part.added":
      return ResponseEvent.ReasoningSummaryPartAdded()
    case "response.reasoning_text.delta":
      return delta(event, ResponseEvent.ReasoningContentDelta)
    case "response.output_item.added":
      return isWebSearchCall(event.item) ? ResponseEvent.WebSearchBegin({ callId: event.item.id ?? "" }) : undefined
    case "response.output_item.done": {
      if (isWebSearchCall(event.item)) {
        const query = event.item.action?.query
        return ResponseEvent.WebSearchEnd({ callId: event.item.id ?? "", query: typeof query === "string" ? query : "" })
      }
      const item = decodeResponseItem(event.item)
      return item._tag === "Some" ? ResponseEvent.OutputItemDone({ item: item.value }) : undefined
    }
    case "response.completed":
      return ResponseEvent.Completed({ responseId: event.response?.id ?? "", tokenUsage: usageOf(event.response?.usage) })
    case "response.failed":
      return streamBroken(event.response?.error?.message ?? "response.failed event received")
    case "error":
      return streamBroken(typeof event.message === "string" ? event.message : "error event received")
    default:
      return undefined
  }
}
