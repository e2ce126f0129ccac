/**
 * The conversation lifecycle (`ConversationLifecycle`) for the conversations of this process: they run on a
 * `ConversationHost` and are saved as rollouts under CODEX_HOME, so a later process (or a client after a
 * restart, or a server process per call) lists, reads, forks and resumes them. Under `--cluster` the entry
 * point provides the cluster's implementation instead (`src/cluster/ClusterConversationManager.ts`).
 */
import { Context, Effect, Layer, Semaphore } from "effect"
import { type Conversation, ConversationUnavailable } from "../agent/conversation/Conversation.js"
import type { ConversationOverrides } from "../config/ResolvedConfig.js"
import { readRollout } from "../persistence/Rollout.js"
import { archiveRollout, listRollouts, summarize, unarchiveRollout } from "../persistence/RolloutIndex.js"
import { findArchivedRollout, findRollout } from "../persistence/SavedSessions.js"
import { Config } from "./Config.js"
import { makeConversationHost } from "./ConversationHost.js"
import {
  ConversationAlreadyOpen,
  ConversationConfigError,
  type ConversationLifecycle,
  ConversationNotFound,
  type ResumeTarget,
  SavedConversationUnreadable
} from "./ConversationLifecycle.js"
import { requireWorkingDirectory } from "./WorkingDirectory.js"

const notFound = (conversationId: string) =>
  new ConversationNotFound({ conversationId, message: `conversation not found: ${conversationId}` })

/** A rollout as the conversation it saved; `undefined` for a file that holds no conversation. */
export const readSavedConversation = (path: string) =>
  readRollout(path).pipe(
    Effect.map((saved) => (saved === undefined ? undefined : { path, ...saved })),
    Effect.mapError((error) =>
      new SavedConversationUnreadable({ path, reason: error.reason, message: `failed to read rollout ${path}: ${error.reason}` })
    )
  )

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

