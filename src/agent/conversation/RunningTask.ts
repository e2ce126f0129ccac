/** The task a conversation is running, and what its log lines say about it. */
import { Clock, Effect, type Fiber } from "effect"
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
