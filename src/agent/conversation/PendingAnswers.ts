/**
 * Questions of a conversation waiting for the client: a tool publishes its question as an event and
 * waits on a `Deferred` keyed by the task's submission id, until the answering op completes it or the
 * task ends (the wait is interrupted with the task). One kind of question per instance: the model's
 * own questions (`request_user_input`), an MCP server's form (`mcp_elicitation_request`). Approvals
 * have their own, with time-outs and decisions (`PendingApprovals`).
 */
import { Deferred, Effect } from "effect"

export const makePendingAnswers = <A>(kind: string) => {
  const waiting = new Map<string, Deferred.Deferred<A>>()

  /** Runs `ask` (which publishes the question) and waits for the answer to submission `submissionId`. */
  const request = (submissionId: string, ask: Effect.Effect<void>) =>
    Effect.gen(function*() {
      const answered = yield* Deferred.make<A>()
      waiting.set(submissionId, answered)
      yield* ask
      yield* Effect.logInfo(`${kind} requested`)
      return yield* Deferred.await(answered)
    }).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(submissionId))))

  /** Completes the question the submission `id` waits on; an answer nobody waits for is logged. */
  const answer = (id: string, value: A) =>
    Effect.suspend(() => {
      const pending = waiting.get(id)
      if (pending === undefined) return Effect.logWarning(`${kind} answer for no pending question`).pipe(Effect.annotateLogs({ id }))
      return Deferred.succeed(pending, value).pipe(Effect.asVoid)
    })

  return { request, answer }
}
