/**
 * The conversation JSON-RPC API for IDE clients: create conversations,
 * send messages and turns, interrupt, and listen. Conversations created here forward their approval
 * requests to the client as `execCommandApproval` / `applyPatchApproval` whether or not a listener
 * exists; listeners receive every event as `codex/event/<type>`.
 *
 * In a cluster, a conversation's event stream ends (after a `runner lost` error event) when the runner
 * hosting it is lost: a listener then reaches the conversation again, on the runner that takes it over, and
 * follows its events (and forwards its approvals) from there.
 */
import { randomUUID } from "node:crypto"
import { Context, Deferred, Effect, FiberMap, Layer, Schema, Stream } from "effect"
import type { Conversation, ConversationUnavailable } from "../../agent/conversation/Conversation.js"
import type { ConversationOverrides } from "../../config/ResolvedConfig.js"
import { overLimit } from "../../model/ModelOutputLimits.js"
import { ApplyPatchApproval, ExecCommandApproval, McpToolCallApproval } from "../../rpc/ApprovalRequests.js"
import type { ApiInputItem, NewConversationParams } from "../../rpc/ConversationApi.js"
import { internalError, invalidParams, invalidRequest } from "../../rpc/JsonRpc.js"
import { conversationEventNotification } from "../../rpc/Notifications.js"
import { type InputItem, MAX_INPUT_ITEMS } from "../../rpc/Op.js"
import { attachLocalImages } from "../../services/AttachedImages.js"
import { ConversationManager } from "../../services/ConversationManager.js"
import type {
  ConversationAlreadyOpen,
  ConversationConfigError,
  ConversationNotFound,
  SavedConversationUnreadable
} from "../../services/ConversationLifecycle.js"
import { ConversationApiOverrides } from "../Overrides.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import { type ApprovalEvent, forwardApproval, isApprovalEvent } from "../ApprovalForwarder.js"
import { answerNobodyAsked, isQuestionEvent } from "../UnansweredQuestions.js"
import type { ConversationHandlerMap } from "../../server/Handlers.js"

/** `newConversation`'s params (and `resumeConversation`'s `overrides`) as the new conversation's settings. */
export const overridesFromParams: (params: NewConversationParams) => ConversationOverrides = Schema.decodeSync(
  ConversationApiOverrides
)

/** The conversation API's `{type, data}` items → the core's items. */
const inputItemsFromApi = (items: ReadonlyArray<ApiInputItem>): ReadonlyArray<InputItem> =>
  items.map((item) => {
    switch (item.type) {
      case "text":
        return { type: "text", text: item.data.text }
      case "image":
        return { type: "image", image_url: item.data.image_url }
      case "localImage":
        return { type: "local_image", path: item.data.path }
    }
  })

/** The items with their local images read (relative to `cwd`); an image that cannot be attached fails the request, naming the item. */
const itemsWithImages = (items: ReadonlyArray<ApiInputItem>, cwd: string, codexHome: string) =>
  items.length > MAX_INPUT_ITEMS
    ? Effect.fail(invalidParams(`items: ${overLimit("the input", items.length, MAX_INPUT_ITEMS, "items")}`))
    : attachLocalImages(inputItemsFromApi(items), cwd, codexHome).pipe(
      Effect.mapError((error) => invalidParams(`items[${error.index}].data.path: cannot attach image ${error.message}`))
    )

/**
 * A lifecycle failure as a JSON-RPC error: what the request named or asked for is its fault (-32600),
 * the server's own config or store is not (-32603).
 */
export const lifecycleError = (
  error:
    | ConversationNotFound
    | SavedConversationUnreadable
    | ConversationAlreadyOpen
    | ConversationConfigError
    | ConversationUnavailable
) => {
  switch (error._tag) {
    case "ConversationConfigError":
      return error.source === "request"
        ? invalidRequest(`error deriving config: ${error.message}`)
        : internalError(`error deriving config: ${error.message}`)
    case "ConversationUnavailable":
      return internalError(error.message)
    default:
      return invalidRequest(error.message)
  }
}

/** How long a listener whose conversation's runner was lost waits before reaching the conversation again. */
const REFOLLOW_PAUSE = "500 millis"

/** The handlers of `ConversationRequests`, minus persistence (provided by `ConversationStoreHandlers`). */
type LiveConversationHandlerMap = Omit<
  ConversationHandlerMap,
  "listConversations" | "resumeConversation" | "archiveConversation" | "gitDiffToRemote"
>

