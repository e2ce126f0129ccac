/**
 * Chat Completions (`POST {base}/chat/completions`): the history converted to chat
 * messages, and streamed chunks accumulated (content, reasoning, and `tool_calls` deltas by index)
 * into the same ResponseEvents the Responses API gives. A turn ends at the first `finish_reason`,
 * so whatever follows it (`data: [DONE]`, or the reference mock's literal `data: DONE`) is never read.
 */
import { OUTPUT_SCHEMA_NAME, type Prompt } from "./Prompt.js"
import { fatal, ModelError } from "./ModelError.js"
import { MAX_RESPONSE_TEXT_CHARS, MAX_TOOL_CALLS_PER_RESPONSE, MAX_TOOL_INPUT_CHARS, overLimit } from "./ModelOutputLimits.js"
import { ResponseEvent } from "./ResponseEvent.js"
import type { ContentPart } from "./ResponseItem.js"

type ChatContentPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image_url"; readonly image_url: { readonly url: string } }

interface ChatToolCall {
  readonly id: string
  readonly type: "function"
  readonly function: { readonly name: string; readonly arguments: string }
}

type ChatMessage =
  | { readonly role: "system" | "user"; readonly content: string | ReadonlyArray<ChatContentPart> }
  | { readonly role: "assistant"; readonly content: string | null; readonly tool_calls?: ReadonlyArray<ChatToolCall> }
  | { readonly role: "tool"; readonly tool_call_id: string; readonly content: string }

const textOf = (parts: ReadonlyArray<ContentPart>) => parts.map((part) => ("text" in part ? part.text : "")).join("")

/** Plain text, or parts when the message carries images (which text-only history would lose). */
const userContent = (parts: ReadonlyArray<ContentPart>): string | ReadonlyArray<ChatContentPart> =>
  parts.some((part) => part.type === "input_image")
    ? parts.map((part) =>
      part.type === "input_image" ? { type: "image_url", image_url: { url: part.image_url } } : { type: "text", text: part.text }
    )
    : textOf(parts)

/** The system message (instructions), then the history; reasoning is not sent. */
export const chatMessages = (prompt: Prompt): Array<ChatMessage> => {
  const messages: Array<ChatMessage> = [{ role: "system", content: prompt.instructions }]
  const call = (toolCall: ChatToolCall) => {
    const last = messages[messages.length - 1]
    // Consecutive calls belong to one assistant message, as the model sent them.
    if (last?.role === "assistant" && last.tool_calls !== undefined) {
      messages[messages.length - 1] = { ...last, tool_calls: [...last.tool_calls, toolCall] }
    } else {
      messages.push({ role: "assistant", content: null, tool_calls: [toolCall] })
    }
  }
  for (const item of prompt.input) {
    switch (item.type) {
      case "message":
        if (item.role === "assistant") messages.push({ role: "assistant", content: textOf(item.content) })
        else messages.push({ role: item.role === "user" ? "user" : "system", content: userContent(item.content) })
        break
      case "function_call":
        call({ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } })
        break
      case "custom_tool_call":
        call({ id: item.call_id, type: "function", function: { name: item.name, arguments: item.input } })
        break
      case "function_call_output":
      case "custom_tool_call_output":
        messages.push({ role: "tool", tool_call_id: item.call_id, content: item.output })
        break
      case "reasoning":
        break
    }
  }
  return messages
}

/** Only function tools exist on this wire; freeform tools are left out. */
export const chatRequestBody = (prompt: Prompt) => {
  const tools = prompt.tools.flatMap((tool) =>
    tool.type === "function"
      ? [{
        type: "function" as const,
        function: { name: tool.name, description: tool.description, strict: tool.strict, parameters: tool.parameters }
      }]
      : []
  )
  return {
    model: prompt.model,
    messages: chatMessages(prompt),
    stream: true,
    ...(tools.length > 0 ? { tools } : {}),
    ...(prompt.outputSchema !== undefined
      ? { response_format: { type: "json_schema", json_schema: { name: OUTPUT_SCHEMA_NAME, strict: true, schema: prompt.outputSchema } } }
      : {})
  }
}

/** A streamed chunk as far as we read it; `reasoning`/`reasoning_content` come from gpt-oss, vLLM, DeepSeek. */
export interface ChatChunk {
  readonly id?: string
  readonly choices?: ReadonlyArray<{
    readonly delta?: {
      readonly content?: string | null
      readonly reasoning?: string | { readonly text?: string; readonly content?: string } | null
      readonly reasoning_content?: string | null
      readonly tool_calls?: ReadonlyArray<{
        readonly index?: number
        readonly id?: string
        readonly function?: { readonly name?: string; readonly arguments?: string }
      }> | null
    }
    readonly finish_reason?: string | null
  }>
}

