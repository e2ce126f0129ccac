/**
 * The ConversationManager of a front in a cluster: every conversation is a `Conversation` entity that
 * lives on whichever runner owns its shard, and what the faces get is a proxy that reaches it there.
 * A new conversation is written to the store first, so the runner that hosts it (now or after a
 * failover) starts it from the store; listing, reading, forking and archiving read and write the store.
 * A reader whose runner is lost gets an `error` event ("runner lost") that ends the turn it was waiting
 * for; the next message reaches the conversation on a survivor. Any failure to reach a conversation or
 * its store is a `ConversationUnavailable`.
 */
import { randomUUID } from "node:crypto"
import { Cause, Effect, Layer, Semaphore, Stream } from "effect"
import type { Sharding } from "effect/cluster"
import { type Conversation, ConversationUnavailable } from "../agent/conversation/Conversation.js"
import type { ConversationOverrides, ResolvedConfig } from "../config/ResolvedConfig.js"
import { previewOf } from "../persistence/RolloutIndex.js"
import type { Event } from "../rpc/Event.js"
import { Config } from "../services/Config.js"
import { initialContextMessages } from "../services/ConversationHost.js"
import {
  ConversationAlreadyOpen,
  ConversationConfigError,
  type ConversationLifecycle,
  ConversationNotFound,
  type StartOptions
} from "../services/ConversationLifecycle.js"
import { ConversationManager, readSavedConversation } from "../services/ConversationManager.js"
import { ProcessEnvironment } from "../services/ProcessEnvironment.js"
import { ConversationEntity } from "./ConversationEntity.js"
import { ConversationStore } from "./ConversationStore.js"

/** What any failure to reach a hosted conversation looks like to a reader. */
const runnerLostEvent = (conversationId: string, reason: string): Event => ({
  id: "",
  msg: {
    type: "error",
    message: `runner lost: conversation ${conversationId} is no longer reachable where it ran (${reason}); ` +
      "send the next message to continue it on another runner"
  }
})

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/** What ended a reader's stream; an interruption alone says where to look instead of "All fibers interrupted". */
const causeText = (cause: Cause.Cause<unknown>): string =>
  Cause.hasInterruptsOnly(cause)
    ? "the cluster interrupted the call: its runner or PostgreSQL is unreachable"
    : describe(Cause.squash(cause))

const unavailable = (error: unknown) =>
  error instanceof ConversationUnavailable ? error : new ConversationUnavailable({ message: describe(error) })

const notFound = (conversationId: string) =>
  new ConversationNotFound({ conversationId, message: `conversation not found: ${conversationId}` })

const DEFAULT_PAGE_SIZE = 25

export const layer: Layer.Layer<
  ConversationManager,
  never,
  Config | ConversationStore | Sharding.Sharding