export class ConversationHandlers extends Context.Service<ConversationHandlers, LiveConversationHandlerMap & {
  /** Starts forwarding a conversation's approval requests to the client (for resumed conversations too). */
  readonly forwardApprovals: (conversation: Conversation) => Effect.Effect<void>
}>()("codex-effect/ConversationHandlers") {
  static readonly layer = Layer.effect(ConversationHandlers, Effect.gen(function*() {
    const sender = yield* OutgoingSender
    const manager = yield* ConversationManager
    /** One fiber per listener, owned by this layer: each leaves the map when it ends, all end with the layer. */
    const listeners = yield* FiberMap.make<string>()

    const find = (conversationId: string) =>
      manager.get(conversationId).pipe(Effect.mapError(lifecycleError))

    /** The conversation API's approval requests; the answer is submitted by `forwardApproval`. */
    const askClient = (conversation: Conversation, event: ApprovalEvent) => {
      const msg = event.msg
      return msg.type === "exec_approval_request"
        ? sender.sendRequest(ExecCommandApproval, {
          conversation_id: conversation.id,
          call_id: msg.call_id,
          command: msg.command,
          cwd: msg.cwd,
          ...(msg.reason !== undefined ? { reason: msg.reason } : {})
        })
        : msg.type === "apply_patch_approval_request"
        ? sender.sendRequest(ApplyPatchApproval, {
          conversation_id: conversation.id,
          call_id: msg.call_id,
          file_changes: msg.changes,
          ...(msg.reason !== undefined ? { reason: msg.reason } : {}),
          ...(msg.grant_root !== undefined ? { grant_root: msg.grant_root } : {})
        })
        : sender.sendRequest(McpToolCallApproval, {
          conversation_id: conversation.id,
          call_id: msg.call_id,
          server: msg.invocation.server,
          tool: msg.invocation.tool,
          arguments: msg.invocation.arguments
        })
    }

    const forwardApprovals = (conversation: Conversation) =>
      Effect.scoped(Effect.gen(function*() {
        const events = yield* conversation.subscribe
        yield* events.pipe(
          Stream.filter((event) => isApprovalEvent(event) || isQuestionEvent(event)),
          Stream.runForEach((event) =>
            isApprovalEvent(event)
              // Beside the event loop (events keep flowing), and gone with the conversation.
              ? conversation.attach(forwardApproval({ conversation, event, ask: askClient(conversation, event) }))
              // This API has no request for questions: the task hears at once that nobody answered.
              : answerNobodyAsked(conversation, event)
          )
        )
      })).pipe(conversation.attach)

    return ConversationHandlers.of({
      forwardApprovals,

      newConversation: (params) =>
        manager.newConversation(overridesFromParams(params)).pipe(
          Effect.mapError(lifecycleError),
          Effect.tap(({ conversation }) => forwardApprovals(conversation)),
          Effect.map(({ conversation, conversationId }) => ({
            conversationId,
            model: conversation.config.model,
            rolloutPath: conversation.rolloutPath ?? ""
          }))
        ),

      sendUserMessage: (params) =>
        find(params.conversationId).pipe(
          Effect.flatMap((conversation) =>
            itemsWithImages(params.items, conversation.config.cwd, conversation.config.codexHome).pipe(
              Effect.flatMap((items) => conversation.submit({ type: "user_input", items }).pipe(Effect.mapError(lifecycleError)))
            )
          ),
          Effect.as({})
        ),

      sendUserTurn: (params) =>
        find(params.conversationId).pipe(
          Effect.flatMap((conversation) => Effect.map(itemsWithImages(params.items, params.cwd, conversation.config.codexHome), (items) => ({ conversation, items }))),
          Effect.flatMap(({ conversation, items }) =>
            conversation.submit({
              type: "user_turn",
              items,
              cwd: params.cwd,
              approval_policy: params.approvalPolicy,
              sandbox_policy: params.sandboxPolicy,
              model: params.model,
              effort: params.effort,
              summary: params.summary
            }).pipe(Effect.mapError(lifecycleError))
          ),
          Effect.as({})
        ),

      interruptConversation: (params) =>
        Effect.scoped(Effect.gen(function*() {
          const conversation = yield* find(params.conversationId)
          const events = yield* conversation.subscribe
          if (!(yield* conversation.isTaskRunning)) {
            return yield* invalidRequest(`no turn is running in conversation ${params.conversationId}`)
          }
          yield* conversation.submit({ type: "interrupt" }).pipe(Effect.mapError(lifecycleError))
          const ending = yield* events.pipe(
            Stream.filter((event) => event.msg.type === "turn_aborted" || event.msg.type === "task_complete"),
            Stream.runHead
          )
          if (ending._tag === "Some" && ending.value.msg.type === "turn_aborted") {
            return { abortReason: ending.value.msg.reason }
          }
          return yield* invalidRequest(`the turn in conversation ${params.conversationId} completed before it could be interrupted`)
        })),

      addConversationListener: (params) =>
        Effect.gen(function*() {
          const conversation = yield* find(params.conversationId)
          const subscriptionId = randomUUID()
          const subscribed = yield* Deferred.make<void>()
          const forward = (current: Conversation, followed: boolean) =>
            Effect.scoped(Effect.gen(function*() {
              // Followed to its next runner: from the first event there, which may precede this subscription.
              const events = yield* (followed ? current.subscribeFromStart ?? current.subscribe : current.subscribe)
              yield* Deferred.succeed(subscribed, undefined)
              yield* events.pipe(
                Stream.runForEach((event) =>
                  sender.notify(conversationEventNotification(event.msg.type), {
                    id: event.id,
                    msg: event.msg,
                    conversationId: current.id
                  })
                )
              )
            }))
          const follow = Effect.gen(function*() {
            let current = conversation
            for (let followed = false;; followed = true) {
              yield* forward(current, followed)
              // A conversation of this process ended for good: it is gone, or it is the same one.
              yield* Effect.sleep(REFOLLOW_PAUSE)
              const again = yield* Effect.option(manager.get(current.id))
              if (again._tag === "None" || again.value === current) return
              current = again.value
              yield* Effect.logInfo(`listener ${subscriptionId}: following conversation ${current.id} on its new runner`)
              yield* forwardApprovals(current)
            }
          })
          yield* FiberMap.run(listeners, subscriptionId, follow)
          yield* Deferred.await(subscribed)
          return { subscriptionId }
        }),

      removeConversationListener: (params) =>
        Effect.gen(function*() {
          if (!(yield* FiberMap.has(listeners, params.subscriptionId))) {
            return yield* invalidRequest(`subscription not found: ${params.subscriptionId}`)
          }
          yield* FiberMap.remove(listeners, params.subscriptionId)
          return {}
        })
    })
  }))
}