type ChatDelta = NonNullable<NonNullable<ChatChunk["choices"]>[number]["delta"]>

const reasoningOf = (delta: ChatDelta): string | undefined => {
  const reasoning = delta.reasoning ?? delta.reasoning_content
  if (typeof reasoning === "string") return reasoning
  return reasoning?.text ?? reasoning?.content
}

interface PendingCall {
  id: string
  name: string
  arguments: string
}

interface ChatAccumulator {
  /** True once a `finish_reason` was seen: the turn's items and `Completed` have been released. */
  readonly done: boolean
  /** The events this chunk releases, or why the response cannot be used (a model flood). */
  readonly push: (chunk: ChatChunk) => ReadonlyArray<ResponseEvent> | ModelError
}

/**
 * Arguments are kept up to one character over the cap: enough for the tool dispatch to refuse the
 * call with a clear result, without holding the rest of the flood.
 */
const appendCapped = (text: string, more: string) =>
  text.length > MAX_TOOL_INPUT_CHARS ? text : (text + more).slice(0, MAX_TOOL_INPUT_CHARS + 1)

/** Accumulates one streamed chat completion; every model-controlled size is capped (`ModelOutputLimits`). */
export const makeChatAccumulator = (): ChatAccumulator => {
  let text = ""
  let reasoning = ""
  // By the provider's `index`: a map, so an index of 1e9 costs one entry, not a billion-slot array.
  const calls = new Map<number, PendingCall>()
  let done = false

  // Providers that omit `index` send one call at a time: a new id starts the next call.
  const callFor = (index: number | undefined, id: string | undefined): PendingCall | ModelError => {
    const last = [...calls.values()].at(-1)
    const at = index ?? (last === undefined || (id !== undefined && last.id !== "" && id !== last.id) ? calls.size : Math.max(...calls.keys()))
    const existing = calls.get(at)
    if (existing !== undefined) return existing
    if (calls.size >= MAX_TOOL_CALLS_PER_RESPONSE) {
      return fatal(overLimit("the model's response", calls.size + 1, MAX_TOOL_CALLS_PER_RESPONSE, "tool calls or more"))
    }
    const call = { id: "", name: "", arguments: "" }
    calls.set(at, call)
    return call
  }

  const finish = (responseId: string): ReadonlyArray<ResponseEvent> => {
    done = true
    const events: Array<ResponseEvent> = []
    if (reasoning.length > 0) {
      events.push(ResponseEvent.OutputItemDone({
        item: { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: reasoning }] }
      }))
    }
    if (text.length > 0) {
      events.push(ResponseEvent.OutputItemDone({
        item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] }
      }))
    }
    // In index order, whichever order they arrived in.
    for (const [, call] of [...calls].sort(([a], [b]) => a - b)) {
      events.push(ResponseEvent.OutputItemDone({
        item: { type: "function_call", name: call.name, arguments: call.arguments, call_id: call.id }
      }))
    }
    events.push(ResponseEvent.Completed({ responseId }))
    return events
  }

  return {
    get done() {
      return done
    },
    push: (chunk) => {
      if (done) return []
      const events: Array<ResponseEvent> = []
      // Only the first choice: we never ask for more than one.
      const choice = chunk.choices?.[0]
      const delta = choice?.delta
      if (delta !== undefined) {
        const thought = reasoningOf(delta)
        if (typeof thought === "string" && thought.length > 0) {
          reasoning += thought
          events.push(ResponseEvent.ReasoningContentDelta({ delta: thought }))
        }
        if (typeof delta.content === "string" && delta.content.length > 0) {
          text += delta.content
          events.push(ResponseEvent.OutputTextDelta({ delta: delta.content }))
        }
        if (text.length + reasoning.length > MAX_RESPONSE_TEXT_CHARS) {
          return fatal(overLimit("the model's message", text.length + reasoning.length, MAX_RESPONSE_TEXT_CHARS, "characters"))
        }
        for (const part of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
          const call = callFor(typeof part.index === "number" ? part.index : undefined, part.id)
          if (call instanceof ModelError) return call
          if (typeof part.id === "string" && call.id === "") call.id = part.id
          // Some providers repeat the name in every chunk: the first one counts.
          if (typeof part.function?.name === "string" && call.name === "") call.name = part.function.name
          if (typeof part.function?.arguments === "string") call.arguments = appendCapped(call.arguments, part.function.arguments)
        }
      }
      if (choice?.finish_reason !== undefined && choice.finish_reason !== null) {
        events.push(...finish(chunk.id ?? ""))
      }
      return events
    }
  }
}