> = Layer.effect(ConversationManager, Effect.gen(function*() {
  const config = yield* Config
  const store = yield* ConversationStore
  const clientFor = yield* ConversationEntity.client
  const env = yield* ProcessEnvironment
  const managerScope = yield* Effect.scope
  /** Two resumes of the same saved conversation must not import it twice. */
  const resuming = yield* Semaphore.make(1)

  const loadConfig = (overrides: ConversationOverrides) =>
    config.load(overrides).pipe(
      Effect.mapError((error) => new ConversationConfigError({ message: error.message, source: error.source ?? "config" }))
    )

  const proxy = (conversationId: string, resolved: ResolvedConfig, sessionConfigured: Event): Conversation => {
    const entity = clientFor(conversationId)
    // The cursor is taken now, so the stream holds every event published from this moment on (or, from the
    // start, every event of the conversation's current hosting).
    const subscribeFrom = (fromStart: boolean) =>
      entity.Cursor({ fromStart }).pipe(
        Effect.map((cursor) =>
          entity.Events({ from: cursor }).pipe(
            Stream.catchCause((cause) => Stream.make(runnerLostEvent(conversationId, causeText(cause))))
          )
        ),
        Effect.catchCause((cause) => Effect.succeed(Stream.make(runnerLostEvent(conversationId, causeText(cause)))))
      )
    return {
      id: conversationId,
      config: resolved,
      rolloutPath: undefined,
      sessionConfigured,
      subscribe: subscribeFrom(false),
      subscribeFromStart: subscribeFrom(true),
      // One key per client request, chosen here: the cluster's re-deliveries of this Submit carry the same one.
      submit: (op) => Effect.suspend(() => entity.Submit({ key: randomUUID(), op })).pipe(Effect.mapError(unavailable)),
      submitWithId: (id, op) =>
        Effect.suspend(() => entity.Submit({ id, key: randomUUID(), op })).pipe(Effect.mapError(unavailable), Effect.asVoid),
      isTaskRunning: entity.IsTaskRunning().pipe(Effect.orElseSucceed(() => false)),
      // Not kept by the cluster's store.
      tokenTotals: Effect.succeed(undefined),
      history: entity.History().pipe(Effect.mapError(unavailable)),
      attach: (effect) => Effect.forkIn(effect, managerScope)
    }
  }

  const open = (conversationId: string, resolved: ResolvedConfig) =>
    clientFor(conversationId).Open().pipe(
      Effect.mapError(unavailable),
      Effect.map(({ sessionConfigured }) => ({
        conversationId,
        conversation: proxy(conversationId, resolved, sessionConfigured),
        sessionConfigured
      }))
    )

  const start = (options: StartOptions) =>
    Effect.gen(function*() {
      const conversationId = options.conversationId ?? randomUUID()
      const history = options.history ?? initialContextMessages(options.config, env.SHELL)
      yield* store.create(conversationId, options.config, history).pipe(Effect.mapError(unavailable))
      return yield* open(conversationId, options.config)
    })

  const load = (conversationId: string) =>
    store.load(conversationId).pipe(
      Effect.mapError(unavailable),
      Effect.flatMap((stored) => (stored === undefined ? Effect.fail(notFound(conversationId)) : Effect.succeed(stored)))
    )

  const get = (conversationId: string) =>
    Effect.flatMap(load(conversationId), (stored) => open(conversationId, stored.config)).pipe(
      Effect.map(({ conversation }) => conversation)
    )

  const alreadyOpen = (conversationId: string) =>
    new ConversationAlreadyOpen({ conversationId, message: `conversation ${conversationId} is already open` })

  /** Every stored conversation is open: a runner hosts it as soon as someone writes to it. */
  const resume: ConversationLifecycle["resume"] = (target, options = {}) =>
    resuming.withPermits(1)(Effect.gen(function*() {
      if ("conversationId" in target) {
        const conversation = yield* get(target.conversationId).pipe(
          // A broken config.toml is reported before "not found", so every call shows what to fix.
          Effect.catchTag("ConversationNotFound", (error) => Effect.andThen(loadConfig({}), Effect.fail(error)))
        )
        if (options.ifOpen === "fail") return yield* alreadyOpen(conversation.id)
        return { conversationId: conversation.id, conversation, sessionConfigured: conversation.sessionConfigured, history: [] }
      }
      const saved = yield* readSavedConversation(target.rolloutPath)
      if (saved === undefined) {
        return yield* new ConversationNotFound({ conversationId: "", message: `not a rollout file: ${target.rolloutPath}` })
      }
      const existing = yield* store.load(saved.meta.id).pipe(Effect.mapError(unavailable))
      if (existing !== undefined) {
        if (options.ifOpen === "fail") return yield* alreadyOpen(saved.meta.id)
        const opened = yield* open(saved.meta.id, existing.config)
        return { ...opened, history: [] }
      }
      const resolved = yield* loadConfig({ cwd: saved.meta.cwd, ...(saved.meta.model !== undefined ? { model: saved.meta.model } : {}), ...options.overrides })
      const started = yield* start({ config: resolved, history: saved.items, conversationId: saved.meta.id })
      return { ...started, history: saved.items }
    }))

  const summary = (conversationId: string, createdAt: string | null, items: ReadonlyArray<Parameters<typeof previewOf>[0]>) => ({
    conversationId,
    // Clustered conversations have no file: their store is PostgreSQL.
    path: "",
    preview: items.map(previewOf).find((text) => text !== undefined) ?? "",
    timestamp: createdAt
  })

  const setArchived = (conversationId: string, archived: boolean) =>
    store.setArchived(conversationId, archived).pipe(
      Effect.mapError(unavailable),
      Effect.flatMap((found) => (found ? Effect.void : Effect.fail(notFound(conversationId))))
    )

  return ConversationManager.of({
    // The cwd is checked by the runner that hosts the conversation: the front may be another machine.
    newConversation: (overrides) => Effect.flatMap(loadConfig(overrides), (resolved) => start({ config: resolved })),
    startConversation: start,
    get,
    resume,
    fork: (conversationId, overrides) =>
      Effect.gen(function*() {
        const stored = yield* load(conversationId)
        const resolved = yield* loadConfig({ cwd: stored.config.cwd, model: stored.config.model, ...overrides })
        return yield* start({ config: resolved, history: stored.history })
      }),
    list: (options = {}) =>
      Effect.gen(function*() {
        const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
        // One more than a page says whether there is a next one.
        const rows = yield* store.list({ pageSize: pageSize + 1, after: options.cursor, archived: options.archived ?? false }).pipe(
          Effect.mapError(unavailable)
        )
        const page = rows.slice(0, pageSize)
        const items = page.map((row) => summary(row.conversationId, row.createdAt, row.head))
        return rows.length > pageSize ? { items, nextCursor: page[page.length - 1]!.conversationId } : { items }
      }),
    read: (conversationId) =>
      Effect.map(load(conversationId), (stored) => ({
        conversationId,
        rolloutPath: undefined,
        cwd: stored.config.cwd,
        model: stored.config.model,
        items: stored.history
      })),
    archive: (conversationId) => setArchived(conversationId, true),
    unarchive: (conversationId) =>
      Effect.gen(function*() {
        yield* setArchived(conversationId, false)
        const stored = yield* load(conversationId)
        return summary(conversationId, null, stored.history)
      }),
    // The conversation belongs to the cluster: it passivates on its runner when idle.
    remove: () => Effect.void
  })
}))
