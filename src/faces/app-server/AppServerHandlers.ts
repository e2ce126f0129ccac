/**
 * The app-server v2 methods, each over the one conversation lifecycle (`ConversationManager`): a thread
 * is a conversation, a turn is a task of it. Threads started here are the same conversations every other
 * face sees (saved as rollouts, resumable with `codex-reply` or `resumeConversation`).
 */
import { randomUUID } from "node:crypto"
import { Deferred, Effect, Layer, Option, Stream } from "effect"
import type { Conversation } from "../../agent/conversation/Conversation.js"
import type { ConversationOverrides, ResolvedConfig } from "../../config/ResolvedConfig.js"
import { type InputItem, MAX_INPUT_ITEMS } from "../../rpc/Op.js"
import { Config } from "../../services/Config.js"
import { clampPageSize } from "../../services/ConversationLifecycle.js"
import { ConversationManager } from "../../services/ConversationManager.js"
import { ThreadNames } from "../../services/ThreadNames.js"
import { overLimit } from "../../model/ModelOutputLimits.js"
import { internalError, invalidRequest } from "../../rpc/JsonRpc.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import { VERSION } from "../../version.js"
import { lifecycleError } from "../conversation-api/ConversationHandlers.js"
import { makeAccountHandlers } from "./AccountHandlers.js"
import { modelPage } from "./ModelCatalogue.js"
import { coreSandboxPolicy, sandboxPolicyOf } from "./SandboxPolicies.js"
import { makeCommandExecHandlers } from "./CommandExecHandlers.js"
import { makeReviewHandlers } from "./ReviewHandlers.js"
import { makeWorkspaceHandlers } from "./WorkspaceHandlers.js"
import { AppServerHandlers } from "./AppServerRouter.js"
import { previewOfHistory, turnsOfHistory } from "./HistoryTurns.js"
import { type Thread, type ThreadStatus, type Turn, turnInProgress, type UserInput } from "./Items.js"
import * as P from "./Protocol.js"
import { AppServerThreads } from "./Threads.js"

/** v2 params as the lifecycle's overrides; a `null` is the same as an absent key. */
/** A turn's input over the cap the conversation holds it to: refused with the request, so no turn is left waiting. */
const tooManyItems = (count: number) => `input: ${overLimit("the input", count, MAX_INPUT_ITEMS, "items")}`

const overridesOf = (params: {
  readonly model?: string | null
  readonly cwd?: string | null
  readonly approvalPolicy?: ConversationOverrides["approvalPolicy"] | null
  readonly sandbox?: ConversationOverrides["sandboxMode"] | null
  readonly config?: Readonly<Record<string, unknown>> | null
  readonly baseInstructions?: string | null
  readonly developerInstructions?: string | null
}): ConversationOverrides => ({
  ...(params.model != null ? { model: params.model } : {}),
  ...(params.cwd != null ? { cwd: params.cwd } : {}),
  ...(params.approvalPolicy != null ? { approvalPolicy: params.approvalPolicy } : {}),
  ...(params.sandbox != null ? { sandboxMode: params.sandbox } : {}),
  ...(params.config != null ? { config: params.config } : {}),
  ...(params.baseInstructions != null ? { baseInstructions: params.baseInstructions } : {}),
  ...(params.developerInstructions != null ? { developerInstructions: params.developerInstructions } : {})
})

const inputItem = (input: UserInput): InputItem =>
  input.type === "text"
    ? { type: "text", text: input.text }
    : input.type === "image"
    ? { type: "image", image_url: input.url }
    : { type: "local_image", path: input.path }

/** How long a rollback (a history rewrite between turns) may take before the request fails. */
const ROLLBACK_TIMEOUT_MS = 30_000

const nowSeconds = () => Math.floor(Date.now() / 1000)

const threadOf = (options: {
  readonly id: string
  readonly config: Pick<ResolvedConfig, "modelProviderId" | "cwd"> & { readonly model: string | null }
  readonly path: string | undefined
  readonly preview: string
  readonly status: ThreadStatus
  readonly turns?: ReadonlyArray<Turn>
  readonly createdAt?: number
  readonly name?: string | null
}): Thread => ({
  id: options.id,
  sessionId: options.id,
  forkedFromId: null,
  parentThreadId: null,
  preview: options.preview,
  ephemeral: false,
  projectId: null,
  modelProvider: options.config.modelProviderId,
  model: options.config.model,
  createdAt: options.createdAt ?? nowSeconds(),
  updatedAt: nowSeconds(),
  status: options.status,
  path: options.path ?? null,
  cwd: options.config.cwd,
  cliVersion: VERSION,
  source: "appServer",
  name: options.name ?? null,
  turns: options.turns ?? []
})

