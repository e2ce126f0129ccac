/**
 * A model that plays back scripted turns, one per request, and records the prompts it was sent.
 * `ModelClient.layerScripted(turns)` provides it together with `ScriptedModel`, through which a test
 * reads the recorded prompts or pushes more turns.
 */
import { Context, Effect, Layer, Stream } from "effect"
import type { ModelClient } from "../services/ModelClient.js"
import { fatal, type ModelError } from "./ModelError.js"
import type { Prompt } from "./Prompt.js"
import { ResponseEvent } from "./ResponseEvent.js"

export type ScriptedTurn =
  /** These events, then the stream ends. */
  | { readonly _tag: "Events"; readonly events: ReadonlyArray<ResponseEvent> }
  /** These events, then nothing, ever: for interrupting a turn mid-stream. */
  | { readonly _tag: "Hang"; readonly events: ReadonlyArray<ResponseEvent> }
  | { readonly _tag: "Fail"; readonly error: ModelError }

let nextCallId = 0
const callId = () => `call_${++nextCallId}`

export const ScriptedTurn = {
  events: (...events: ReadonlyArray<ResponseEvent>): ScriptedTurn => ({ _tag: "Events", events }),
  /** The model answers with a message (streamed as one delta) and makes no tool call: the task ends. */
  text: (text: string): ScriptedTurn => ({
    _tag: "Events",
    events: [
      ResponseEvent.Created(),
      ResponseEvent.OutputTextDelta({ delta: text }),
      ResponseEvent.OutputItemDone({ item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] } }),
      ResponseEvent.Completed({ responseId: "resp_scripted" })
    ]
  }),
  /** The model calls a function tool with JSON arguments. */
  functionCall: (name: string, args: unknown, id: string = callId()): ScriptedTurn => ({
    _tag: "Events",
    events: [
      ResponseEvent.Created(),
      ResponseEvent.OutputItemDone({
        item: { type: "function_call", name, arguments: JSON.stringify(args), call_id: id }
      }),
      ResponseEvent.Completed({ responseId: "resp_scripted" })
    ]
  }),
  /** The model runs a command with the `shell` tool. */
  shell: (
    command: ReadonlyArray<string>,
    options: { readonly callId?: string; readonly workdir?: string; readonly timeoutMs?: number } = {}
  ): ScriptedTurn =>
    ScriptedTurn.functionCall("shell", {
      command,
      ...(options.workdir !== undefined ? { workdir: options.workdir } : {}),
      ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {})
    }, options.callId ?? callId()),
  /** Streams `events`, then stalls forever. */
  hang: (...events: ReadonlyArray<ResponseEvent>): ScriptedTurn => ({ _tag: "Hang", events }),
  fail: (error: ModelError): ScriptedTurn => ({ _tag: "Fail", error })
}

export class ScriptedModel extends Context.Service<ScriptedModel, {
  /** Every prompt sent so far, in order. */
  readonly prompts: Effect.Effect<ReadonlyArray<Prompt>>
  /** Appends turns to the script. */
  readonly push: (...turns: ReadonlyArray<ScriptedTurn>) => Effect.Effect<void>
}>()("codex-effect/ScriptedModel") {}

export const scriptedModelLayer = (
  modelClient: typeof ModelClient,
  initial: ReadonlyArray<ScriptedTurn>
): Layer.Layer<ModelClient | ScriptedModel> => {
  const script = [...initial]
  const prompts: Array<Prompt> = []
  const play = (prompt: Prompt): Stream.Stream<ResponseEvent, ModelError> =>
    Stream.suspend(() => {
      prompts.push(prompt)
      const turn = script.shift()
      if (turn === undefined) return Stream.fail(fatal(`the scripted model has no turn left for request ${prompts.length}`))
      switch (turn._tag) {
        case "Events":
          return Stream.fromIterable(turn.events)
        case "Hang":
          return Stream.concat(Stream.fromIterable(turn.events), Stream.never)
        case "Fail":
          return Stream.fail(turn.error)
      }
    })
  return Layer.mergeAll(
    Layer.succeed(modelClient, modelClient.of({ stream: play })),
    Layer.succeed(ScriptedModel, ScriptedModel.of({
      prompts: Effect.sync(() => [...prompts]),
      push: (...turns) => Effect.sync(() => void script.push(...turns))
    }))
  )
}
