/**
 * What a model stream yields to the turn loop, whichever wire API it came from.
 */
import { Data } from "effect"
import type { ResponseItem } from "./ResponseItem.js"

export interface TokenUsage {
  readonly input_tokens: number
  readonly cached_input_tokens?: number | undefined
  readonly output_tokens: number
  readonly reasoning_output_tokens?: number | undefined
  readonly total_tokens: number
}

export type ResponseEvent = Data.TaggedEnum<{
  Created: {}
  OutputTextDelta: { readonly delta: string }
  ReasoningSummaryDelta: { readonly delta: string }
  /** A finished output item: an assistant message, reasoning, or a tool call to run now. */
  OutputItemDone: { readonly item: ResponseItem }
  Completed: { readonly responseId: string; readonly tokenUsage?: TokenUsage | undefined }
  /** The client is about to retry: what this attempt streamed will be streamed again. */
  Retrying: { readonly message: string }
}>

export const ResponseEvent = Data.taggedEnum<ResponseEvent>()
