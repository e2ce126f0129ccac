/**
 * A conversation's `request_user_input` questions in flight: the tool's questions become a
 * `request_user_input` event and wait on a `Deferred` keyed by the task's submission id, until a
 * `user_input_answer` op answers them or the task ends (`clear`). Like approvals, and kept apart from
 * them because the answer is text, not a decision.
 */
import { Deferred, Effect } from "effect"
import type { EventMsg, UserInputQuestion } from "../../rpc/Event.js"

/** Question id → the answers given; empty when the user did not answer. */
export type UserInputAnswers = Readonly<Record<string, { readonly answers: ReadonlyArray<string> }>>

export const makePendingUserInput = (publish: (submissionId: string, msg: EventMsg) => Effect.Effect<void>) => {
  const waiting = new Map<string, Deferred.Deferred<UserInputAnswers>>()

  /** Asks the client (through the event) and waits for the answers. */
  const request = (submissionId: string) => (callId: string, questions: ReadonlyArray<UserInputQuestion>) =>
    Effect.gen(function*() {
      const answered = yield* Deferred.make<UserInputAnswers>()
      waiting.set(submissionId, answered)
      yield* publish(submissionId, { type: "request_user_input", call_id: callId, questions })
      yield* Effect.logInfo("user input requested").pipe(Effect.annotateLogs({ call_id: callId, questions: questions.length }))
      return yield* Deferred.await(answered)
    }).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(submissionId))))

  /** Completes the question the submission `id` waits on; an answer nobody waits for is logged. */
  const answer = (id: string, answers: UserInputAnswers) =>
    Effect.suspend(() => {
      const pending = waiting.get(id)
      if (pending === undefined) return Effect.logWarning("user input answer for no pending question").pipe(Effect.annotateLogs({ id }))
      return Deferred.succeed(pending, answers).pipe(Effect.asVoid)
    })

  return { request, answer }
}
