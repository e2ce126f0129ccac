/**
 * The runner side of a clustered conversation. When a runner takes a conversation's shard, the first
 * message to it loads the conversation's config and history from the store and starts it on the local
 * ConversationManager; everything it records goes back to the store. Its events are numbered and kept
 * (a bounded tail) so a front can read from the cursor it took before submitting, without a gap.
 *
 * A `Submit` is applied once per key: a key this incarnation has seen gets the answer of its first delivery
 * (awaited if still running), and a key an earlier runner applied (recorded in the store with its write) is
 * answered with the submission id recorded there, without applying the op again.
 */
import { randomUUID } from "node:crypto"
import { statSync } from "node:fs"
import { Deferred, Effect, PubSub, Scope, Semaphore, Stream } from "effect"
import { Entity } from "effect/cluster"
import { type Conversation, ConversationUnavailable } from "../agent/conversation/Conversation.js"
import type { Event } from "../rpc/Event.js"
import { ConversationManager } from "../services/ConversationManager.js"
import { ConversationEntity, type EventCursor, RunnerLost } from "./ConversationEntity.js"
import { ConversationStore } from "./ConversationStore.js"

/** Events kept for readers that start behind the live end (a front's cursor taken just before its submit). */
const EVENT_TAIL = 4096

/** Submission keys this incarnation remembers in memory (older ones are found in the store). */
const SEEN_KEYS = 1024

/** Conversations are kept while idle this long, then passivated; the next message reloads them from the store. */
const MAX_IDLE = "30 minutes"

interface Hosted {
  readonly conversation: Conversation
  readonly log: Array<Event>
  /** The number of the first event still in `log`. */
  base: number
  readonly live: PubSub.PubSub<{ readonly seq: number; readonly event: Event }>
}

/** Why a cwd cannot be used on this runner, or undefined when it is a directory here. */
const missingCwd = (cwd: string): string | undefined => {
  try {
    return statSync(cwd).isDirectory() ? undefined : `${cwd} is not a directory`
  } catch {
    return `${cwd} does not exist`
  }
}

