/**
 * The model's `request_user_input` questions in flight: published as a `request_user_input` event,
 * answered by a `user_input_answer` op (see `PendingAnswers`).
 */
import type { Effect } from "effect"
import type { EventMsg, UserInputQuestion } from "../../rpc/Event.js"
import type { UserInputAnswers } from "../../rpc/Op.js"
import { makePendingAnswers } from "./PendingAnswers.js"

export const makePendingUserInput = (publish: (submissionId: string, msg: EventMsg) => Effect.Effect<void>) => {
  const pending = makePendingAnswers<UserInputAnswers>("user input")
  return {
    request: (submissionId: string) => (callId: string, questions: ReadonlyArray<UserInputQuestion>) =>
      pending.request(submissionId, publish(submissionId, { type: "request_user_input", call_id: callId, questions })),
    answer: pending.answer
  }
}
