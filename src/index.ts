/**
 * codex-effect as a library: run Codex conversations inside any Effect program.
 *
 * ```ts
 * import { CodexLayer, ConversationManager, ScriptedModel, ScriptedTurn } from "codex-effect"
 *
 * const program = Effect.gen(function*() {
 *   const manager = yield* ConversationManager
 *   const { conversation } = yield* manager.newConversation({ cwd: "/my/project" })
 *   // subscribe, then submit: every event of the task arrives on the stream
 * })
 * program.pipe(Effect.provide(CodexLayer({ model: ScriptedModel.layer([ScriptedTurn.text("hi")]) })))
 * ```
 */
// --- services ----------------------------------------------------------------------------------------
export { AuthError, type AuthChange, AuthManager, type AuthOptions } from "./services/AuthManager.js"
export { Config, ConfigError, type ConfigOptions } from "./services/Config.js"
export { ConversationManager } from "./services/ConversationManager.js"
export { type ConversationTurn, turnsOf } from "./services/ConversationTurns.js"
export {
  ConversationAlreadyOpen,
  ConversationConfigError,
  type ConversationLifecycle,
  ConversationNotFound,
  type ConversationPage,
  type ListOptions,
  type NewConversation,
  type ResumedConversation,
  type ResumeOptions,
  type ResumeTarget,
  type SavedConversation,
  SavedConversationUnreadable,
  type StartOptions
} from "./services/ConversationLifecycle.js"
export { ModelClient } from "./model/ModelClient.js"
export { ToolRegistry } from "./services/ToolRegistry.js"
export { ModelAuth, type ModelCredentials } from "./model/ModelAuth.js"
export { ScriptedModel, ScriptedTurn } from "./model/ScriptedModel.js"

// --- the agent -----------------------------------------------------------------------------------------
export { type Conversation, ConversationUnavailable } from "./agent/conversation/Conversation.js"
export type { ApprovalRequest, Tool, ToolCall, ToolContext } from "./agent/Tool.js"
export type { TurnContext } from "./agent/TurnContext.js"
export { applyPatchTool } from "./agent/tools/ApplyPatchTool.js"
export { shellTool, shellToolFor } from "./agent/tools/ShellTool.js"
export { execCommandTool, writeStdinTool } from "./agent/tools/UnifiedExecTool.js"
export { requestUserInputTool } from "./agent/tools/RequestUserInputTool.js"
export { updatePlanTool } from "./agent/tools/UpdatePlanTool.js"
export { isKnownSafeCommand } from "./agent/exec/SafeCommands.js"
export { shlexJoin } from "./agent/exec/ShellQuote.js"

// --- schemas and types -----------------------------------------------------------------------------------
export type { ConversationOverrides, ResolvedConfig } from "./config/ResolvedConfig.js"
export type { ModelProviderInfo } from "./model/ModelProviderInfo.js"
export { ModelError } from "./model/ModelError.js"
export type { CustomToolSpec, FunctionToolSpec, Prompt, ToolSpec } from "./model/Prompt.js"
export { ResponseEvent, type TokenUsage } from "./model/ResponseEvent.js"
export { ResponseItem } from "./model/ResponseItem.js"
export * from "./rpc/Enums.js"
export { Event, EventMsg, type EventOf, type EventType, ParsedCommand, PlanItem } from "./rpc/Event.js"
export { InputItem, Op, Submission } from "./rpc/Op.js"

export { authManagerLayer, CodexLayer, type CodexLayerOptions } from "./services/CodexLayer.js"

// --- tools from other MCP servers -------------------------------------------------------------------------
export {
  DEFAULT_STARTUP_TIMEOUT_MS,
  DEFAULT_TOOL_TIMEOUT_MS,
  type McpServerConfig,
  type McpServerTransport
} from "./config/McpServerConfig.js"
export { EmbeddedMcpServers } from "./mcp/EmbeddedMcpServers.js"
export { qualifiedToolName } from "./mcp/McpToolNames.js"
export { McpInvocation } from "./rpc/Event.js"
