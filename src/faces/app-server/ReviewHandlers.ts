/**
 * `review/start`: a review of the thread's workspace as a turn of its own, over the conversation's
 * `review` op. The prompt for the target comes from `ReviewPrompts` (which alone reads git); the turn runs
 * in the thread itself (`inline`) or in a fork of it (`detached`, announced with `thread/started` before
 * the answer, as the reference does), and the answer names the thread it runs in.
 */
import { randomUUID } from "node:crypto"
import { Deferred, Effect } from "effect"
import { invalidRequest, type JsonRpcError } from "../../rpc/JsonRpc.js"
import { ReviewPrompts, type ReviewTarget } from "../../services/ReviewPrompts.js"
import { lifecycleError } from "../conversation-api/ConversationHandlers.js"
import type { AppServerHandlerMap } from "./AppServerRouter.js"
import { turnInProgress } from "./Items.js"
import type * as P from "./Protocol.js"
import type { FollowedThread } from "./Threads.js"

type ReviewHandlerMap = Pick<AppServerHandlerMap, "review/start">

export interface ReviewThreads {
  /** The thread, followed on this connection. */
  readonly followed: (threadId: string) => Effect.Effect<FollowedThread, JsonRpcError>
  /** A fork of the thread, followed, its `thread/started` sent. */
  readonly fork: (threadId: string) => Effect.Effect<FollowedThread, JsonRpcError>
}

/** The target in the core's terms, checked as the reference checks it (trimmed, nothing empty). */
const targetOf = (target: P.ReviewTarget): Effect.Effect<ReviewTarget, JsonRpcError> => {
  switch (target.type) {
    case "uncommittedChanges":
      return Effect.succeed(target)
    case "baseBranch": {
      const branch = target.branch.trim()
      return branch === "" ? invalidRequest("branch must not be empty") : Effect.succeed({ type: "baseBranch", branch })
    }
    case "commit": {
      const sha = target.sha.trim()
      const title = target.title?.trim()
      if (sha === "") return invalidRequest("sha must not be empty")
      return Effect.succeed({ type: "commit", sha, ...(title !== undefined && title !== "" ? { title } : {}) })
    }
    case "custom": {
      const instructions = target.instructions.trim()
      return instructions === "" ? invalidRequest("instructions must not be empty") : Effect.succeed({ type: "custom", instructions })
    }
  }
}

export const makeReviewHandlers = (threads: ReviewThreads) =>
  Effect.gen(function*() {
    const prompts = yield* ReviewPrompts

    const handlers: ReviewHandlerMap = {
      "review/start": (params, request) =>
        Effect.gen(function*() {
          const target = yield* targetOf(params.target)
          const parent = yield* threads.followed(params.threadId)
          if (parent.events.runningTurn() !== undefined || (yield* parent.conversation.isTaskRunning)) {
            return yield* invalidRequest(`a turn is already running in thread ${params.threadId}`)
          }
          const { conversation, events } = params.delivery === "detached" ? yield* threads.fork(params.threadId) : parent
          const review = yield* prompts.requestFor(target, {
            cwd: conversation.config.cwd,
            bwrapPath: conversation.config.codexLinuxSandboxExe,
            codexHome: conversation.config.codexHome
          })
          const turnId = randomUUID()
          const answered = yield* Deferred.make<void>()
          events.expectTurn(turnId, { answered, review: true })
          request.afterAnswer(Deferred.succeed(answered, undefined).pipe(Effect.asVoid))
          yield* conversation.submitWithId(turnId, { type: "review", review_request: review }).pipe(Effect.mapError(lifecycleError))
          return {
            // What the reference's answer holds: the review's name as the turn's user message.
            turn: turnInProgress(turnId, [
              { type: "userMessage", id: turnId, content: [{ type: "text", text: review.user_facing_hint, text_elements: [] }] }
            ]),
            reviewThreadId: conversation.id
          }
        })
    }
    return handlers
  })
