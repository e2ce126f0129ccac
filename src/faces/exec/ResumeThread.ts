/**
 * `exec resume <THREAD_ID>` (or `--last`): the saved conversation of that id (or the newest), started
 * again in this process from its rollout, with the settings it was saved with (cwd, model) under this
 * invocation's overrides.
 */
import { Data, Effect } from "effect"
import type { ConversationOverrides } from "../../config/ResolvedConfig.js"
import { readRollout } from "../../persistence/Rollout.js"
import { listRollouts } from "../../persistence/RolloutIndex.js"
import { findRollout } from "../../persistence/SavedSessions.js"
import { Config } from "../../services/Config.js"
import { ConversationManager } from "../../services/ConversationManager.js"

/** The thread cannot be resumed: not saved here, unreadable, or its config is broken. */
export class ResumeFailed extends Data.TaggedError("ResumeFailed")<{ readonly message: string }> {
  readonly exitCode = 1
}

/** The thread to resume: its id, or the newest saved one. */
export type ResumeTarget = { readonly threadId: string } | { readonly last: true }

export const resumeThread = Effect.fn("Exec.resumeThread")(function*(target: ResumeTarget, overrides: ConversationOverrides) {
  const config = yield* Config
  const manager = yield* ConversationManager
  const threadId = "threadId" in target ? target.threadId : listRollouts(config.codexHome, 1).items[0]?.conversationId
  if (threadId === undefined) return yield* new ResumeFailed({ message: `no saved session in ${config.codexHome}/sessions` })
  const path = findRollout(config.codexHome, threadId)
  if (path === undefined) {
    return yield* new ResumeFailed({ message: `no saved session for thread id ${threadId} in ${config.codexHome}/sessions` })
  }
  const saved = yield* readRollout(path).pipe(
    Effect.mapError((error) => new ResumeFailed({ message: `failed to read the saved session ${path}: ${error.reason}` }))
  )
  if (saved === undefined) return yield* new ResumeFailed({ message: `not a saved session: ${path}` })
  const resolved = yield* config.load({ cwd: saved.meta.cwd, model: saved.meta.model, ...overrides }).pipe(
    Effect.mapError((error) => new ResumeFailed({ message: error.message }))
  )
  return yield* manager.startConversation({
    config: resolved,
    history: saved.items,
    conversationId: saved.meta.id,
    rolloutPath: path
  })
})
