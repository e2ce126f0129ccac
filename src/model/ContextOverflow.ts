/**
 * Whether a provider refused a request because its input does not fit the model's context window.
 * Providers say so in words, not in a status of its own (OpenAI: 400 `context_length_exceeded`,
 * "maximum context length is …", "exceeds the context window"; vLLM and Ollama write similar
 * texts), so the error's message is what is read.
 */
import type { ModelError } from "./ModelError.js"

const OVERFLOW_TEXT = /context[_ ]length[_ ]exceeded|maximum context length|context window|context length|too many tokens|prompt is too long/i

export const isContextOverflow = (error: ModelError): boolean =>
  (error.status === undefined || error.status === 400 || error.status === 413) && OVERFLOW_TEXT.test(error.message)
