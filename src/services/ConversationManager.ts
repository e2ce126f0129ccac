/**
 * Creates, finds and closes conversations. Each conversation lives in its own scope, forked from
 * the manager's: removing it (or closing the manager, e.g. on stdin EOF) interrupts its task, kills
 * its child processes and drops its pending approvals.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import { type Conversation, makeConversation } from "../agent/Conversation.js"
import {
  environmentContextText,
  loadUserInstructions,
  userInstructionsText
} from "../agent/ContextMessages.js"
import { ProcessEnvironment } from "../config/ProcessEnvironment.js"
import { conversationHistoryLog } from "../agent/ConversationHistoryLog.js"
import { historyMetadata } from "../persistence/MessageHistory.js"
import { developerTextMessage, userTextMessage } from "../agent/InputMessages.js"
import { turnContextFromConfig } from "../agent/TurnContext.js"
import type { ConversationOverrides, ResolvedConfig } from "../config/ResolvedConfig.js"
import { EmbeddedMcpServers, mergeMcpServers } from "../mcp/EmbeddedMcpServers.js"
import { makeMcpConnectionPool } from "../mcp/McpConnectionPool.js"
import { startMcpConnections } from "../mcp/McpConnections.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import { createRollout, reopenRollout, type RolloutWriter } from "../persistence/Rollout.js"
import type { Event } from "../rpc/Event.js"
import { Config } from "./Config.js"
import { ModelClient } from "../model/ModelClient.js"
import { ToolRegistry } from "./ToolRegistry.js"

export class ConversationNotFound extends Schema.TaggedError<ConversationNotFound>()("ConversationNotFound", {
  conversationId: Schema.String,
  message: Schema.String
}) {}

/**
 * The config could not be derived from the overrides (bad profile, bad value, unknown provider…).
 * `source`: whether the server's config (config.toml, `-c`) or the request's overrides are at fault.
 */
export class ConversationConfigError extends Schema.TaggedError<ConversationConfigError>()("ConversationConfigError", {
  message: Schema.String,
  source: Schema.Literals(["config", "request"])
}) {}

export interface StartOptions {
  readonly config: ResolvedConfig
  /** The history to continue from; the context messages of `config` when absent. */
  readonly history?: ReadonlyArray<ResponseItem> | undefined
  readonly conversationId?: string | undefined
  /** An existing rollout to keep appending to (a resumed conversation). */
  readonly rolloutPath?: string | undefined
  /** Keeps the history here instead of in a rollout file (a clustered conversation's store). */
  readonly historySink?: HistorySink | undefined
}

/** Receives every item a conversation records, and the whole history when compaction replaces it. */
export interface HistorySink {
  readonly record: (items: ReadonlyArray<ResponseItem>) => Effect.Effect<void>
  readonly replace: (items: ReadonlyArray<ResponseItem>) => Effect.Effect<void>
}

export interface NewConversation {
  readonly conversationId: string
  readonly conversation: Conversation
  /** `session_configured`: the conversation's first event. */
  readonly sessionConfigured: Event
}

/** The messages every conversation starts with: developer instructions, user instructions, environment. */
export const initialContextMessages = (config: ResolvedConfig, shell?: string | undefined): ReadonlyArray<ResponseItem> => {
  const turn = turnContextFromConfig(config)
  const instructions = loadUserInstructions({
    codexHome: config.codexHome,
    cwd: config.cwd,
    projectDocMaxBytes: config.projectDocMaxBytes
  })
  return [
    ...(config.developerInstructions !== undefined ? [developerTextMessage(config.developerInstructions)] : []),
    ...(instructions !== undefined ? [userTextMessage(userInstructionsText(instructions))] : []),
    userTextMessage(environmentContextText({
      cwd: turn.cwd,
      approvalPolicy: turn.approvalPolicy,
      sandboxPolicy: turn.sandboxPolicy,
      shell
    }))
  ]
}

/** Persistence is best effort: a conversation that cannot be saved still runs, and says so in the log. */
const openRollout = (options: StartOptions, conversationId: string, history: ReadonlyArray<ResponseItem>) =>
  Effect.try(() => {
    if (options.rolloutPath !== undefined) return reopenRollout(options.rolloutPath)
    const writer = createRollout(options.config.codexHome, {
      id: conversationId,
      cwd: options.config.cwd,
      model: options.config.model,
      originator: "codex-effect",
      instructions: options.config.baseInstructions ?? null
    })
    writer.append(history)
    return writer
  }).pipe(
    Effect.catch((error) =>
      Effect.logWarning(`conversation ${conversationId} will not be saved: ${String(error)}`).pipe(Effect.as(undefined))
    )
  )

const appendToRollout = (rollout: RolloutWriter, items: ReadonlyArray<ResponseItem>) =>
  Effect.try(() => rollout.append(items)).pipe(
    Effect.catch((error) => Effect.logWarning(`could not append to ${rollout.path}: ${String(error)}`))
  )