export class ConversationManager extends Context.Service<ConversationManager, ConversationLifecycle>()(
  "codex-effect/ConversationManager"
) {
  static readonly layer = Layer.effect(ConversationManager, Effect.gen(function*() {
    const config = yield* Config
    const host = yield* makeConversationHost
    /** Two resumes of the same saved conversation must not start it twice. */
    const resuming = yield* Semaphore.make(1)

    const loadConfig = (overrides: ConversationOverrides) =>
      config.load(overrides).pipe(
        Effect.mapError((error) => new ConversationConfigError({ message: error.message, source: error.source ?? "config" }))
      )

    const get = (conversationId: string) =>
      Effect.suspend(() => {
        const live = host.find(conversationId)
        return live !== undefined ? Effect.succeed(live) : Effect.fail(notFound(conversationId))
      })

    /** The saved conversation `target` names. */
    const loadSaved = (target: ResumeTarget) =>
      Effect.gen(function*() {
        if ("rolloutPath" in target) {
          const saved = yield* readSavedConversation(target.rolloutPath)
          if (saved === undefined) {
            return yield* new ConversationNotFound({ conversationId: "", message: `not a rollout file: ${target.rolloutPath}` })
          }
          return saved
        }
        const path = findRollout(config.codexHome, target.conversationId)
        const saved = path === undefined ? undefined : yield* readSavedConversation(path)
        if (saved === undefined) return yield* notFound(target.conversationId)
        return saved
      })

    const liveResult = (conversation: Conversation) => ({
      conversationId: conversation.id,
      conversation,
      sessionConfigured: conversation.sessionConfigured,
      history: []
    })

    const resume: ConversationLifecycle["resume"] = (target, options = {}) =>
      resuming.withPermits(1)(Effect.gen(function*() {
        const alreadyOpen = (conversation: Conversation) =>
          options.ifOpen === "fail"
            ? Effect.fail(new ConversationAlreadyOpen({
              conversationId: conversation.id,
              message: `conversation ${conversation.id} is already open`
            }))
            : Effect.succeed(liveResult(conversation))
        if ("conversationId" in target) {
          const live = host.find(target.conversationId)
          if (live !== undefined) return yield* alreadyOpen(live)
        }
        const saved = yield* loadSaved(target).pipe(
          // A broken config.toml is reported before "not found", so every call shows what to fix.
          Effect.catchTag("ConversationNotFound", (error) =>
            "conversationId" in target ? Effect.andThen(loadConfig({}), Effect.fail(error)) : Effect.fail(error))
        )
        const live = host.find(saved.meta.id)
        if (live !== undefined) return yield* alreadyOpen(live)
        const resolved = yield* loadConfig({ cwd: saved.meta.cwd, ...(saved.meta.model !== undefined ? { model: saved.meta.model } : {}), ...options.overrides })
        yield* Effect.logInfo(`resuming conversation ${saved.meta.id} from ${saved.path}`)
        const started = yield* host.start({
          config: resolved,
          history: saved.items,
          conversationId: saved.meta.id,
          rolloutPath: saved.path,
          tokenTotals: saved.usage
        })
        return { ...started, history: saved.items }
      }))

    const read: ConversationLifecycle["read"] = (conversationId) =>
      Effect.gen(function*() {
        const live = host.find(conversationId)
        if (live !== undefined) {
          const items = yield* live.history
          return { conversationId, rolloutPath: live.rolloutPath, cwd: live.config.cwd, model: live.config.model, items }
        }
        const saved = yield* loadSaved({ conversationId }).pipe(
          // An archived conversation can still be read (not resumed), as the reference reads it.
          Effect.catchTag("ConversationNotFound", (notFound) => {
            const archived = findArchivedRollout(config.codexHome, conversationId)
            return archived === undefined ? Effect.fail(notFound) : loadSaved({ rolloutPath: archived })
          })
        )
        return { conversationId, rolloutPath: saved.path, cwd: saved.meta.cwd, model: saved.meta.model ?? config.base.model, items: saved.items }
      })

    const storeFailure = (what: string) => (error: unknown) => new ConversationUnavailable({ message: `${what}: ${describe(error)}` })

    return ConversationManager.of({
      newConversation: (overrides) =>
        loadConfig(overrides).pipe(
          Effect.flatMap((resolved) => requireWorkingDirectory(resolved, overrides)),
          Effect.flatMap((resolved) => host.start({ config: resolved }))
        ),
      startConversation: host.start,
      get,
      resume,
      fork: (conversationId, overrides) =>
        Effect.gen(function*() {
          const source = yield* read(conversationId)
          const resolved = yield* loadConfig({ cwd: source.cwd, model: source.model, ...overrides })
          return yield* host.start({ config: resolved, history: source.items })
        }),
      list: (options = {}) =>
        Effect.try({
          try: () => listRollouts(config.codexHome, options.pageSize, options.cursor, options.archived),
          catch: storeFailure("failed to list conversations")
        }),
      read,
      archive: (conversationId, rolloutPath) =>
        Effect.gen(function*() {
          yield* host.remove(conversationId)
          const path = rolloutPath ?? findRollout(config.codexHome, conversationId)
          if (path === undefined) return yield* notFound(conversationId)
          const problem = yield* Effect.try({
            try: () => archiveRollout(config.codexHome, conversationId, path),
            catch: storeFailure(`failed to archive conversation ${conversationId}`)
          })
          if (problem !== undefined) return yield* new ConversationNotFound({ conversationId, message: problem })
        }),
      unarchive: (conversationId) =>
        Effect.gen(function*() {
          const path = yield* Effect.try({
            try: () => unarchiveRollout(config.codexHome, conversationId),
            catch: storeFailure(`failed to unarchive conversation ${conversationId}`)
          })
          const summary = path === undefined ? undefined : summarize(path)
          if (summary === undefined) return yield* notFound(conversationId)
          return summary
        }),
      remove: host.remove
    })
  }))
}
