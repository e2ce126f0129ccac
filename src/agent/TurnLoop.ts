/**
 * One task: request → stream → run tool calls as they complete → record → repeat until a model turn
 * makes no tool call. The whole history is resent every request; when a response's usage passes the
 * model's auto-compact limit, or the provider says the input overflows the context window (then the
 * request is retried once), the history is compacted first. Events are emitted
 * as the stream arrives; history is only written once a model turn completes, so an interrupted turn
 * leaves nothing half-recorded.
 */
import { Effect, Fiber, Stream } from "effect"
import { compactConversation } from "./compact/Compaction.js"
import { isContextOverflow, type ModelError } from "../model/ModelError.js"
import { modelFamily, sendsReasoning } from "../model/ModelFamily.js"
import type { Prompt } from "../model/Prompt.js"
import type { ResponseEvent } from "../model/ResponseEvent.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { EventMsg } from "../rpc/Event.js"
import type { TaskEnvironment, TaskOutcome, TaskTokens } from "./TaskEnvironment.js"
import type { ToolCall } from "./Tool.js"
import { dispatchToolCall, recordedCallItem } from "./ToolDispatch.js"
import { outputItemFor, repairDanglingCalls, toolCallOf } from "./ToolCallItems.js"

const emit = (env: TaskEnvironment, msg: EventMsg) => env.toolContext.emit(msg)

/** Raw reasoning is only shown when `show_raw_agent_reasoning` asks for it. */
const showRaw = (env: TaskEnvironment) => env.toolContext.turn.config.showRawAgentReasoning

const outputText = (item: ResponseItem): string | undefined => {
  if (item.type !== "message" || item.role !== "assistant") return undefined
  const texts = item.content.flatMap((part) => part.type === "output_text" ? [part.text] : [])
  return texts.length > 0 ? texts[texts.length - 1] : undefined
}

/** What one model turn produced: the items to record, whether a tool ran, the last assistant text. */
interface ModelTurn {
  items: Array<ResponseItem>
  ranTool: boolean
  lastAgentMessage: string | null
  /** The response's total tokens, when the provider reported usage. */
  totalTokens: number | undefined
  /** Calls of parallel tools still running, in call order; their outputs are recorded once joined. */
  running: Array<{ readonly call: ToolCall; readonly fiber: Fiber.Fiber<string> }>
}

const emptyTurn = (): ModelTurn => ({ items: [], ranTool: false, lastAgentMessage: null, totalTokens: undefined, running: [] })

/** Waits for the parallel calls still running and records their outputs, in the order of the calls. */
const joinRunning = (turn: ModelTurn) =>
  Effect.gen(function*() {
    for (const { call, fiber } of turn.running.splice(0)) turn.items.push(outputItemFor(call, yield* Fiber.join(fiber)))
  })

const isParallel = (env: TaskEnvironment, call: ToolCall) => env.tools.find((tool) => tool.name === call.name)?.parallel === true

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
      case "WebSearchBegin":
        yield* emit(env, { type: "web_search_begin", call_id: event.callId })
        return turn
      case "WebSearchEnd":
        yield* emit(env, { type: "web_search_end", call_id: event.callId, query: event.query })
        return turn
      case "ReasoningContentDelta":
        if (showRaw(env)) yield* emit(env, { type: "agent_reasoning_raw_content_delta", delta: event.delta })
        return turn
      case "Retrying":
        // The client starts the request again: what this attempt produced will be produced again.
        yield* joinRunning(turn)
        yield* emit(env, { type: "stream_error", message: event.message })
        return emptyTurn()
      case "Completed":
        if (event.tokenUsage !== undefined) {
          const usage = event.tokenUsage
          tokens.input += usage.input_tokens
          tokens.output += usage.output_tokens
          turn.totalTokens = usage.total_tokens
          yield* Effect.annotateCurrentSpan({
            "gen_ai.usage.input_tokens": usage.input_tokens,
            "gen_ai.usage.output_tokens": usage.output_tokens,
            "codex.total_tokens": usage.total_tokens
          })
          yield* emit(env, {
            type: "token_count",
            input_tokens: usage.input_tokens,
            cached_input_tokens: usage.cached_input_tokens ?? null,
            output_tokens: usage.output_tokens,
            reasoning_output_tokens: usage.reasoning_output_tokens ?? null,
            total_tokens: usage.total_tokens,
            model_context_window: env.toolContext.turn.limits.contextWindow ?? null
          })
        }
        return turn
      case "OutputItemDone": {
        const item = event.item
        const call = toolCallOf(item)
        turn.items.push(call === undefined ? item : recordedCallItem(item, call))
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
        } else if (call !== undefined) {
          turn.ranTool = true
          if (isParallel(env, call)) {
            turn.running.push({ call, fiber: yield* Effect.forkChild(dispatchToolCall(env.tools, call, env.toolContext)) })
          } else {
            yield* joinRunning(turn)
            turn.items.push(outputItemFor(call, yield* dispatchToolCall(env.tools, call, env.toolContext)))
          }
        }
        return turn
      }
      default:
        return turn
    }
  })

