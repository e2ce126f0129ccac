/**
 * A review task (the `review` op), as the reference runs one: the reviewer model works in a history of
 * its own (the conversation's context messages and the review prompt), under the review instructions,
 * with tools that read but offer no patch, plan or web search. Its messages are the raw review JSON, so
 * they are not shown; the review it ends with is: `exited_review_mode`, then an agent message with the
 * review as text. The conversation's own history gets the review as a user action and that message, so
 * the next turn's model knows what was found. An interrupted review says so in the same two places.
 */
import { Effect } from "effect"
import type { ModelError } from "../../model/ModelError.js"
import { assistantText, type ResponseItem, userText } from "../../model/ResponseItem.js"
import type { EventMsg } from "../../rpc/Event.js"
import { type ReviewOutput, reviewText } from "../../rpc/Review.js"
import type { ConversationUnavailable } from "../conversation/ConversationUnavailable.js"
import type { TaskEnvironment, TaskOutcome, TaskTokens } from "../TaskEnvironment.js"
import type { TurnContext } from "../TurnContext.js"
import { runTask } from "../TurnLoop.js"
import { REVIEW_INSTRUCTIONS } from "./ReviewInstructions.js"
import { parseReviewOutput, REVIEW_INTERRUPTED_MESSAGE, REVIEW_INTERRUPTED_TEXT, reviewResultsMessage } from "./ReviewOutput.js"

export interface ReviewRequest {
  readonly prompt: string
  readonly user_facing_hint: string
}

/** The settings of a review task: the conversation's, with the review instructions and read-only tools. */
export const reviewTurnContext = (turn: TurnContext): TurnContext => ({
  ...turn,
  instructions: REVIEW_INSTRUCTIONS,
  includePlanTool: false,
  includeApplyPatchTool: false,
  outputSchema: undefined,
  config: { ...turn.config, webSearchMode: "disabled" }
})

const CONTEXT_PREFIXES = ["<user_instructions>", "<environment_context>"]

/** The context messages a history starts with (project instructions, environment): the reviewer's too. */
const leadingContext = (history: ReadonlyArray<ResponseItem>): Array<ResponseItem> => {
  const context: Array<ResponseItem> = []
  for (const item of history) {
    if (item.type !== "message" || item.role === "assistant") break
    const text = item.content.map((part) => ("text" in part ? part.text : "")).join("")
    if (item.role === "user" && !CONTEXT_PREFIXES.some((prefix) => text.trimStart().startsWith(prefix))) break
    context.push(item)
  }
  return context
}

const isAgentMessage = (msg: EventMsg) => msg.type === "agent_message" || msg.type === "agent_message_delta"

/** The task body of a `review` op. */
export const runReviewTask = (request: ReviewRequest) =>
(env: TaskEnvironment, tokens: TaskTokens): Effect.Effect<TaskOutcome, ModelError | ConversationUnavailable> =>
  Effect.gen(function*() {
    const emit = env.toolContext.emit
    yield* emit({ type: "entered_review_mode", prompt: request.prompt, user_facing_hint: request.user_facing_hint })
    const history = [...leadingContext(env.history()), userText(request.prompt)]
    const reviewer: TaskEnvironment = {
      ...env,
      toolContext: { ...env.toolContext, emit: (msg) => (isAgentMessage(msg) ? Effect.void : emit(msg)) },
      history: () => history,
      record: (items) => Effect.sync(() => void history.push(...items)),
      replaceHistory: (items) => Effect.sync(() => void history.splice(0, history.length, ...items)),
      // Input sent meanwhile is for the conversation: its next task takes it.
      takePendingInput: () => []
    }

    /** Leaves review mode: said to the client, recorded in the conversation. */
    const exit = (output: ReviewOutput | null) => {
      const shown = output === null ? REVIEW_INTERRUPTED_TEXT : reviewText(output)
      return emit({ type: "exited_review_mode", review_output: output }).pipe(
        Effect.andThen(env.record([
          userText(output === null ? REVIEW_INTERRUPTED_MESSAGE : reviewResultsMessage(output)),
          assistantText(shown)
        ])),
        Effect.andThen(emit({ type: "agent_message", message: shown })),
        Effect.as({ lastAgentMessage: shown })
      )
    }

    const outcome = yield* runTask(reviewer, tokens).pipe(
      Effect.onInterrupt(() => exit(null).pipe(Effect.ignore)),
      // A failed review leaves review mode too; the failure itself is the task's error.
      Effect.tapError(() => emit({ type: "exited_review_mode", review_output: null }))
    )
    return yield* exit(parseReviewOutput(outcome.lastAgentMessage ?? ""))
  })
