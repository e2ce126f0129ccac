/**
 * `exec resume <THREAD_ID>` (or `--last`): the saved conversation of that id (or the newest), resumed in this
 * process through the conversation lifecycle, with the settings it was saved with (cwd, model) under this
 * invocation's overrides.
 */
import { Data, Effect } from "effect"
import type { ConversationOverrides } from "../../config/ResolvedConfig.js"
import { ConversationManager } from "../../services/ConversationManager.js"

/** The thread cannot be resumed: not saved here, unreadable, or its config is broken. */
export class ResumeFailed extends Data.TaggedError("ResumeFailed")<{ readonly message: string }> {
  readonly exitCode = 1
}

/** The thread to resume: its id, or the newest saved one. */
export type ResumeTarget = { readonly threadId: string } | { readonly last: true }

const failed = (error: { readonly message: string }) => new ResumeFailed({ message: error.message })

export const resumeThread = Effect.fn("Exec.resumeThread")(function*(target: ResumeTarget, overrides: ConversationOverrides) {
  const manager = yield* ConversationManager
  const threadId = "threadId" in target
    ? target.threadId
    : (yield* manager.list({ pageSize: 1 }).pipe(Effect.mapError(failed))).items[0]?.conversationId
  if (threadId === undefined) return yield* new ResumeFailed({ message: "no saved session to resume" })
  return yield* manager.resume({ conversationId: threadId }, { overrides }).pipe(
    Effect.mapError((error) =>
      error._tag === "ConversationNotFound" ? new ResumeFailed({ message: `no saved session for thread id ${threadId}` }) : failed(error)
    )
  )
})
