/**
 * One task: request → stream → run tool calls as they complete → record → repeat until a model turn
 * makes no tool call. The whole history is resent every request. Events are emitted
 * as the stream arrives; history is only written once a model turn completes, so an interrupted turn
 * leaves nothing half-recorded.
 */
import { Effect, Stream } from "effect"
import { modelFamily, sendsReasoning } from "../model/ModelFamily.js"
import type { Prompt } from "../model/Prompt.js"
import type { ResponseEvent } from "../model/ResponseEvent.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { ModelClient } from "../services/ModelClient.js"
import type { EventMsg } from "../rpc/Event.js"
import type { Tool, ToolCall, ToolContext } from "./Tool.js"

export interface TaskEnvironment {
  readonly conversationId: string
  readonly model: ModelClient["Service"]
  readonly tools: ReadonlyArray<Tool>
  readonly toolContext: ToolContext
  /** The conversation's history so far (including this task's user message). */
  readonly history: () => ReadonlyArray<ResponseItem>
  readonly record: (items: ReadonlyArray<ResponseItem>) => Effect.Effect<void>
  /** Input that arrived while the task runs, already converted to user messages. */
  readonly takePendingInput: () => ReadonlyArray<ResponseItem>
}

export interface TaskOutcome {
  readonly lastAgentMessage: string | null
}

/** Tokens the task's model requests used, summed, for its log line. */
export interface TaskTokens {
  input: number
  output: number
}

const emit = (env: TaskEnvironment, msg: EventMsg) => env.toolContext.emit(msg)

/** Raw reasoning is only shown when `show_raw_agent_reasoning` asks for it. */
const showRaw = (env: TaskEnvironment) => env.toolContext.turn.config.showRawAgentReasoning

const outputText = (item: ResponseItem): string | undefined => {
  if (item.type !== "message" || item.role !== "assistant") return undefined
  const texts = item.content.flatMap((part) => part.type === "output_text" ? [part.text] : [])
  return texts.length > 0 ? texts[texts.length - 1] : undefined
}

const toolCallOf = (item: ResponseItem): ToolCall | undefined => {
  switch (item.type) {
    case "function_call":
      return { kind: "function", name: item.name, callId: item.call_id, input: item.arguments }
    case "custom_tool_call":
      return { kind: "custom", name: item.name, callId: item.call_id, input: item.input }
    default:
      return undefined
  }
}

const outputItemFor = (call: ToolCall, output: string): ResponseItem =>
  call.kind === "function"
    ? { type: "function_call_output", call_id: call.callId, output }
    : { type: "custom_tool_call_output", call_id: call.callId, output }

/** Calls in the history without an output get a synthetic "aborted" one, or the API rejects the request. */
export const repairDanglingCalls = (history: ReadonlyArray<ResponseItem>): ReadonlyArray<ResponseItem> => {
  const answered = new Set<string>()
  for (const item of history) {
    if (item.type === "function_call_output" || item.type === "custom_tool_call_output") answered.add(item.call_id)
  }
  const repaired: Array<ResponseItem> = []
  for (const item of history) {
    repaired.push(item)
    const call = toolCallOf(item)
    if (call !== undefined && !answered.has(call.callId)) repaired.push(outputItemFor(call, "aborted"))
  }
  return repaired
}

const runTool = (env: TaskEnvironment, call: ToolCall): Effect.Effect<string> => {
  const tool = env.tools.find((candidate) => candidate.name === call.name)
  if (tool === undefined) {
    return Effect.succeed(call.kind === "function" ? `unsupported call: ${call.name}` : `unsupported custom tool call: ${call.name}`)
  }
  return tool.run(call, env.toolContext)
}

/** What one model turn produced: the items to record, whether a tool ran, the last assistant text. */
interface ModelTurn {
  items: Array<ResponseItem>
  ranTool: boolean
  lastAgentMessage: string | null
}

const emptyTurn = (): ModelTurn => ({ items: [], ranTool: false, lastAgentMessage: null })

const handleEvent = (env: TaskEnvironment, turn: ModelTurn, event: ResponseEvent, tokens: TaskTokens): Effect.Effect<ModelTurn> =>
  Effect.gen(function*() {
    switch (event._tag) {
      case "OutputTextDelta":
        yield* emit(env, { type: "agent_message_delta", delta: event.delta })
        return turn
      case "ReasoningSummaryDelta":
        yield* emit(env, { type: "agent_reasoning_delta", delta: event.delta })
        return turn
      case "ReasoningSummaryPartAdded":
        yield* emit(env, { type: "agent_reasoning_section_break" })
        return turn
      case "ReasoningContentDelta":
        if (showRaw(env)) yield* emit(env, { type: "agent_reasoning_raw_content_delta", delta: event.delta })
        return turn
      case "Retrying":
        // The client starts the request again: what this attempt produced will be produced again.
        yield* emit(env, { type: "stream_error", message: event.message })
        return emptyTurn()
      case "Completed":
        if (event.tokenUsage !== undefined) {
          const usage = event.tokenUsage
          tokens.input += usage.input_tokens
          tokens.output += usage.output_tokens
          yield* emit(env, {
            type: "token_count",
            input_tokens: usage.input_tokens,
            cached_input_tokens: usage.cached_input_tokens ?? null,
            output_tokens: usage.output_tokens,
            reasoning_output_tokens: usage.reasoning_output_tokens ?? null,
            total_tokens: usage.total_tokens
          })
        }
        return turn
      case "OutputItemDone": {
        const item = event.item
        turn.items.push(item)
        if (item.type === "message" && item.role === "assistant") {
          for (const part of item.content) {
            if (part.type === "output_text") yield* emit(env, { type: "agent_message", message: part.text })
          }
          turn.lastAgentMessage = outputText(item) ?? turn.lastAgentMessage
        } else if (item.type === "reasoning") {
          for (const part of item.summary) yield* emit(env, { type: "agent_reasoning", text: part.text })
          if (showRaw(env)) {
            for (const part of item.content ?? []) yield* emit(env, { type: "agent_reasoning_raw_content", text: part.text })
          }
        } else {
          const call = toolCallOf(item)
          if (call !== undefined) {
            const output = yield* runTool(env, call)
            turn.items.push(outputItemFor(call, output))
            turn.ranTool = true
          }
        }
        return turn
      }
      default:
        return turn
    }
  })

/** Runs the task until the model stops calling tools; fails with the model's error message. Adds to `tokens` as it goes. */
export const runTask = Effect.fnUntraced(function*(env: TaskEnvironment, tokens: TaskTokens) {
  const context = env.toolContext.turn
  for (;;) {
    const pending = env.takePendingInput()
    if (pending.length > 0) yield* env.record(pending)
    const prompt: Prompt = {
      model: context.model,
      instructions: context.instructions,
      input: repairDanglingCalls(env.history()),
      tools: env.tools.map((tool) => tool.spec),
      reasoning: sendsReasoning(context.model, context.config.modelSupportsReasoningSummaries)
        ? { effort: context.effort, summary: context.summary }
        : undefined,
      verbosity: modelFamily(context.model).supportsVerbosity ? context.config.modelVerbosity : undefined,
      promptCacheKey: env.conversationId
    }
    let turn = emptyTurn()
    yield* env.model.stream(prompt, context.provider).pipe(
      Stream.runForEach((event) =>
        handleEvent(env, turn, event, tokens).pipe(Effect.map((next) => {
          turn = next
        }))
      )
    )
    yield* env.record(turn.items)
    if (!turn.ranTool) return { lastAgentMessage: turn.lastAgentMessage } satisfies TaskOutcome
  }
})
