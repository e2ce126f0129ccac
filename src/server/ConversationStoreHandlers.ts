/**
 * Saved conversations on the JSON-RPC API: `listConversations`, `resumeConversation`
 * (in this or a later server process: the saved history is sent to the model again) and
 * `archiveConversation`; plus `gitDiffToRemote`, which also reads the workspace rather than a live turn.
 */
import { Context, Effect, Layer } from "effect"
import { readRollout } from "../persistence/Rollout.js"
import { archiveRollout, listRollouts } from "../persistence/RolloutIndex.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import { internalError, invalidRequest } from "../rpc/JsonRpc.js"
import { Config } from "../services/Config.js"
import { ConversationManager } from "../services/ConversationManager.js"
import { configProblem, ConversationHandlers, overridesFromParams } from "./ConversationHandlers.js"
import { gitDiffToRemote } from "./GitDiffToRemote.js"
import type { ConversationHandlerMap } from "./Handlers.js"

/** The user and agent messages of a saved history, for a client to show when it reopens the conversation. */
const initialMessagesOf = (items: ReadonlyArray<ResponseItem>) =>
  items.flatMap((item) => {
    if (item.type !== "message") return []
    const text = item.content.flatMap((part) => ("text" in part ? [part.text] : [])).join("")
    if (item.role === "assistant") return [{ type: "agent_message", message: text }]
    if (item.role === "user" && !text.startsWith("<user_instructions>") && !text.startsWith("<environment_context>")) {
      return [{ type: "user_message", message: text }]
    }
    return []
  })

export class ConversationStoreHandlers extends Context.Service<
  ConversationStoreHandlers,
  Pick<ConversationHandlerMap, "listConversations" | "resumeConversation" | "archiveConversation" | "gitDiffToRemote">
>()("codex-effect/ConversationStoreHandlers") {
  static readonly layer = Layer.effect(ConversationStoreHandlers, Effect.gen(function*() {
    const config = yield* Config
    const manager = yield* ConversationManager
    const live = yield* ConversationHandlers

    return ConversationStoreHandlers.of({
      listConversations: (params) =>
        Effect.try({
          try: () => listRollouts(config.codexHome, params.pageSize, params.cursor),
          catch: (error) => internalError(`failed to list conversations: ${String(error)}`)
        }),

      resumeConversation: (params) =>
        Effect.gen(function*() {
          const saved = yield* readRollout(params.path).pipe(
            Effect.mapError((error) => invalidRequest(`failed to read rollout ${params.path}: ${error.reason}`))
          )
          if (saved === undefined) return yield* invalidRequest(`not a rollout file: ${params.path}`)
          const existing = yield* manager.get(saved.meta.id).pipe(Effect.option)
          if (existing._tag === "Some") {
            return yield* invalidRequest(`conversation ${saved.meta.id} is already open`)
          }
          const overrides = overridesFromParams(params.overrides ?? {})
          const resolved = yield* config.load({ cwd: saved.meta.cwd, model: saved.meta.model, ...overrides }).pipe(
            Effect.mapError(configProblem)
          )
          const { conversation, conversationId } = yield* manager.startConversation({
            config: resolved,
            history: saved.items,
            conversationId: saved.meta.id,
            rolloutPath: params.path
          })
          yield* live.forwardApprovals(conversation)
          return { conversationId, model: resolved.model, initialMessages: initialMessagesOf(saved.items) }
        }),

      archiveConversation: (params) =>
        Effect.gen(function*() {
          yield* manager.remove(params.conversationId)
          const problem = archiveRollout(config.codexHome, params.conversationId, params.rolloutPath)
          if (problem !== undefined) return yield* invalidRequest(problem)
          return {}
        }),

      gitDiffToRemote: (params) =>
        gitDiffToRemote({ cwd: params.cwd, bwrapPath: config.base.codexLinuxSandboxExe, codexHome: config.codexHome }).pipe(
          Effect.mapError((error) => {
            const message = `failed to compute git diff to remote for cwd: ${JSON.stringify(params.cwd)}`
            return error.internal === true ? internalError(`${message}: ${error.reason}`) : invalidRequest(message)
          })
        )
    })
  }))
}
