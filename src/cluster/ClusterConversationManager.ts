/**
 * The ConversationManager of a front in a cluster: every conversation is a `Conversation` entity that
 * lives on whichever runner owns its shard, and what the handlers get is a proxy that reaches it there.
 * A new conversation is written to the store first, so the runner that hosts it (now or after a
 * failover) starts it from the store. A reader whose runner is lost gets an `error` event ("runner
 * lost") that ends the turn it was waiting for; the next message reaches the conversation on a survivor.
 */
import { randomUUID } from "node:crypto"
import { Cause, Effect, Layer, Stream } from "effect"
import type { Sharding } from "effect/cluster"
import type { Conversation } from "../agent/Conversation.js"
import { ProcessEnvironment } from "../config/ProcessEnvironment.js"
import type { ResolvedConfig } from "../config/ResolvedConfig.js"
import type { Event } from "../rpc/Event.js"
import { Config } from "../services/Config.js"
import {
  ConversationConfigError,
  ConversationManager,
  ConversationNotFound,
  initialContextMessages,
  requireWorkingDirectory,
  type StartOptions
} from "../services/ConversationManager.js"
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

export const clusterConversationManagerLayer: Layer.Layer<
  ConversationManager,
  never,
  Config | ConversationStore | Sharding.Sharding
> = Layer.effect(ConversationManager, Effect.gen(function*() {
  const config = yield* Config
  const store = yield* ConversationStore
  const clientFor = yield* ConversationEntity.client
  const env = yield* ProcessEnvironment
  const managerScope = yield* Effect.scope

  const proxy = (conversationId: string, resolved: ResolvedConfig, sessionConfigured: Event): Conversation => {
    const entity = clientFor(conversationId)
    return {
      id: conversationId,
      config: resolved,
      rolloutPath: undefined,
      sessionConfigured,
      // The cursor is taken now, so the stream holds every event published from this moment on.
      subscribe: entity.Cursor().pipe(
        Effect.map((cursor) =>
          entity.Events({ from: cursor }).pipe(
            Stream.catchCause((cause) => Stream.make(runnerLostEvent(conversationId, describe(Cause.squash(cause)))))
          )
        ),
        Effect.catchCause((cause) => Effect.succeed(Stream.make(runnerLostEvent(conversationId, describe(Cause.squash(cause))))))
      ),
      submit: (op) => entity.Submit({ op }).pipe(Effect.orDie),
      submitWithId: (id, op) => entity.Submit({ id, op }).pipe(Effect.orDie, Effect.asVoid),
      isTaskRunning: entity.IsTaskRunning().pipe(Effect.orElseSucceed(() => false)),
      history: entity.History().pipe(Effect.orDie),
      attach: (effect) => Effect.forkIn(effect, managerScope).pipe(Effect.asVoid)
    }
  }

  const open = (conversationId: string, resolved: ResolvedConfig) =>
    clientFor(conversationId).Open().pipe(
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
      yield* store.create(conversationId, options.config, history)
      return yield* open(conversationId, options.config)
    })

  return ConversationManager.of({
    newConversation: (overrides) =>
      config.load(overrides).pipe(
        Effect.mapError((error) => new ConversationConfigError({ message: error.message, source: error.source ?? "config" })),
        Effect.flatMap((resolved) => requireWorkingDirectory(resolved, overrides)),
        Effect.flatMap((resolved) =>
          start({ config: resolved }).pipe(
            Effect.mapError((error) => new ConversationConfigError({ message: describe(error), source: "request" }))
          )
        )
      ),
    startConversation: (options) => start(options).pipe(Effect.orDie),
    get: (conversationId) =>
      Effect.gen(function*() {
        const notFound = new ConversationNotFound({ conversationId, message: `conversation not found: ${conversationId}` })
        const stored = yield* store.load(conversationId).pipe(Effect.mapError(() => notFound))
        if (stored === undefined) return yield* Effect.fail(notFound)
        const opened = yield* open(conversationId, stored.config).pipe(
          Effect.mapError((error) => new ConversationNotFound({ conversationId, message: describe(error) }))
        )
        return opened.conversation
      }),
    // The conversation belongs to the cluster: it passivates on its runner when idle.
    remove: () => Effect.void
  })
}))
