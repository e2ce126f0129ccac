/**
 * Every method in both directions, grouped once: what clients may call on us, and what we call on
 * clients. The router dispatches by these groups; `tools/list`-style completeness tests read them.
 */
import { RpcGroup } from "effect/rpc"
import { ApplyPatchApproval, ExecCommandApproval, McpToolCallApproval } from "./ApprovalRequests.js"
import * as Api from "./ConversationApi.js"
import * as Mcp from "./Mcp.js"
import * as Tasks from "./Tasks.js"

export const McpRequests = Mcp.McpLifecycleRequests.merge(RpcGroup.make(Mcp.CallTool))

export const ConversationRequests = RpcGroup.make(
  Api.NewConversation,
  Api.SendUserMessage,
  Api.SendUserTurn,
  Api.InterruptConversation,
  Api.AddConversationListener,
  Api.RemoveConversationListener,
  Api.GitDiffToRemote,
  Api.ListConversations,
  Api.ResumeConversation,
  Api.ArchiveConversation
)

export const AuthRequests = RpcGroup.make(
  Api.LoginChatGpt,
  Api.CancelLoginChatGpt,
  Api.LogoutChatGpt,
  Api.LoginApiKey,
  Api.GetAuthStatus
)

export const TaskRequests = RpcGroup.make(Tasks.GetTask, Tasks.GetTaskResult, Tasks.ListTasks, Tasks.CancelTask)

/** Everything a client may call on this server. */
export const ClientRequests = McpRequests.merge(ConversationRequests, AuthRequests, TaskRequests)
export type ClientRequest = RpcGroup.Rpcs<typeof ClientRequests>

/** Everything this server calls on a client. */
export const ServerRequests = RpcGroup.make(Mcp.Elicit, ExecCommandApproval, ApplyPatchApproval, McpToolCallApproval)
export type ServerRequest = RpcGroup.Rpcs<typeof ServerRequests>
