/**
 * The threads one app-server client follows: each a conversation of the one lifecycle whose events this
 * connection forwards (`ThreadEvents`), from a subscription made before the thread is handed out, so no
 * event is missed. The forwarding fibers belong to the connection and end with it (or with the thread).
 */
import { Context, Deferred, Effect, FiberMap, Layer } from "effect"
import type { Conversation } from "../../agent/conversation/Conversation.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import { makeThreadEvents, type ThreadEvents } from "./ThreadEvents.js"

export interface FollowedThread {
  readonly conversation: Conversation
  readonly events: ThreadEvents
}

export class AppServerThreads extends Context.Service<AppServerThreads, {
  /** Follows `conversation` on this connection (once: a second call returns the first). */
  readonly follow: (conversation: Conversation) => Effect.Effect<FollowedThread>
  readonly find: (threadId: string) => FollowedThread | undefined
  /** Stops following (the thread was archived). */
  readonly forget: (threadId: string) => Effect.Effect<void>
}>()("codex-effect/AppServerThreads") {
  static readonly layer = Layer.effect(AppServerThreads, Effect.gen(function*() {
    const sender = yield* OutgoingSender
    const fibers = yield* FiberMap.make<string>()
    const followed = new Map<string, FollowedThread>()

    const follow = (conversation: Conversation) =>
      Effect.gen(function*() {
        const known = followed.get(conversation.id)
        if (known !== undefined) return known
        const events = yield* makeThreadEvents(conversation).pipe(Effect.provideService(OutgoingSender, sender))
        const thread = { conversation, events }
        followed.set(conversation.id, thread)
        const subscribed = yield* Deferred.make<void>()
        yield* FiberMap.run(fibers, conversation.id, Effect.scoped(Effect.gen(function*() {
          const stream = yield* conversation.subscribe
          yield* Deferred.succeed(subscribed, undefined)
          yield* events.forward(stream)
        })).pipe(Effect.ensuring(Effect.sync(() => followed.delete(conversation.id)))))
        yield* Deferred.await(subscribed)
        return thread
      })

    return AppServerThreads.of({
      follow,
      find: (threadId) => followed.get(threadId),
      forget: (threadId) => FiberMap.remove(fibers, threadId)
    })
  }))
}
