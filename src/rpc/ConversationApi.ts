/**
 * The conversation JSON-RPC API for IDE clients (camelCase params; see docs/protocol.md, Conversation API), including the later
 * additions this project adopts: `loginApiKey`, `listConversations`, `resumeConversation`,
 * `archiveConversation` and `rolloutPath` on `newConversation` (see docs/differences.md, Saved conversations).
 */
import { Schema } from "effect"
import { Rpc } from "effect/rpc"
import {
  AskForApproval,
  AuthMode,
  ReasoningEffort,
  ReasoningSummary,
  SandboxMode,
  SandboxPolicy,
  TurnAbortReason
} from "./Enums.js"

/** Input items on this API are adjacently tagged (`{type, data}`), unlike the core's. */
export const ApiInputItem = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text"), data: Schema.Struct({ text: Schema.String }) }),
  Schema.Struct({ type: Schema.Literal("image"), data: Schema.Struct({ image_url: Schema.String }) }),
  Schema.Struct({ type: Schema.Literal("localImage"), data: Schema.Struct({ path: Schema.String }) })
])
export type ApiInputItem = typeof ApiInputItem.Type

const Empty = Schema.Struct({})
/** Methods without params accept none, `null` or any object. */
const NoParams = Schema.Unknown

export const NewConversationParams = Schema.Struct({
  model: Schema.optionalKey(Schema.String),
  profile: Schema.optionalKey(Schema.String),
  cwd: Schema.optionalKey(Schema.String),
  approvalPolicy: Schema.optionalKey(AskForApproval),
  sandbox: Schema.optionalKey(SandboxMode),
  config: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  baseInstructions: Schema.optionalKey(Schema.String),
  includePlanTool: Schema.optionalKey(Schema.Boolean),
  includeApplyPatchTool: Schema.optionalKey(Schema.Boolean)
})
export type NewConversationParams = typeof NewConversationParams.Type

export class NewConversation extends Rpc.make("newConversation", {
  payload: NewConversationParams,
  success: Schema.Struct({ conversationId: Schema.String, model: Schema.String, rolloutPath: Schema.String })
}) {}

export class SendUserMessage extends Rpc.make("sendUserMessage", {
  payload: { conversationId: Schema.String, items: Schema.Array(ApiInputItem) },
  success: Empty
}) {}

export class SendUserTurn extends Rpc.make("sendUserTurn", {
  payload: {
    conversationId: Schema.String,
    items: Schema.Array(ApiInputItem),
    cwd: Schema.String,
    approvalPolicy: AskForApproval,
    sandboxPolicy: SandboxPolicy,
    model: Schema.String,
    effort: ReasoningEffort,
    summary: ReasoningSummary
  },
  success: Empty
}) {}

export class InterruptConversation extends Rpc.make("interruptConversation", {
  payload: { conversationId: Schema.String },
  success: Schema.Struct({ abortReason: TurnAbortReason })
}) {}

export class AddConversationListener extends Rpc.make("addConversationListener", {
  payload: { conversationId: Schema.String },
  success: Schema.Struct({ subscriptionId: Schema.String })
}) {}

export class RemoveConversationListener extends Rpc.make("removeConversationListener", {
  payload: { subscriptionId: Schema.String },
  success: Empty
}) {}

export class GitDiffToRemote extends Rpc.make("gitDiffToRemote", {
  payload: { cwd: Schema.String },
  success: Schema.Struct({ sha: Schema.String, diff: Schema.String })
}) {}

export const ConversationSummary = Schema.Struct({
  conversationId: Schema.String,
  path: Schema.String,
  preview: Schema.String,
  timestamp: Schema.NullOr(Schema.String)
})
export type ConversationSummary = typeof ConversationSummary.Type

export class ListConversations extends Rpc.make("listConversations", {
  payload: {
    pageSize: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
    cursor: Schema.optionalKey(Schema.String)
  },
  success: Schema.Struct({
    items: Schema.Array(ConversationSummary),
    nextCursor: Schema.optionalKey(Schema.String)
  })
}) {}

export class ResumeConversation extends Rpc.make("resumeConversation", {
  payload: { path: Schema.String, overrides: Schema.optionalKey(NewConversationParams) },
  success: Schema.Struct({
    conversationId: Schema.String,
    model: Schema.String,
    initialMessages: Schema.optionalKey(Schema.Array(Schema.Unknown))
  })
}) {}

export class ArchiveConversation extends Rpc.make("archiveConversation", {
  payload: { conversationId: Schema.String, rolloutPath: Schema.String },
  success: Empty
}) {}

// --- auth -------------------------------------------------------------------------------------------

export class LoginChatGpt extends Rpc.make("loginChatGpt", {
  payload: NoParams,
  success: Schema.Struct({ loginId: Schema.String, authUrl: Schema.String })
}) {}

export class CancelLoginChatGpt extends Rpc.make("cancelLoginChatGpt", {
  payload: { loginId: Schema.String },
  success: Empty
}) {}

export class LogoutChatGpt extends Rpc.make("logoutChatGpt", { payload: NoParams, success: Empty }) {}

export class LoginApiKey extends Rpc.make("loginApiKey", { payload: { apiKey: Schema.String }, success: Empty }) {}

export class GetAuthStatus extends Rpc.make("getAuthStatus", {
  payload: {
    includeToken: Schema.optionalKey(Schema.Boolean),
    refreshToken: Schema.optionalKey(Schema.Boolean)
  },
  success: Schema.Struct({
    authMethod: Schema.optionalKey(AuthMode),
    preferredAuthMethod: AuthMode,
    authToken: Schema.optionalKey(Schema.String)
  })
}) {}
