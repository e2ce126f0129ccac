/**
 * Every notification this server sends, declared once with Schema like the requests (`Groups.ts`).
 * `OutgoingSender.notify` encodes the params with the definition's payload schema, so what reaches
 * the client is what is declared here. MCP's own notifications are effect's `McpSchema` definitions;
 * the `codex/event` family and the auth notifications are the reference's (names: docs/differences.md).
 */
import { Schema } from "effect"
import { LoggingMessageNotification, ProgressNotification } from "effect/ai/McpSchema"
import { Rpc, RpcGroup } from "effect/rpc"
import { AuthMode, RequestId } from "./Enums.js"
import { Event, type EventType } from "./Event.js"
import { RELATED_TASK_META_KEY, Task } from "./Tasks.js"

/** An event of the conversation a `codex` / `codex-reply` call drives, tagged with the call's request id. */
export class CodexEventNotification extends Rpc.make("codex/event", {
  payload: {
    _meta: Schema.Struct({
      requestId: RequestId,
      /** The task the call runs as, when it runs as one. */
      [RELATED_TASK_META_KEY]: Schema.optionalKey(Schema.Struct({ taskId: Schema.String }))
    }),
    ...Event.fields
  }
}) {}

/** A task's status changed (MCP tasks). */
export class TaskStatusNotification extends Rpc.make("notifications/tasks/status", { payload: Task.fields }) {}

/** The auth state changed (login, logout, a stored API key); no `authMethod` when signed out. */
export class AuthStatusChange extends Rpc.make("authStatusChange", {
  payload: { authMethod: Schema.optionalKey(AuthMode) }
}) {}

/** A ChatGPT login started with `loginChatGpt` ended. */
export class LoginChatGptComplete extends Rpc.make("loginChatGptComplete", {
  payload: { loginId: Schema.String, success: Schema.Boolean, error: Schema.optionalKey(Schema.String) }
}) {}

/** The notifications with a fixed method name. */
const ServerNotifications = RpcGroup.make(
  CodexEventNotification,
  ProgressNotification,
  LoggingMessageNotification,
  AuthStatusChange,
  LoginChatGptComplete,
  TaskStatusNotification
)

const ConversationEventParams = Schema.Struct({ ...Event.fields, conversationId: Schema.String })

/** `codex/event/<type>`: an event of a conversation, to one of its listeners (conversation API). */
type ConversationEventNotification = Rpc.Rpc<`codex/event/${EventType}`, typeof ConversationEventParams>

const conversationEventNotifications = new Map<EventType, ConversationEventNotification>()

/** The `codex/event/<type>` definition for events of `type`: one family, each member made once. */
export const conversationEventNotification = (type: EventType): ConversationEventNotification => {
  let notification = conversationEventNotifications.get(type)
  if (notification === undefined) {
    notification = Rpc.make(`codex/event/${type}`, { payload: ConversationEventParams })
    conversationEventNotifications.set(type, notification)
  }
  return notification
}

/** Everything this server notifies a client of. */
export type ServerNotification = RpcGroup.Rpcs<typeof ServerNotifications> | ConversationEventNotification