const replaceInRollout = (rollout: RolloutWriter, items: ReadonlyArray<ResponseItem>) =>
  Effect.try(() => rollout.replace(items)).pipe(
    Effect.catch((error) => Effect.logWarning(`could not record the compaction in ${rollout.path}: ${String(error)}`))
  )

/** `session_configured`'s history fields; a history file that cannot be read counts as empty. */
const readHistoryMetadata = (codexHome: string) =>
  historyMetadata(codexHome).pipe(
    Effect.catch((error) => Effect.logWarning(`message history: ${error.message}`).pipe(Effect.as({ logId: 0, entryCount: 0 })))
  )

export class ConversationManager extends Context.Service<ConversationManager, {
  /** Starts a conversation with config.toml plus these overrides; its first event is returned with it. */
  readonly newConversation: (overrides: ConversationOverrides) => Effect.Effect<NewConversation, ConversationConfigError>
  /** Starts a conversation from an already resolved config and a history to continue from. */
  readonly startConversation: (options: StartOptions) => Effect.Effect<NewConversation>
  readonly get: (conversationId: string) => Effect.Effect<Conversation, ConversationNotFound>
  /** Closes the conversation's scope: its task, child processes and pending approvals end. */
  readonly remove: (conversationId: string) => Effect.Effect<void>
}>()("codex-effect/ConversationManager") {
  static readonly layer = Layer.effect(ConversationManager, Effect.gen(function*() {
    const config = yield* Config
    const model = yield* ModelClient
    const tools = yield* ToolRegistry
    const managerScope = yield* Effect.scope
    // Captured here so every conversation's turns and tools see the environment this layer was built with.
    const env = yield* ProcessEnvironment
    const embeddedMcpServers = yield* EmbeddedMcpServers
    // Conversations running the same MCP servers share them; the last one to close kills them.
    const mcpPool = makeMcpConnectionPool()
    const conversations = new Map<string, { readonly conversation: Conversation; readonly scope: Scope.Closeable }>()

    const startConversation = Effect.fnUntraced(function*(options: StartOptions) {
      const conversationId = options.conversationId ?? randomUUID()
      const scope = yield* Scope.fork(managerScope, "sequential")
      const history = options.history ?? initialContextMessages(options.config, env.SHELL)
      const sink = options.historySink
      const rollout = sink !== undefined ? undefined : yield* openRollout(options, conversationId, history)
      if (rollout !== undefined) yield* Scope.addFinalizer(scope, Effect.sync(rollout.close))
      const historyLog = yield* readHistoryMetadata(options.config.codexHome)
      const mcpServers = mergeMcpServers(options.config.mcpServers, embeddedMcpServers)
      // Started before the conversation, so they close after it: its task ends before the servers go.
      const mcpTools = mcpServers.length === 0
        ? undefined
        : yield* startMcpConnections(mcpPool, mcpServers, { env }).pipe(Scope.provide(scope))
      const conversation = yield* makeConversation({
        id: conversationId,
        config: options.config,
        turnContext: turnContextFromConfig(options.config),
        model,
        toolsFor: tools.toolsFor,
        mcpTools,
        initialHistory: history,
        rolloutPath: rollout?.path,
        onRecord: sink !== undefined
          ? sink.record
          : rollout === undefined
          ? undefined
          : (items) => appendToRollout(rollout, items),
        onReplace: sink !== undefined
          ? sink.replace
          : rollout === undefined
          ? undefined
          : (items) => replaceInRollout(rollout, items),
        historyLog: conversationHistoryLog(options.config.codexHome, options.config.history, conversationId),
        sessionConfigured: {
          type: "session_configured",
          session_id: conversationId,
          model: options.config.model,
          history_log_id: historyLog.logId,
          history_entry_count: historyLog.entryCount
        }
      }).pipe(Scope.provide(scope), Effect.provideService(ProcessEnvironment, env))
      conversations.set(conversationId, { conversation, scope })
      return { conversationId, conversation, sessionConfigured: conversation.sessionConfigured }
    })

    return ConversationManager.of({
      newConversation: (overrides) =>
        config.load(overrides).pipe(
          Effect.mapError((error) => new ConversationConfigError({ message: error.message, source: error.source ?? "config" })),
          Effect.flatMap((resolved) => startConversation({ config: resolved }))
        ),
      startConversation,
      get: (conversationId) =>
        Effect.suspend(() => {
          const entry = conversations.get(conversationId)
          return entry !== undefined
            ? Effect.succeed(entry.conversation)
            : Effect.fail(
              new ConversationNotFound({ conversationId, message: `conversation not found: ${conversationId}` })
            )
        }),
      remove: (conversationId) =>
        Effect.suspend(() => {
          const entry = conversations.get(conversationId)
          if (entry === undefined) return Effect.void
          conversations.delete(conversationId)
          return Scope.close(entry.scope, Exit.void)
        })
    })
  }))
}
