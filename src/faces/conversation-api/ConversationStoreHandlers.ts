/**
 * Saved conversations on the JSON-RPC API, over the ConversationManager's lifecycle: `listConversations`,
 * `resumeConversation` (in this or a later server process: the saved history is sent to the model again)
 * and `archiveConversation`; plus `gitDiffToRemote`, which also reads the workspace rather than a live turn.
 */
import { Context, Effect, Layer } from "effect"
import type { ResponseItem } from "../../model/ResponseItem.js"
import { internalError, invalidRequest } from "../../rpc/JsonRpc.js"
import { clampPageSize } from "../../services/ConversationLifecycle.js"
import { ConversationManager } from "../../services/ConversationManager.js"
import { ConversationHandlers, lifecycleError, overridesFromParams } from "./ConversationHandlers.js"
import { Config } from "../../services/Config.js"
import { gitDiffToRemote } from "../../services/GitDiffToRemote.js"
import type { ConversationHandlerMap } from "../../server/Handlers.js"

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
    const manager = yield* ConversationManager
    const live = yield* ConversationHandlers
    const config = yield* Config

    return ConversationStoreHandlers.of({
      listConversations: (params) =>
        manager.list({ pageSize: clampPageSize(params.pageSize), cursor: params.cursor }).pipe(Effect.mapError(lifecycleError)),

      resumeConversation: (params) =>
        Effect.gen(function*() {
          const { conversation, conversationId, history } = yield* manager.resume(
            { rolloutPath: params.path },
            { overrides: overridesFromParams(params.overrides ?? {}), ifOpen: "fail" }
          ).pipe(Effect.mapError(lifecycleError))
          yield* live.forwardApprovals(conversation)
          return { conversationId, model: conversation.config.model, initialMessages: initialMessagesOf(history) }
        }),

      archiveConversation: (params) =>
        manager.archive(params.conversationId, params.rolloutPath).pipe(Effect.mapError(lifecycleError), Effect.as({})),

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