const secondsOf = (timestamp: string | null) => {
  const parsed = timestamp === null ? Number.NaN : Date.parse(timestamp)
  return Number.isNaN(parsed) ? nowSeconds() : Math.floor(parsed / 1000)
}

/** Every app-server method's handler (`AppServerHandlers.layer` where this module is imported whole). */
export const layer = Layer.effect(AppServerHandlers, Effect.gen(function*() {
  const manager = yield* ConversationManager
  const config = yield* Config
  const threads = yield* AppServerThreads
  const sender = yield* OutgoingSender
  const account = yield* makeAccountHandlers
  const workspace = yield* makeWorkspaceHandlers
  const commandExec = yield* makeCommandExecHandlers
  const names = yield* ThreadNames

  const settingsOf = (conversation: Conversation, thread: Thread) => ({
    thread,
    model: conversation.config.model,
    modelProvider: conversation.config.modelProviderId,
    serviceTier: null,
    cwd: conversation.config.cwd,
    instructionSources: [],
    approvalPolicy: conversation.config.approvalPolicy,
    approvalsReviewer: "user" as const,
    sandbox: sandboxPolicyOf(conversation.config),
    reasoningEffort: conversation.config.modelReasoningEffort
  })

  const liveThread = (conversation: Conversation, preview: string, turns: ReadonlyArray<Turn> = []) =>
    threadOf({
      id: conversation.id,
      config: conversation.config,
      path: conversation.rolloutPath,
      preview,
      status: { type: "idle" },
      turns
    })

  /**
   * The thread, followed on this connection (a live conversation another client started is followed now).
   * One not loaded in this process is -32600 `thread not found: <id>`, the reference's answer.
   */
  const followed = (threadId: string) =>
    Effect.suspend(() => {
      const known = threads.find(threadId)
      if (known !== undefined) return Effect.succeed(known)
      return manager.get(threadId).pipe(
        Effect.mapError((error) => error._tag === "ConversationNotFound" ? invalidRequest(`thread not found: ${threadId}`) : lifecycleError(error)),
        Effect.flatMap(threads.follow)
      )
    })

  /** A fork of the thread, followed on this connection, and the thread it is. */
  const forkThread = (threadId: string, overrides: ConversationOverrides) =>
    Effect.gen(function*() {
      const { conversation } = yield* manager.fork(threadId, overrides).pipe(Effect.mapError(lifecycleError))
      const followed = yield* threads.follow(conversation)
      const history = yield* Effect.orElseSucceed(conversation.history, () => [])
      const thread = {
        ...liveThread(conversation, previewOfHistory(history), turnsOfHistory(conversation.id, history)),
        forkedFromId: threadId
      }
      return { followed, thread }
    })

  /** A saved or live thread as `thread/read` and `thread/list` show it. */
  const readThread = (threadId: string, includeTurns: boolean, named?: ReadonlyMap<string, string>) =>
    Effect.all([manager.read(threadId).pipe(Effect.mapError(lifecycleError)), named === undefined ? names.all : Effect.succeed(named)]).pipe(
      Effect.map(([saved, named]) =>
        threadOf({
          name: named.get(saved.conversationId) ?? null,
          id: saved.conversationId,
          config: { modelProviderId: config.base.modelProviderId, cwd: saved.cwd, model: saved.model },
          path: saved.rolloutPath,
          preview: previewOfHistory(saved.items),
          status: threads.find(threadId) !== undefined ? { type: "idle" } : { type: "notLoaded" },
          turns: includeTurns ? turnsOfHistory(saved.conversationId, saved.items) : []
        })
      )
    )

  const review = yield* makeReviewHandlers({
    followed,
    // A detached review's thread is announced before the answer, as the reference announces it.
    fork: (threadId) =>
      forkThread(threadId, {}).pipe(
        Effect.tap(({ thread }) => sender.notify(P.ThreadStarted, { thread: { ...thread, turns: [] } })),
        Effect.map(({ followed }) => followed)
      )
  })

  return AppServerHandlers.of({
    ...account,
    ...workspace,
    ...commandExec,
    ...review,
    initialize: (params, request) =>
      Effect.sync(() => {
        const problem = config.startupError
        if (problem !== undefined) request.afterAnswer(sender.notify(P.ConfigWarning, { summary: problem.message, details: null }))
        return {
        userAgent: `${params.clientInfo.name}/${VERSION} (codex-effect; ${process.platform}) (${params.clientInfo.name}; ${params.clientInfo.version})`,
        codexHome: config.codexHome,
        platformFamily: process.platform === "win32" ? "windows" : "unix",
        platformOs: process.platform === "darwin" ? "macos" : process.platform === "win32" ? "windows" : process.platform
        }
      }),

    "thread/start": (params, request) =>
      Effect.gen(function*() {
        const { conversation } = yield* manager.newConversation(overridesOf(params)).pipe(Effect.mapError(lifecycleError))
        yield* threads.follow(conversation)
        const thread = liveThread(conversation, "")
        request.afterAnswer(sender.notify(P.ThreadStarted, { thread }))
        return settingsOf(conversation, thread)
      }),

    "thread/resume": (params, request) =>
      Effect.gen(function*() {
        const resumed = yield* manager.resume({ conversationId: params.threadId }, { overrides: overridesOf(params) }).pipe(
          Effect.mapError(lifecycleError)
        )
        yield* threads.follow(resumed.conversation)
        const history = resumed.history.length > 0 ? resumed.history : yield* Effect.orElseSucceed(resumed.conversation.history, () => [])
        const thread = {
          ...liveThread(resumed.conversation, previewOfHistory(history), turnsOfHistory(resumed.conversationId, history)),
          name: (yield* names.all).get(resumed.conversationId) ?? null
        }
        request.afterAnswer(sender.notify(P.ThreadStarted, { thread: { ...thread, turns: [] } }))
        return settingsOf(resumed.conversation, thread)
      }),

    "thread/fork": (params, request) =>
      Effect.gen(function*() {
        const { followed, thread } = yield* forkThread(params.threadId, overridesOf(params))
        request.afterAnswer(sender.notify(P.ThreadStarted, { thread: { ...thread, turns: [] } }))
        return settingsOf(followed.conversation, thread)
      }),

    "thread/compact/start": (params, request) =>
      Effect.gen(function*() {
        const { conversation, events } = yield* followed(params.threadId)
        const turnId = randomUUID()
        const answered = yield* Deferred.make<void>()
        events.expectTurn(turnId, { answered })
        request.afterAnswer(Deferred.succeed(answered, undefined).pipe(Effect.asVoid))
        yield* conversation.submitWithId(turnId, { type: "compact" }).pipe(Effect.mapError(lifecycleError))
        return {}
      }),

    "turn/steer": (params, request) =>
      Effect.gen(function*() {
        const { conversation, events } = yield* followed(params.threadId)
        const running = events.runningTurn()
        if (running === undefined || running !== params.expectedTurnId) {
          return yield* invalidRequest(
            running === undefined ? `no turn is running in thread ${params.threadId}` : `turn ${params.expectedTurnId} is not the running turn (${running})`
          )
        }
        if (params.input.length > MAX_INPUT_ITEMS) return yield* invalidRequest(tooManyItems(params.input.length))
        yield* conversation.submit({ type: "user_input", items: params.input.map(inputItem) }).pipe(Effect.mapError(lifecycleError))
        request.afterAnswer(events.steered(running, params.input))
        return { turnId: running }
      }),

    "thread/list": (params) =>
      Effect.gen(function*() {
        const page = yield* manager.list({
          pageSize: clampPageSize(params.limit),
          cursor: params.cursor ?? undefined,
          archived: params.archived ?? undefined
        }).pipe(Effect.mapError(lifecycleError))
        const named = yield* names.all
        const data = yield* Effect.forEach(page.items, (summary) => {
          // An archived thread cannot be read by id: what its summary says is all there is.
          const fromSummary = threadOf({
            id: summary.conversationId,
            config: { modelProviderId: config.base.modelProviderId, cwd: "", model: null },
            path: summary.path,
            preview: summary.preview,
            status: { type: "notLoaded" },
            name: named.get(summary.conversationId) ?? null
          })
          return readThread(summary.conversationId, false, named).pipe(
            Effect.orElseSucceed(() => fromSummary),
            Effect.map((thread) => ({ ...thread, preview: summary.preview, createdAt: secondsOf(summary.timestamp) }))
          )
        })
        return { data, nextCursor: page.nextCursor ?? null }
      }),

    "thread/name/set": (params, request) =>
      Effect.gen(function*() {
        const name = params.name.trim()
        if (name.length === 0) return yield* invalidRequest("thread name must not be empty")
        yield* manager.read(params.threadId).pipe(Effect.mapError(lifecycleError))
        yield* names.set(params.threadId, name).pipe(Effect.mapError((error) => internalError(error.message)))
        request.afterAnswer(sender.notify(P.ThreadNameUpdated, { threadId: params.threadId, threadName: name }))
        return {}
      }),

    "thread/rollback": (params) =>
      Effect.gen(function*() {
        yield* sender.notify(P.DeprecationNotice, { summary: "thread/rollback is deprecated and will be removed soon", details: null })
        if (params.numTurns < 1) return yield* invalidRequest("numTurns must be >= 1")
        // As the reference: only a thread loaded in this process rolls back; a saved one is resumed first.
        const { conversation, events } = yield* followed(params.threadId)
        if (events.runningTurn() !== undefined || (yield* conversation.isTaskRunning)) {
          return yield* invalidRequest(`a turn is running in thread ${params.threadId}; interrupt it first`)
        }
        const id = randomUUID()
        const outcome = yield* Effect.scoped(Effect.gen(function*() {
          const stream = yield* conversation.subscribe
          yield* conversation.submitWithId(id, { type: "thread_rollback", num_turns: params.numTurns }).pipe(Effect.mapError(lifecycleError))
          return yield* stream.pipe(
            Stream.filter((event) => event.id === id && (event.msg.type === "thread_rolled_back" || event.msg.type === "error")),
            Stream.runHead
          )
        })).pipe(Effect.timeoutOption(ROLLBACK_TIMEOUT_MS), Effect.map(Option.flatten))
        if (Option.isNone(outcome)) return yield* internalError(`thread ${params.threadId} did not roll back`)
        if (outcome.value.msg.type === "error") return yield* invalidRequest(outcome.value.msg.message)
        const history = yield* conversation.history.pipe(Effect.mapError(lifecycleError))
        const thread = {
          ...liveThread(conversation, previewOfHistory(history), turnsOfHistory(conversation.id, history)),
          name: (yield* names.all).get(conversation.id) ?? null
        }
        return { thread }
      }),

    "thread/read": (params) => Effect.map(readThread(params.threadId, params.includeTurns === true), (thread) => ({ thread })),

    "thread/archive": (params, request) =>
      Effect.gen(function*() {
        yield* threads.forget(params.threadId)
        yield* manager.archive(params.threadId).pipe(Effect.mapError(lifecycleError))
        request.afterAnswer(sender.notify(P.ThreadArchived, { threadId: params.threadId }))
        return {}
      }),

    "thread/unarchive": (params, request) =>
      Effect.gen(function*() {
        yield* manager.unarchive(params.threadId).pipe(Effect.mapError(lifecycleError))
        const thread = yield* readThread(params.threadId, false)
        request.afterAnswer(sender.notify(P.ThreadUnarchived, { threadId: params.threadId }))
        return { thread }
      }),

    "turn/start": (params, request) =>
      Effect.gen(function*() {
        const { conversation, events } = yield* followed(params.threadId)
        // Input for a running turn goes through `turn/steer`; a second turn would never start.
        const running = events.runningTurn()
        if (running !== undefined || (yield* conversation.isTaskRunning)) {
          return yield* invalidRequest(`a turn is already running in thread ${params.threadId}${running !== undefined ? ` (${running})` : ""}; use turn/steer`)
        }
        if (params.input.length > MAX_INPUT_ITEMS) return yield* invalidRequest(tooManyItems(params.input.length))
        const fail = Effect.mapError(lifecycleError)
        const override = {
          ...(params.cwd != null ? { cwd: params.cwd } : {}),
          ...(params.approvalPolicy != null ? { approval_policy: params.approvalPolicy } : {}),
          ...(params.sandboxPolicy != null ? { sandbox_policy: coreSandboxPolicy(params.sandboxPolicy) } : {}),
          ...(params.model != null ? { model: params.model } : {}),
          ...(params.effort != null ? { effort: params.effort } : {})
        }
        // "For this turn and the ones after", as the reference's overrides.
        if (Object.keys(override).length > 0) yield* fail(conversation.submit({ type: "override_turn_context", ...override }))
        const turnId = randomUUID()
        const answered = yield* Deferred.make<void>()
        events.expectTurn(turnId, { answered, input: params.input })
        request.afterAnswer(Deferred.succeed(answered, undefined).pipe(Effect.asVoid))
        yield* fail(conversation.submitWithId(turnId, { type: "user_input", items: params.input.map(inputItem) }))
        return { turn: turnInProgress(turnId) }
      }),

    "turn/interrupt": (params) =>
      Effect.gen(function*() {
        const { conversation, events } = yield* followed(params.threadId)
        // Nothing left to interrupt (the turn ended, or a second interrupt): `{}`, as the reference answers.
        if (!(yield* conversation.isTaskRunning)) return {}
        const running = events.runningTurn()
        if (running !== undefined && running !== params.turnId) {
          return yield* invalidRequest(`turn ${params.turnId} is not the running turn (${running})`)
        }
        yield* conversation.submit({ type: "interrupt" }).pipe(Effect.mapError(lifecycleError))
        return {}
      }),

    "model/list": (params) =>
      modelPage({ model: config.base.model, provider: config.base.modelProviderId, effort: config.base.modelReasoningEffort }, params),

    "config/read": () =>
      Effect.succeed({
        config: {
          model: config.base.model,
          model_provider: config.base.modelProviderId,
          approval_policy: config.base.approvalPolicy,
          sandbox_mode: config.base.sandboxMode,
          model_reasoning_effort: config.base.modelReasoningEffort
        },
        origins: {},
        layers: null
      })

  })
}))
