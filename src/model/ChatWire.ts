/**
 * Chat Completions (`POST {base}/chat/completions`, agent core §8.3): the history converted to chat
 * messages, and streamed chunks accumulated (content deltas; `tool_calls` deltas by index) into the
 * same ResponseEvents the Responses API gives. A turn ends at `finish_reason`.
 */
import type { Prompt } from "./Prompt.js"
import { ResponseEvent } from "./ResponseEvent.js"
import type { ResponseItem } from "./ResponseItem.js"

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
  | { readonly role: "assistant"; readonly content: string | null; tool_calls?: Array<ChatToolCall> }
  | { readonly role: "tool"; readonly tool_call_id: string; readonly content: string }

const messageContent = (item: Extract<ResponseItem, { type: "message" }>): string | ReadonlyArray<ChatContentPart> => {
  if (item.content.every((part) => part.type !== "input_image")) {
    return item.content.map((part) => ("text" in part ? part.text : "")).join("")
  }
  return item.content.map((part) =>
    part.type === "input_image" ? { type: "image_url", image_url: { url: part.image_url } } : { type: "text", text: part.text }
  )
}

export const chatMessages = (prompt: Prompt): Array<ChatMessage> => {
  const messages: Array<ChatMessage> = [{ role: "system", content: prompt.instructions }]
  const call = (id: string, name: string, args: string) => {
    const last = messages[messages.length - 1]
    const toolCall: ChatToolCall = { id, type: "function", function: { name, arguments: args } }
    // Consecutive calls belong to one assistant message, as the model sent them.
    if (last?.role === "assistant" && last.tool_calls !== undefined) last.tool_calls.push(toolCall)
    else messages.push({ role: "assistant", content: null, tool_calls: [toolCall] })
  }
  for (const item of prompt.input) {
    switch (item.type) {
      case "message":
        if (item.role === "assistant") {
          messages.push({ role: "assistant", content: item.content.map((part) => ("text" in part ? part.text : "")).join("") })
        } else {
          messages.push({ role: item.role === "user" ? "user" : "system", content: messageContent(item) })
        }
        break
      case "function_call":
        call(item.call_id, item.name, item.arguments)
        break
      case "custom_tool_call":
        call(item.call_id, item.name, item.input)
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

export const chatRequestBody = (prompt: Prompt) => ({
  model: prompt.model,
  messages: chatMessages(prompt),
  stream: true,
  ...(prompt.tools.length > 0
    ? {
      tools: prompt.tools.flatMap((tool) =>
        tool.type === "function"
          ? [{ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } }]
          : []
      )
    }
    : {})
})

export interface ChatChunk {
  readonly id?: string
  readonly choices?: ReadonlyArray<{
    readonly delta?: {
      readonly content?: string | null
      readonly tool_calls?: ReadonlyArray<{
        readonly index?: number
        readonly id?: string
        readonly function?: { readonly name?: string; readonly arguments?: string }
      }>
    }
    readonly finish_reason?: string | null
  }>
}

/** Accumulates one chat completion; `push` returns the events each chunk releases. */
export const makeChatAccumulator = () => {
  let text = ""
  const calls: Array<{ id: string; name: string; arguments: string }> = []
  let done = false
  return {
    get done() {
      return done
    },
    push: (chunk: ChatChunk): ReadonlyArray<ResponseEvent> => {
      const events: Array<ResponseEvent> = []
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta
        if (typeof delta?.content === "string" && delta.content.length > 0) {
          text += delta.content
          events.push(ResponseEvent.OutputTextDelta({ delta: delta.content }))
        }
        for (const part of delta?.tool_calls ?? []) {
          const index = part.index ?? calls.length
          const call = calls[index] ?? (calls[index] = { id: "", name: "", arguments: "" })
          if (part.id !== undefined) call.id = part.id
          if (part.function?.name !== undefined) call.name += part.function.name
          if (part.function?.arguments !== undefined) call.arguments += part.function.arguments
        }
        if (choice.finish_reason !== undefined && choice.finish_reason !== null && !done) {
          done = true
          if (text.length > 0) {
            events.push(ResponseEvent.OutputItemDone({
              item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] }
            }))
          }
          for (const call of calls) {
            if (call === undefined) continue
            events.push(ResponseEvent.OutputItemDone({
              item: { type: "function_call", name: call.name, arguments: call.arguments, call_id: call.id }
            }))
          }
          events.push(ResponseEvent.Completed({ responseId: chunk.id ?? "" }))
        }
      }
      return events
    }
  }
}
