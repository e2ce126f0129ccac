/**
 * What a model stream yields to the turn loop, whichever wire API it came from.
 * A stream ends right after `Completed`; it never ends without one (it fails instead).
 */
import { Data } from "effect"
import type { ResponseItem } from "./ResponseItem.js"

/** Token counts of one response (not cumulative), as the `token_count` event reports them. */
export interface TokenUsage {
  readonly input_tokens: number
  readonly cached_input_tokens?: number | undefined
  readonly output_tokens: number
  readonly reasoning_output_tokens?: number | undefined
  readonly total_tokens: number
}

export type ResponseEvent = Data.TaggedEnum<{
  /** The provider accepted the request. */
  Created: {}
  /** A piece of the assistant's visible answer → `agent_message_delta`. */
  OutputTextDelta: { readonly delta: string }
  /** A piece of the reasoning summary → `agent_reasoning_delta`. */
  ReasoningSummaryDelta: { readonly delta: string }
  /** A new reasoning summary section begins → `agent_reasoning_section_break`. */
  ReasoningSummaryPartAdded: {}
  /** A piece of raw reasoning (shown only with `show_raw_agent_reasoning`). */
  ReasoningContentDelta: { readonly delta: string }
  /** A finished output item: an assistant message, reasoning, or a tool call to run now. */
  OutputItemDone: { readonly item: ResponseItem }
  /** The provider started a hosted web search (→ `web_search_begin`). */
  WebSearchBegin: { readonly callId: string }
  /** The provider's web search finished (→ `web_search_end`); such calls are not kept in the history. */
  WebSearchEnd: { readonly callId: string; readonly query: string }
  /** The response is complete; always the last event of a stream. */
  Completed: { readonly responseId: string; readonly tokenUsage?: TokenUsage | undefined }
  /**
   * The attempt failed and the client is about to try again (→ `stream_error`): everything this
   * attempt streamed will be streamed again, so the turn loop drops what it collected.
   */
  Retrying: { readonly message: string }
}>

export const ResponseEvent = Data.taggedEnum<ResponseEvent>()