export const layer = ConversationEntity.toLayer(
  Effect.gen(function*() {
    const address = yield* Entity.CurrentAddress
    const runner = yield* Entity.CurrentRunnerAddress
    const conversationId = address.entityId
    const store = yield* ConversationStore
    const manager = yield* ConversationManager
    const entityScope = yield* Effect.scope
    const incarnation = randomUUID()
    let hosted: Hosted | undefined
    const opening = yield* Semaphore.make(1)

    const unavailable = (message: string) => new ConversationUnavailable({ message })

    const start = Effect.gen(function*() {
      // Messages acknowledged to a runner that died before its task took them: the history holds them now.
      const adopted = yield* store.adoptQueued(conversationId).pipe(Effect.mapError((error) => unavailable(error.message)))
      if (adopted) yield* Effect.logInfo(`conversation ${conversationId}: queued messages of its last runner moved into its history`)
      const stored = yield* store.load(conversationId).pipe(Effect.mapError((error) => unavailable(error.message)))
      if (stored === undefined) return yield* Effect.fail(unavailable(`conversation not found: ${conversationId}`))
      const problem = missingCwd(stored.config.cwd)
      if (problem !== undefined) {
        return yield* Effect.fail(unavailable(
          `cannot host conversation ${conversationId} on runner ${runner.host}:${runner.port}: its cwd ${problem} here`
        ))
      }
      // A write the store refuses fails the turn (or the submission) with the store's error.
      const persist = (what: Effect.Effect<void, { readonly message: string }>) =>
        what.pipe(Effect.mapError((error) => unavailable(error.message)))
      const { conversation } = yield* manager.startConversation({
        config: stored.config,
        history: stored.history,
        turnOverride: stored.turnOverride,
        conversationId,
        historySink: {
          record: (items, stamp) => persist(store.append(conversationId, items, stamp)),
          replace: (items, stamp) => persist(store.replace(conversationId, items, stamp)),
          queue: (item, stamp) => persist(store.queue(conversationId, item, stamp)),
          dropQueued: () => persist(store.dropQueued(conversationId)),
          override: (override, items, stamp) => persist(store.override(conversationId, override, items, stamp))
        }
      })
      yield* Effect.addFinalizer(() => manager.remove(conversationId))
      const live = yield* PubSub.unbounded<{ readonly seq: number; readonly event: Event }>()
      const state: Hosted = { conversation, log: [], base: 0, live }
      const events = yield* conversation.subscribe
      yield* Stream.runForEach(events, (event) =>
        Effect.suspend(() => {
          const seq = state.base + state.log.length
          state.log.push(event)
          if (state.log.length > EVENT_TAIL) {
            state.log.shift()
            state.base += 1
          }
          return PubSub.publish(state.live, { seq, event })
        })).pipe(Effect.forkScoped)
      return state
    }).pipe(Scope.provide(entityScope))

    const host: Effect.Effect<Hosted, ConversationUnavailable> = opening.withPermits(1)(Effect.suspend(() =>
      hosted !== undefined ? Effect.succeed(hosted) : Effect.tap(start, (state) => Effect.sync(() => {
        hosted = state
      }))
    ))

    /** The answers of the submissions this incarnation took, by key, oldest first. */
    const seen = new Map<string, Deferred.Deferred<string, ConversationUnavailable>>()

    /**
     * Applies a submission unless its key was applied already; either way, answers with its submission id.
     * The first delivery's work runs to its end even if its caller goes away (the cluster gave up on it), so a
     * later delivery gets its outcome instead of applying the op a second time.
     */
    const submitOnce = (key: string, apply: Effect.Effect<string, ConversationUnavailable>) =>
      Effect.suspend(() => {
        const first = seen.get(key)
        if (first !== undefined) return Deferred.await(first)
        const answer = Deferred.makeUnsafe<string, ConversationUnavailable>()
        seen.set(key, answer)
        if (seen.size > SEEN_KEYS) seen.delete(seen.keys().next().value!)
        const work = store.submitted(conversationId, key).pipe(
          Effect.mapError((error) => unavailable(error.message)),
          Effect.flatMap((recorded) => recorded !== undefined ? Effect.succeed(recorded) : apply),
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              // A submission that failed wrote nothing: a later delivery of it may try again.
              if (exit._tag === "Failure" && seen.get(key) === answer) seen.delete(key)
              return Deferred.done(answer, exit)
            })
          )
        )
        return Effect.forkIn(work, entityScope).pipe(Effect.andThen(Deferred.await(answer)))
      })

    const cursorOf = (state: Hosted): EventCursor => ({ incarnation, next: state.base + state.log.length })

    const eventsFrom = (from: EventCursor) =>
      Stream.unwrap(Effect.gen(function*() {
        if (from.incarnation !== incarnation) {
          return Stream.fail(new RunnerLost({ message: `runner lost: conversation ${conversationId} moved` }))
        }
        const state = yield* host
        const subscription = yield* PubSub.subscribe(state.live)
        const end = state.base + state.log.length
        const backlog = state.log.slice(Math.max(0, from.next - state.base))
        return Stream.concat(
          Stream.fromIterable(backlog),
          Stream.fromSubscription(subscription).pipe(
            Stream.filter((entry) => entry.seq >= end),
            Stream.map((entry) => entry.event)
          )
        )
      }))

    return ConversationEntity.of({
      Open: () =>
        Effect.map(host, (state) => ({ sessionConfigured: state.conversation.sessionConfigured, cursor: cursorOf(state) })),
      Cursor: ({ payload }) =>
        Effect.map(host, (state) => payload.fromStart === true ? { incarnation, next: state.base } : cursorOf(state)),
      Events: ({ payload }) => eventsFrom(payload.from),
      Submit: ({ payload }) =>
        Effect.flatMap(host, ({ conversation }) =>
          submitOnce(
            payload.key,
            payload.id !== undefined
              ? Effect.as(conversation.submitWithId(payload.id, payload.op, payload.key), payload.id)
              : conversation.submit(payload.op, payload.key)
          )),
      History: () => Effect.flatMap(host, ({ conversation }) => conversation.history),
      IsTaskRunning: () => Effect.flatMap(host, ({ conversation }) => conversation.isTaskRunning)
    })
  }),
  { maxIdleTime: MAX_IDLE, concurrency: "unbounded" }
)
