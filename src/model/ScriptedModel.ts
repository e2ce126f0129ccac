/**
 * A model that plays back scripted turns, one per request, and records the prompts it was sent.
 * `ScriptedModel.layer(turns)` provides it as the `ModelClient`, together with `ScriptedModel`, through
 * which a test reads the recorded prompts or pushes more turns. Each build of the layer starts from the given
 * script with no prompts recorded, so one layer value can serve many tests.
 */
import { randomInt } from "node:crypto"
import { Context, Effect, Layer, Stream } from "effect"
import { ModelClient } from "./ModelClient.js"
import { fatal, type ModelError } from "./ModelError.js"
import type { Prompt } from "./Prompt.js"
import { ResponseEvent } from "./ResponseEvent.js"
import { assistantText, type ResponseItem } from "./ResponseItem.js"

export type ScriptedTurn =
  /** These events, then the stream ends. */
  | { readonly _tag: "Events"; readonly events: ReadonlyArray<ResponseEvent> }
  /** These events, then nothing, ever: for interrupting a turn mid-stream. */
  | { readonly _tag: "Hang"; readonly events: ReadonlyArray<ResponseEvent> }
  /** These events, then the stream fails (the real client's retries are not simulated). */
  | { readonly _tag: "Fail"; readonly events: ReadonlyArray<ResponseEvent>; readonly error: ModelError }

/** A call id no other call of the script shares (random, so building a turn needs no counter). */
const freshCallId = () => `call_${randomInt(2 ** 47)}`

const completed = ResponseEvent.Completed({ responseId: "resp_scripted" })

/** Created, each item as an OutputItemDone, Completed. */
const itemsTurn = (...items: ReadonlyArray<ResponseItem>): ScriptedTurn => ({
  _tag: "Events",
  events: [ResponseEvent.Created(), ...items.map((item) => ResponseEvent.OutputItemDone({ item })), completed]
})

/** A function call as the model sends it: arguments as JSON text. */
const functionCallItem = (name: string, args: unknown, callId: string): ResponseItem => ({
  type: "function_call",
  name,
  arguments: JSON.stringify(args),
  call_id: callId
})

export const ScriptedTurn = {
  /** Exactly these events, then the stream ends (add `Completed` yourself). */
  events: (...events: ReadonlyArray<ResponseEvent>): ScriptedTurn => ({ _tag: "Events", events }),
  /** The model answers (streamed as one delta, then the message) and calls no tool: the task ends. */
  text: (text: string): ScriptedTurn => ({
    _tag: "Events",
    events: [
      ResponseEvent.Created(),
      ResponseEvent.OutputTextDelta({ delta: text }),
      ResponseEvent.OutputItemDone({ item: assistantText(text) }),
      completed
    ]
  }),
  /** The model reasons (a summary, streamed then done) and then answers with `text`. */
  reasoning: (summary: string, text: string): ScriptedTurn => ({
    _tag: "Events",
    events: [
      ResponseEvent.Created(),
      ResponseEvent.ReasoningSummaryDelta({ delta: summary }),
      ResponseEvent.OutputItemDone({
        item: { type: "reasoning", summary: [{ type: "summary_text", text: summary }], encrypted_content: null }
      }),
      ResponseEvent.OutputTextDelta({ delta: text }),
      ResponseEvent.OutputItemDone({ item: assistantText(text) }),
      completed
    ]
  }),
  /** The model calls a function tool with `args` (serialized to JSON). */
  functionCall: (name: string, args: unknown, callId: string = freshCallId()): ScriptedTurn =>
    itemsTurn(functionCallItem(name, args, callId)),
  /** Several function calls in one turn, run one after another. */
  functionCalls: (
    calls: ReadonlyArray<{ readonly name: string; readonly args: unknown; readonly callId?: string }>
  ): ScriptedTurn => itemsTurn(...calls.map((call) => functionCallItem(call.name, call.args, call.callId ?? freshCallId()))),
  /** The model runs a command with the `shell` tool. */
  shell: (
    command: ReadonlyArray<string>,
    options: { readonly callId?: string; readonly workdir?: string; readonly timeoutMs?: number } = {}
  ): ScriptedTurn =>
    ScriptedTurn.functionCall("shell", {
      command,
      ...(options.workdir !== undefined ? { workdir: options.workdir } : {}),
      ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {})
    }, options.callId ?? freshCallId()),
  /** An apply_patch through the shell tool (`["apply_patch", patch]`), as models without the tool do. */
  applyPatch: (patch: string, options: { readonly callId?: string; readonly workdir?: string } = {}): ScriptedTurn =>
    ScriptedTurn.shell(["apply_patch", patch], options),
  /** A freeform tool call (e.g. the `apply_patch` custom tool with the patch as `input`). */
  customToolCall: (name: string, input: string, callId: string = freshCallId()): ScriptedTurn =>
    itemsTurn({ type: "custom_tool_call", name, input, call_id: callId }),
  /** Streams `events`, then stalls forever. */
  hang: (...events: ReadonlyArray<ResponseEvent>): ScriptedTurn => ({ _tag: "Hang", events }),
  /** The request fails with `error` (a message becomes a non-retryable ModelError), after `events`. */
  fail: (error: ModelError | string, ...events: ReadonlyArray<ResponseEvent>): ScriptedTurn => ({
    _tag: "Fail",
    events,
    error: typeof error === "string" ? fatal(error) : error
  })
}

const play = (turn: ScriptedTurn): Stream.Stream<ResponseEvent, ModelError> => {
  const events = Stream.fromIterable(turn.events)
  switch (turn._tag) {
    case "Events":
      return events
    case "Hang":
      return Stream.concat(events, Stream.never)
    case "Fail":
      return Stream.concat(events, Stream.fail(turn.error))
  }
}

export class ScriptedModel extends Context.Service<ScriptedModel, {
  /** Every prompt sent so far, in order. */
  readonly prompts: Effect.Effect<ReadonlyArray<Prompt>>
  /** Appends turns to the script. */
  readonly push: (...turns: ReadonlyArray<ScriptedTurn>) => Effect.Effect<void>
  /** How many scripted turns have not been played yet. */
  readonly remaining: Effect.Effect<number>
}>()("codex-effect/ScriptedModel") {
  /**
   * A `ModelClient` that plays back scripted turns, one per request, and records every prompt it
   * receives, provided with `ScriptedModel`: the layer in-process tests and embedding programs swap in.
   * Each build starts from `initial` with no prompts recorded.
   */
  static readonly layer = (initial: ReadonlyArray<ScriptedTurn>): Layer.Layer<ModelClient | ScriptedModel> =>
    Layer.syncContext(() => {
      const script = [...initial]
      const prompts: Array<Prompt> = []
      const stream = (prompt: Prompt): Stream.Stream<ResponseEvent, ModelError> =>
        Stream.suspend(() => {
          prompts.push(prompt)
          const turn = script.shift()
          return turn === undefined
            ? Stream.fail(fatal(`the scripted model has no turn left for request ${prompts.length}`))
            : play(turn)
        })
      return Context.make(ModelClient, ModelClient.of({ stream })).pipe(
        Context.add(ScriptedModel, ScriptedModel.of({
          prompts: Effect.sync(() => [...prompts]),
          push: (...turns) => Effect.sync(() => void script.push(...turns)),
          remaining: Effect.sync(() => script.length)
        }))
      )
    })
}
