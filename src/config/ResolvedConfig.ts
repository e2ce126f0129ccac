/**
 * The typed configuration a conversation runs with, after config.toml, the profile, `-c`
 * overrides, the request's `config` map and its typed fields have been applied.
 */
import type { TomlTable } from "smol-toml"
import type { AskForApproval, AuthMode, ReasoningEffort, ReasoningSummary, SandboxMode } from "../rpc/Enums.js"
import type { McpServerConfig } from "./McpServerConfig.js"
import type { ModelProviderInfo } from "../model/ModelProviderInfo.js"
import type { WebSearchMode } from "./WebSearchConfig.js"

interface SandboxWorkspaceWrite {
  readonly writableRoots: ReadonlyArray<string>
  readonly networkAccess: boolean
  readonly excludeTmpdirEnvVar: boolean
  readonly excludeSlashTmp: boolean
}

/** `[shell_environment_policy]`: which environment variables a command sees. */
export interface ShellEnvironmentPolicy {
  readonly inherit: "all" | "core" | "none"
  readonly ignoreDefaultExcludes: boolean
  readonly exclude: ReadonlyArray<string>
  readonly set: Readonly<Record<string, string>>
  readonly includeOnly: ReadonlyArray<string>
}

export interface ResolvedConfig {
  readonly codexHome: string
  /** Absolute. */
  readonly cwd: string
  readonly model: string
  readonly modelProviderId: string
  readonly modelProvider: ModelProviderInfo
  /**
   * The environment variables every known provider reads a credential from (`env_key`, `env_http_headers`),
   * not only the selected one's: a profile or a client's override may select another.
   */
  readonly providerCredentialVariables: ReadonlyArray<string>
  readonly approvalPolicy: AskForApproval
  readonly sandboxMode: SandboxMode
  readonly sandboxWorkspaceWrite: SandboxWorkspaceWrite
  /** Replaces the built-in instructions when set. */
  readonly baseInstructions: string | undefined
  /** Sent as a developer message at the start of a new conversation (`developer_instructions`). */
  readonly developerInstructions: string | undefined
  readonly includePlanTool: boolean
  readonly includeApplyPatchTool: boolean
  readonly modelReasoningEffort: ReasoningEffort
  readonly modelReasoningSummary: ReasoningSummary
  /** Sent as `text.verbosity` to models that take it (the gpt-5 family). */
  readonly modelVerbosity: "low" | "medium" | "high" | undefined
  /** Send `reasoning` whatever the model's family (`model_supports_reasoning_summaries`). */
  readonly modelSupportsReasoningSummaries: boolean
  /** Emit the model's raw reasoning as `agent_reasoning_raw_content(_delta)` events. */
  readonly showRawAgentReasoning: boolean
  /** Run after each completed task with the `agent-turn-complete` JSON as last argument (`notify`). */
  readonly notify: ReadonlyArray<string> | undefined
  readonly preferredAuthMethod: AuthMode
  /** The OAuth issuer for ChatGPT login and token refresh (codex-effect's `auth_issuer`). */
  readonly authIssuer: string | undefined
  /** The login callback port (codex-effect's `login_port`; 1455 when unset). */
  readonly loginPort: number | undefined
  readonly chatgptBaseUrl: string
  readonly projectDocMaxBytes: number
  /** The `bwrap` binary to sandbox commands with; found on PATH when unset. */
  readonly codexLinuxSandboxExe: string | undefined
  /** Processes one sandboxed command may have at once (`sandbox_max_processes`, 0: no cap; see `ProcessLimit`). */
  readonly sandboxMaxProcesses: number | undefined
  readonly shellEnvironmentPolicy: ShellEnvironmentPolicy
  /** How long an approval request may wait for an answer before it counts as denied; undefined: forever. */
  readonly approvalTimeoutMs: number | undefined
  /** Overrides the model table's context window (`model_context_window`). */
  readonly modelContextWindow: number | undefined
  /** Overrides the model table's largest output (`model_max_output_tokens`). */
  readonly modelMaxOutputTokens: number | undefined
  /** Total tokens of a response past which the history is compacted (`model_auto_compact_token_limit`). */
  readonly modelAutoCompactTokenLimit: number | undefined
  /** `[history]`: whether user messages go to `CODEX_HOME/history.jsonl`, and its size cap. */
  readonly history: MessageHistorySettings
  /**
   * `web_search` (else the older `tools.web_search`): whether the provider's hosted web search is
   * offered (Responses API), and whether `cached` keeps it off the live web.
   */
  readonly webSearchMode: WebSearchMode
  /** Replaces the built-in summarisation prompt (`compact_prompt`, `experimental_compact_prompt_file`). */
  readonly compactPrompt: string | undefined
  /** Read in a directory without `AGENTS.md` (`project_doc_fallback_filenames`), in order. */
  readonly projectDocFallbackFilenames: ReadonlyArray<string>
  /** Entries that mark the project root, where the search for project docs stops (default `.git`). */
  readonly projectRootMarkers: ReadonlyArray<string>
  /** The model's copy of a tool's output is cut to about this many tokens (4 bytes each); 10 KiB when unset. */
  readonly toolOutputTokenLimit: number | undefined
  /** `experimental_use_unified_exec_tool`: `exec_command` + `write_stdin` (true) or `shell` (false); unset, the model family decides. */
  readonly useUnifiedExecTool: boolean | undefined
  /** Only this login method is allowed (`forced_login_method`). */
  readonly forcedLoginMethod: "chatgpt" | "api" | undefined
  /** `tools.view_image`: offer `view_image` (on unless turned off). */
  readonly includeViewImageTool: boolean
  /** `[mcp_servers]`: the enabled servers whose tools the model is offered. */
  readonly mcpServers: ReadonlyArray<McpServerConfig>
  /** The merged TOML document, for keys not typed here. */
  readonly raw: TomlTable
}

export interface MessageHistorySettings {
  readonly persistence: "save-all" | "none"
  /** Oldest lines are dropped once the file grows past this; unbounded when unset. */
  readonly maxBytes: number | undefined
}

/** What a `codex` tool call or `newConversation` may override. */
export interface ConversationOverrides {
  readonly model?: string
  readonly profile?: string
  /** Absolute, or relative to the server's cwd. */
  readonly cwd?: string
  readonly approvalPolicy?: AskForApproval
  readonly sandboxMode?: SandboxMode
  /** Generic overrides: dotted keys, JSON values (converted to TOML). */
  readonly config?: Readonly<Record<string, unknown>>
  readonly baseInstructions?: string
  readonly includePlanTool?: boolean
  readonly includeApplyPatchTool?: boolean
  readonly developerInstructions?: string
  readonly reasoningEffort?: ReasoningEffort
  /** Replaces the summarisation prompt (the `codex` tool's `compact-prompt`). */
  readonly compactPrompt?: string
}
