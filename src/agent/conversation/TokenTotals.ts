/** A conversation's running token counts: what a resumed conversation had used, plus every `token_count` since. */
import type { TokenTotals } from "../../persistence/Rollout.js"
import type { EventOf } from "../../rpc/Event.js"

export const NO_TOKENS: TokenTotals = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 }

export const addTokens = (total: TokenTotals, count: EventOf<"token_count">): TokenTotals => ({
  input_tokens: total.input_tokens + count.input_tokens,
  cached_input_tokens: total.cached_input_tokens + (count.cached_input_tokens ?? 0),
  output_tokens: total.output_tokens + count.output_tokens,
  reasoning_output_tokens: total.reasoning_output_tokens + (count.reasoning_output_tokens ?? 0),
  total_tokens: total.total_tokens + count.total_tokens
})
