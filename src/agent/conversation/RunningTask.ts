/** The task a conversation is running, and what its log lines say about it. */
import { Cause, Clock, Effect, type Fiber } from "effect"
import type { InlineInputItem } from "../InputMessages.js"
import { boundedText } from "../LogText.js"
import type { TaskTokens } from "../TaskEnvironment.js"

export interface RunningTask {
  readonly id: string
  readonly startedMs: number
  readonly tokens: TaskTokens
  fiber?: Fiber.Fiber<void>
}

/** The turn's log line fields at its end: how long it took and the tokens it used. */
export const turnEndAnnotations = (running: RunningTask) =>
  Effect.map(Clock.currentTimeMillis, (now) => ({
    duration_ms: now - running.startedMs,
    input_tokens: running.tokens.input,
    output_tokens: running.tokens.output
  }))

export const promptText = (items: ReadonlyArray<InlineInputItem>) =>
  boundedText(items.flatMap((item) => item.type === "text" ? [item.text] : []).join(" "), 80)

/**
 * What the client is told when a task ends without completing: the model's error, or for a defect
 * (a bug, not the model's doing) a short internal-error message while the log gets the whole cause.
 */
export const taskFailureMessage = <E extends { readonly message: string }>(cause: Cause.Cause<E>): string => {
  const failure = cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) return failure.error.message
  if (Cause.hasInterruptsOnly(cause)) return "the task was interrupted"
  const defect = Cause.squash(cause)
  return `internal error: ${boundedText(defect instanceof Error ? defect.message : String(defect), 500)}`
}
