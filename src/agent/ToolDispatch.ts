/**
 * Running one tool call the model made, so that it always ends with a result: an unknown tool, input
 * over `MAX_TOOL_INPUT_CHARS`, and any defect of the tool (a thrown exception, a die, an unexpected
 * failure) all become a result the model reads, and a defect also becomes a log line. The turn goes
 * on, and the call that started the task is answered. Only interruption passes through: it is the
 * turn being aborted.
 */
import { Cause, Effect } from "effect"
import { MAX_TOOL_INPUT_CHARS, overLimit } from "../model/ModelOutputLimits.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import { boundedText } from "./LogText.js"
import type { Tool, ToolCall, ToolContext } from "./Tool.js"

/** Whether the call's input is over the cap: it is then neither run nor kept in the history. */
const isOversizedCall = (call: ToolCall) => call.input.length > MAX_TOOL_INPUT_CHARS

/** The size is "or more": a streamed flood is kept only one character past the cap. */
const oversizedText = (call: ToolCall) =>
  `${overLimit(`the ${call.kind === "function" ? "arguments" : "input"} of ${boundedText(call.name)}`, call.input.length, MAX_TOOL_INPUT_CHARS, "characters or more")}; ` +
  "the call was not run. Send less at once (e.g. write a large file in several patches)."

/**
 * The call item as the history keeps it: an oversized input is replaced by a short note, so the
 * flood is not resent to the provider with every later request.
 */
export const recordedCallItem = (item: ResponseItem, call: ToolCall): ResponseItem => {
  if (!isOversizedCall(call)) return item
  const note = `dropped: over the ${MAX_TOOL_INPUT_CHARS}-character limit`
  switch (item.type) {
    case "function_call":
      return { ...item, arguments: JSON.stringify({ dropped: note }) }
    case "custom_tool_call":
      return { ...item, input: note }
    default:
      return item
  }
}

/** What the model reads when a tool broke: which tool, and that the call did not complete. */
const defectText = (call: ToolCall, error: unknown) =>
  `${boundedText(call.name)} failed with an internal error and did not complete: ${
    boundedText(error instanceof Error ? error.message : String(error), 500)
  }`

/** Runs `call` with one of `tools`; never fails, never dies (see the module comment). */
export const dispatchToolCall = (
  tools: ReadonlyArray<Tool>,
  call: ToolCall,
  context: ToolContext
): Effect.Effect<string> => {
  if (isOversizedCall(call)) {
    return Effect.logWarning("tool call refused: input too large").pipe(
      Effect.annotateLogs({ tool: call.name, call_id: call.callId, input_chars: call.input.length }),
      Effect.as(oversizedText(call))
    )
  }
  const tool = tools.find((candidate) => candidate.name === call.name)
  if (tool === undefined) {
    const name = boundedText(call.name)
    return Effect.succeed(call.kind === "function" ? `unsupported call: ${name}` : `unsupported custom tool call: ${name}`)
  }
  // `suspend`: a tool that throws before it returns its Effect is caught like one that dies inside it.
  return Effect.suspend(() => tool.run(call, context)).pipe(
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause)
        : Effect.logError("tool call failed with a defect").pipe(
          Effect.annotateLogs({ tool: call.name, call_id: call.callId, cause: boundedText(Cause.pretty(cause), 4000) }),
          Effect.as(defectText(call, Cause.squash(cause)))
        )
    ),
    Effect.withSpan("codex.tool_call", { attributes: { "codex.tool.name": call.name, "codex.call_id": call.callId } })
  )
}