/** Streams one model turn for the current history, handling events as they arrive. */
const modelTurn = (env: TaskEnvironment, tokens: TaskTokens): Effect.Effect<ModelTurn, ModelError> =>
  Effect.suspend(() => {
    const context = env.toolContext.turn
    const prompt: Prompt = {
      model: context.model,
      instructions: context.instructions,
      input: repairDanglingCalls(env.history()),
      tools: env.tools.map((tool) => tool.spec),
      reasoning: sendsReasoning(context.model, context.config.modelSupportsReasoningSummaries)
        ? { effort: context.effort, summary: context.summary }
        : undefined,
      verbosity: modelFamily(context.model).supportsVerbosity ? context.config.modelVerbosity : undefined,
      outputSchema: context.outputSchema,
      promptCacheKey: env.conversationId,
      parallelToolCalls: env.tools.some((tool) => tool.parallel === true)
    }
    let turn = emptyTurn()
    let retries = 0
    return env.model.stream(prompt, context.provider).pipe(
      Stream.runForEach((event) => {
        if (event._tag === "Retrying") retries++
        return handleEvent(env, turn, event, tokens).pipe(Effect.map((next) => {
          turn = next
        }))
      }),
      Effect.andThen(Effect.suspend(() => joinRunning(turn))),
      Effect.ensuring(Effect.suspend(() => Effect.annotateCurrentSpan("codex.retries", retries))),
      Effect.map(() => turn),
      Effect.withSpan("codex.model_request", {
        attributes: {
          "codex.conversation_id": env.conversationId,
          "gen_ai.request.model": context.model,
          "codex.provider": context.provider.id,
          "codex.wire_api": context.provider.wireApi,
          "codex.history_items": prompt.input.length
        }
      })
    )
  })

/** Compaction inside a task, announced to the client first. */
const compact = (env: TaskEnvironment, why: string) =>
  env.toolContext.emit({ type: "background_event", message: `compacting the conversation history: ${why}` }).pipe(
    Effect.andThen(compactConversation(env))
  )

/** Runs the task until the model stops calling tools; fails with the model's error message. Adds to `tokens` as it goes. */
export const runTask = Effect.fnUntraced(function*(env: TaskEnvironment, tokens: TaskTokens) {
  const limit = env.toolContext.turn.limits.autoCompactTokenLimit
  for (;;) {
    const pending = env.takePendingInput()
    if (pending.length > 0) yield* env.record(pending)
    // A provider that refuses the input as too long gets the compacted history, once.
    const turn = yield* modelTurn(env, tokens).pipe(
      Effect.catch((error) =>
        isContextOverflow(error)
          ? compact(env, `the model's context window is full (${error.message})`).pipe(
            Effect.andThen(modelTurn(env, tokens))
          )
          : Effect.fail(error)
      )
    )
    yield* env.record(turn.items)
    if (limit !== undefined && turn.totalTokens !== undefined && turn.totalTokens >= limit) {
      // The turn itself succeeded: a summary that fails leaves the history as it was instead of failing the task.
      yield* compact(env, `${turn.totalTokens} tokens used, the limit is ${limit}`).pipe(
        Effect.catch((error) => emit(env, { type: "background_event", message: `compaction failed: ${error.message}` }))
      )
    }
    if (!turn.ranTool) return { lastAgentMessage: turn.lastAgentMessage } satisfies TaskOutcome
  }
})
