/**
 * The conversations running in this process: each lives in its own scope, forked from the host's, with
 * its rollout (or the history sink it is given), its MCP servers and its `session_configured`. Removing
 * one (or closing the host, e.g. on stdin EOF) interrupts its task, kills its child processes and drops
 * its pending approvals. `ConversationManager` builds its lifecycle on it, and so does a cluster runner.
 */
import { randomUUID } from "node:crypto"
import { Effect, Exit, Result, Scope } from "effect"
import { type Conversation, makeConversation } from "../agent/conversation/Conversation.js"
import { overrideTurnContext } from "../agent/conversation/TurnContextOverride.js"
import {
  environmentContextText,
  loadUserInstructions,
  userInstructionsText
} from "../agent/ContextMessages.js"
import { ProcessEnvironment } from "./ProcessEnvironment.js"
import { CommandIsolation } from "./CommandIsolation.js"
import { TurnEndCollection } from "./TurnEndCollection.js"
import { conversationHistoryLog } from "../agent/conversation/ConversationHistoryLog.js"
import { historyMetadata } from "../persistence/MessageHistory.js"
import { developerTextMessage, userTextMessage } from "../agent/InputMessages.js"
import { turnContextFromConfig } from "../agent/TurnContext.js"
import type { ResolvedConfig } from "../config/ResolvedConfig.js"
import { EmbeddedMcpServers, mergeMcpServers } from "../mcp/EmbeddedMcpServers.js"
import { makeMcpConnectionPool } from "../mcp/McpConnectionPool.js"
import { startMcpConnections } from "../mcp/McpConnections.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import { createRollout, reopenRollout, type RolloutWriter, type TokenTotals } from "../persistence/Rollout.js"
import type { NewConversation, StartOptions } from "./ConversationLifecycle.js"
import { ModelClient } from "../model/ModelClient.js"
import { ToolRegistry } from "./ToolRegistry.js"

/** The messages every conversation starts with: developer instructions, user instructions, environment. */
export const initialContextMessages = (config: ResolvedConfig, shell?: string | undefined): ReadonlyArray<ResponseItem> => {
  const turn = turnContextFromConfig(config)
  const instructions = loadUserInstructions({
    codexHome: config.codexHome,
    cwd: config.cwd,
    projectDocMaxBytes: config.projectDocMaxBytes,
    projectDocFallbackFilenames: config.projectDocFallbackFilenames,
    projectRootMarkers: config.projectRootMarkers
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

/** Records the conversation's running token total, so a resumed conversation counts on from it. */
const recordUsageInRollout = (rollout: RolloutWriter) => (total: TokenTotals) =>
  Effect.try(() => rollout.recordUsage(total)).pipe(
    Effect.catch((error) => Effect.logWarning(`could not record the token counts in ${rollout.path}: ${String(error)}`))
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

/** The config's settings, with the stored override over them (one whose cwd is gone here is dropped). */
const startingTurnContext = (options: StartOptions) =>
  Effect.suspend(() => {
    const base = turnContextFromConfig(options.config)
    if (options.turnOverride === undefined) return Effect.succeed(base)
    const overridden = overrideTurnContext(base, options.turnOverride)
    return Result.isSuccess(overridden)
      ? Effect.succeed(overridden.success.turn)
      : Effect.logWarning(`stored settings not applied: ${overridden.failure}`).pipe(Effect.as(base))
  })

export interface ConversationHost {
  readonly start: (options: StartOptions) => Effect.Effect<NewConversation>
  /** The live conversation, or undefined. */
  readonly find: (conversationId: string) => Conversation | undefined
  /** Closes the conversation's scope: its task, child processes and pending approvals end. */
  readonly remove: (conversationId: string) => Effect.Effect<void>
}

export const makeConversationHost = Effect.gen(function*() {
  const model = yield* ModelClient
  const tools = yield* ToolRegistry
  const hostScope = yield* Effect.scope
  // Captured here so every conversation's turns and tools see the environment the host was built with.
  const env = yield* ProcessEnvironment
  // The secrets commands must not see (see `CommandIsolation`), captured with the environment.
  const isolation = yield* CommandIsolation
  const collection = yield* TurnEndCollection
  const embeddedMcpServers = yield* EmbeddedMcpServers
  // Conversations running the same MCP servers share them; the last one to close kills them.
  const mcpPool = yield* makeMcpConnectionPool
  const conversations = new Map<string, { readonly conversation: Conversation; readonly scope: Scope.Closeable }>()

  const start = Effect.fnUntraced(function*(options: StartOptions) {
    const conversationId = options.conversationId ?? randomUUID()
    const scope = yield* Scope.fork(hostScope, "sequential")
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
      turnContext: yield* startingTurnContext(options),
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
      aroundTask: collection.around,
      tokenTotals: options.tokenTotals,
      onTokenCount: rollout === undefined ? undefined : recordUsageInRollout(rollout),
      onQueue: sink?.queue,
      onDropQueued: sink?.dropQueued,
      onOverride: sink?.override,
      historyLog: conversationHistoryLog(options.config.codexHome, options.config.history, conversationId),
      sessionConfigured: {
        type: "session_configured",
        session_id: conversationId,
        model: options.config.model,
        history_log_id: historyLog.logId,
        history_entry_count: historyLog.entryCount
      }
    }).pipe(
      Scope.provide(scope),
      Effect.provideService(ProcessEnvironment, env),
      Effect.provideService(CommandIsolation, isolation)
    )
    conversations.set(conversationId, { conversation, scope })
    return { conversationId, conversation, sessionConfigured: conversation.sessionConfigured }
  })

  const host: ConversationHost = {
    start,
    find: (conversationId) => conversations.get(conversationId)?.conversation,
    remove: (conversationId) =>
      Effect.suspend(() => {
        const entry = conversations.get(conversationId)
        if (entry === undefined) return Effect.void
        conversations.delete(conversationId)
        return Scope.close(entry.scope, Exit.void)
      })
  }
  return host
})
