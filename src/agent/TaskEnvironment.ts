/** What a task (`runTask`) works with and what it gives back; the conversation provides it. */
import type { Effect } from "effect"
import type { ModelClient } from "../model/ModelClient.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { Tool, ToolContext } from "./Tool.js"
import type { ConversationUnavailable } from "./conversation/ConversationUnavailable.js"

export interface TaskEnvironment {
  readonly conversationId: string
  readonly model: ModelClient["Service"]
  readonly tools: ReadonlyArray<Tool>
  readonly toolContext: ToolContext
  /** The conversation's history so far (including this task's user message). */
  readonly history: () => ReadonlyArray<ResponseItem>
  /** Appends to the history; fails when its store refuses the items (the task fails with it). */
  readonly record: (items: ReadonlyArray<ResponseItem>) => Effect.Effect<void, ConversationUnavailable>
  /** Replaces the whole history (compaction); the rollout records the replacement. */
  readonly replaceHistory: (items: ReadonlyArray<ResponseItem>) => Effect.Effect<void, ConversationUnavailable>
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
