/**
 * Interprets the merged TOML document: each field is the typed override, else the
 * selected profile's value, else the top-level key, else the default. Values of the wrong type are
 * errors naming the key and, through `originOf`, where the value came from (file and line, `-c`, the
 * request); unknown keys are ignored here (and stay readable through `raw`).
 */
import { resolve } from "node:path"
import { Result, Schema, SchemaIssue } from "effect"
import type { TomlTable } from "smol-toml"
import { readableForModel } from "../files/ModelReadable.js"
import { readUntrustedFileSync } from "../files/UntrustedFile.js"
import { AskForApproval, AuthMode, ReasoningEffort, ReasoningSummary, SandboxMode } from "../rpc/Enums.js"
import { McpServerToml, resolveMcpServers } from "./McpServerConfig.js"
import { ModelProviderToml, providerRegistry } from "../model/ModelProviderInfo.js"
import { webSearchModeOf, WebSearchMode, WebSearchToolToml } from "./WebSearchConfig.js"
import type { ConversationOverrides, ResolvedConfig } from "./ResolvedConfig.js"

/** The keys a `[profiles.<name>]` table may set; each also exists at the top level. */
const ProfileFields = {
  model: Schema.optionalKey(Schema.String),
  model_provider: Schema.optionalKey(Schema.String),
  approval_policy: Schema.optionalKey(AskForApproval),
  sandbox_mode: Schema.optionalKey(SandboxMode),
  model_reasoning_effort: Schema.optionalKey(ReasoningEffort),
  model_reasoning_summary: Schema.optionalKey(ReasoningSummary),
  model_verbosity: Schema.optionalKey(Schema.Literals(["low", "medium", "high"])),
  chatgpt_base_url: Schema.optionalKey(Schema.String),
  experimental_instructions_file: Schema.optionalKey(Schema.String),
  model_instructions_file: Schema.optionalKey(Schema.String),
  experimental_compact_prompt_file: Schema.optionalKey(Schema.String),
  web_search: Schema.optionalKey(WebSearchMode),
  include_plan_tool: Schema.optionalKey(Schema.Boolean),
  include_apply_patch_tool: Schema.optionalKey(Schema.Boolean),
  experimental_use_unified_exec_tool: Schema.optionalKey(Schema.Boolean),
  // The Codex CLI's feature flags; `unified_exec` is today's name of the switch above (the others are its own).
  features: Schema.optionalKey(Schema.Struct({ unified_exec: Schema.optionalKey(Schema.Boolean) }))
}

/** The keys a profile may set, so that a `-c` override of one can win over the selected profile's. */
export const PROFILE_KEYS: ReadonlySet<string> = new Set(Object.keys(ProfileFields))

/** The keys this server reads from config.toml. */
export const ConfigToml = Schema.Struct({
  ...ProfileFields,
  openai_base_url: Schema.optionalKey(Schema.String),
  compact_prompt: Schema.optionalKey(Schema.String),
  project_doc_fallback_filenames: Schema.optionalKey(Schema.Array(Schema.String)),
  project_root_markers: Schema.optionalKey(Schema.Array(Schema.String)),
  tool_output_token_limit: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  forced_login_method: Schema.optionalKey(Schema.Literals(["chatgpt", "api"])),
  // Read so the Codex CLI's trust decisions are valid here; they change nothing (there is no per-project config layer).
  projects: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({
    trust_level: Schema.optionalKey(Schema.Literals(["trusted", "untrusted"]))
  }))),
  profile: Schema.optionalKey(Schema.String),
  profiles: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct(ProfileFields))),
  model_providers: Schema.optionalKey(Schema.Record(Schema.String, ModelProviderToml)),
  mcp_servers: Schema.optionalKey(Schema.Record(Schema.String, McpServerToml)),
  instructions: Schema.optionalKey(Schema.String),
  developer_instructions: Schema.optionalKey(Schema.String),
  model_supports_reasoning_summaries: Schema.optionalKey(Schema.Boolean),
  show_raw_agent_reasoning: Schema.optionalKey(Schema.Boolean),
  notify: Schema.optionalKey(Schema.Array(Schema.String)),
  preferred_auth_method: Schema.optionalKey(AuthMode),
  auth_issuer: Schema.optionalKey(Schema.String),
  login_port: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))),
  project_doc_max_bytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  codex_linux_sandbox_exe: Schema.optionalKey(Schema.String),
  sandbox_max_processes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  approval_timeout_ms: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  // The Codex CLI takes these as unsigned (signed for the limit) integers; so does this server.
  model_context_window: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  model_max_output_tokens: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  model_auto_compact_token_limit: Schema.optionalKey(Schema.Int),
  history: Schema.optionalKey(Schema.Struct({
    persistence: Schema.optionalKey(Schema.Literals(["save-all", "none"])),
    max_bytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
  })),
  tools: Schema.optionalKey(Schema.Struct({
    web_search: Schema.optionalKey(WebSearchToolToml),
    view_image: Schema.optionalKey(Schema.Boolean)
  })),
  sandbox_workspace_write: Schema.optionalKey(Schema.Struct({
    writable_roots: Schema.optionalKey(Schema.Array(Schema.String)),
    network_access: Schema.optionalKey(Schema.Boolean),
    exclude_tmpdir_env_var: Schema.optionalKey(Schema.Boolean),
    exclude_slash_tmp: Schema.optionalKey(Schema.Boolean)
  })),
  shell_environment_policy: Schema.optionalKey(Schema.Struct({
    inherit: Schema.optionalKey(Schema.Literals(["all", "core", "none"])),
    ignore_default_excludes: Schema.optionalKey(Schema.Boolean),
    exclude: Schema.optionalKey(Schema.Array(Schema.String)),
    set: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
    include_only: Schema.optionalKey(Schema.Array(Schema.String))
  }))
})
const decodeConfigToml = Schema.decodeUnknownResult(ConfigToml, { errors: "all" })

export interface ResolveContext {
  readonly codexHome: string
  /** Absolute: the default `cwd`, and what a relative one is resolved against. */
  readonly processCwd: string
  /** Where the built-in providers read `OPENAI_BASE_URL`, `CODEX_OSS_*`. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Where the value at a dotted path was set (`/home/me/.codex/config.toml:3`), to prefix its errors. */
  readonly originOf?: ((path: ReadonlyArray<string>) => string | undefined) | undefined
}

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * `approval_policy: Expected "untrusted" | …`, several problems joined by `; `. The rejected values
 * are left out: they could be secrets (a header value, a key pasted in the wrong place).
 */
const describeTypeErrors = (error: Schema.SchemaError, context: ResolveContext) =>
  formatIssue(error.issue).issues.map(({ path = [], message }) => {
    const segments = path.map((segment) => (typeof segment === "object" ? segment.key : segment))
    const key = segments
      .map((segment, index) => (typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${String(segment)}`))
      .join("")
    return withOrigin(context, segments.filter((s) => typeof s === "string"), key === "" ? message : `${key}: ${message}`)
  }).join("; ")

/** Instructions are a few KiB; the path may come from a client's `config`, so it is read as untrusted. */
const INSTRUCTIONS_FILE_MAX_BYTES = 1024 * 1024

/** `message` prefixed with where the value at `path` was set, when that is known. */
const withOrigin = (context: ResolveContext, path: ReadonlyArray<string>, message: string) => {
  const origin = context.originOf?.(path)
  return origin === undefined ? message : `${origin}: ${message}`
}

/**
 * The trimmed contents of an instructions or prompt file (`what` names it in errors); `path` is resolved
 * against `base`. Its text goes to the model, and the file may lie in a workspace (the older key is
 * relative to the cwd), where the model can turn it into a link to one of the server's secrets.
 */
const readInstructionsFile = (
  path: string,
  base: string,
  codexHome: string,
  what = "experimental instructions file"
): Result.Result<string, string> => {
  const absolute = resolve(base, path)
  const bytes = readUntrustedFileSync(absolute, { maxBytes: INSTRUCTIONS_FILE_MAX_BYTES }, readableForModel(codexHome))
  if (!Buffer.isBuffer(bytes)) return Result.fail(`failed to read ${what} ${absolute}: ${bytes.reason}`)
  const text = bytes.toString("utf8").trim()
  return text.length > 0 ? Result.succeed(text) : Result.fail(`${what} is empty: ${absolute}`)
}

/**
 * The typed config for `table` (config.toml with the generic overrides applied) and the typed
 * overrides. Reads the instructions file (`model_instructions_file`, else `experimental_instructions_file`)
 * and `experimental_compact_prompt_file` when they are set and not overridden. The Codex CLI's keys
 * take paths relative to CODEX_HOME (where config.toml is); the older `experimental_instructions_file`
 * is relative to the cwd, as it always was here.
 */
export const resolveConfig = (
  table: TomlTable,
  overrides: ConversationOverrides,
  context: ResolveContext
): Result.Result<ResolvedConfig, string> => {
  const decoded = decodeConfigToml(table)
  if (Result.isFailure(decoded)) return Result.fail(`invalid config: ${describeTypeErrors(decoded.failure, context)}`)
  const toml = decoded.success

  const profileName = overrides.profile ?? toml.profile
  const profiles = toml.profiles ?? {}
  if (profileName !== undefined && !Object.hasOwn(profiles, profileName)) {
    const message = `config profile \`${profileName}\` not found`
    return Result.fail(overrides.profile === undefined ? withOrigin(context, ["profile"], message) : message)
  }
  const profile = profileName === undefined ? {} : profiles[profileName]
  /** A key of the selected profile, else of the top level. */
  const pick = <K extends keyof typeof profile>(key: K) => profile[key] ?? toml[key]
  /** Where `pick(key)` came from. */
  const pickedPath = (key: keyof typeof profile) =>
    profileName !== undefined && profile[key] !== undefined ? ["profiles", profileName, key] : [key]

  const providerId = pick("model_provider") ?? "openai"
  const providers = providerRegistry(toml.model_providers ?? {}, context.env, toml.openai_base_url)
  const provider = providers.get(providerId)
  if (provider === undefined) {
    return Result.fail(withOrigin(context, pickedPath("model_provider"), `Model provider \`${providerId}\` not found`))
  }

  const mcpServers = resolveMcpServers(toml.mcp_servers ?? {})
  if (Result.isFailure(mcpServers)) return Result.fail(`invalid config: ${mcpServers.failure}`)

  const cwd = resolve(context.processCwd, overrides.cwd ?? ".")

  let baseInstructions = overrides.baseInstructions ?? toml.instructions
  const modelInstructionsFile = pick("model_instructions_file")
  const instructionsFile = pick("experimental_instructions_file")
  if (overrides.baseInstructions === undefined && (modelInstructionsFile !== undefined || instructionsFile !== undefined)) {
    const file = modelInstructionsFile !== undefined
      ? readInstructionsFile(modelInstructionsFile, context.codexHome, context.codexHome, "model instructions file")
      : readInstructionsFile(instructionsFile!, cwd, context.codexHome)
    const key = modelInstructionsFile !== undefined ? "model_instructions_file" : "experimental_instructions_file"
    if (Result.isFailure(file)) return Result.fail(withOrigin(context, pickedPath(key), file.failure))
    baseInstructions = file.success
  }

  let compactPrompt = overrides.compactPrompt ?? toml.compact_prompt
  const compactPromptFile = pick("experimental_compact_prompt_file")
  if (compactPrompt === undefined && compactPromptFile !== undefined) {
    const file = readInstructionsFile(compactPromptFile, context.codexHome, context.codexHome, "compact prompt file")
    if (Result.isFailure(file)) return Result.fail(withOrigin(context, pickedPath("experimental_compact_prompt_file"), file.failure))
    compactPrompt = file.success
  }
  const webSearchMode = webSearchModeOf(pick("web_search"), toml.tools?.web_search)

  const sandbox = toml.sandbox_workspace_write ?? {}
  const shell = toml.shell_environment_policy ?? {}
  return Result.succeed({
    codexHome: context.codexHome,
    cwd,
    model: overrides.model ?? pick("model") ?? "gpt-5",
    modelProviderId: providerId,
    modelProvider: provider,
    providerCredentialVariables: [...providers.values()].flatMap((known) => [
      ...(known.envKey === undefined ? [] : [known.envKey]),
      ...Object.values(known.envHttpHeaders)
    ]),
    approvalPolicy: overrides.approvalPolicy ?? pick("approval_policy") ?? "on-request",
    sandboxMode: overrides.sandboxMode ?? pick("sandbox_mode") ?? "read-only",
    sandboxWorkspaceWrite: {
      writableRoots: sandbox.writable_roots ?? [],
      networkAccess: sandbox.network_access ?? false,
      excludeTmpdirEnvVar: sandbox.exclude_tmpdir_env_var ?? false,
      excludeSlashTmp: sandbox.exclude_slash_tmp ?? false
    },
    baseInstructions,
    developerInstructions: overrides.developerInstructions ?? toml.developer_instructions,
    includePlanTool: overrides.includePlanTool ?? pick("include_plan_tool") ?? false,
    includeApplyPatchTool: overrides.includeApplyPatchTool ?? pick("include_apply_patch_tool") ?? false,
    modelReasoningEffort: overrides.reasoningEffort ?? pick("model_reasoning_effort") ?? "medium",
    modelReasoningSummary: pick("model_reasoning_summary") ?? "auto",
    modelVerbosity: pick("model_verbosity"),
    modelSupportsReasoningSummaries: toml.model_supports_reasoning_summaries ?? false,
    showRawAgentReasoning: toml.show_raw_agent_reasoning ?? false,
    notify: toml.notify !== undefined && toml.notify.length > 0 ? toml.notify : undefined,
    preferredAuthMethod: toml.preferred_auth_method ?? "chatgpt",
    authIssuer: toml.auth_issuer,
    loginPort: toml.login_port,
    chatgptBaseUrl: pick("chatgpt_base_url") ?? "https://chatgpt.com/backend-api/",
    projectDocMaxBytes: toml.project_doc_max_bytes ?? 32 * 1024,
    // A path (not a bare name looked up on PATH) is taken from where the server started.
    codexLinuxSandboxExe: toml.codex_linux_sandbox_exe !== undefined && toml.codex_linux_sandbox_exe.includes("/")
      ? resolve(context.processCwd, toml.codex_linux_sandbox_exe)
      : toml.codex_linux_sandbox_exe,
    sandboxMaxProcesses: toml.sandbox_max_processes,
    shellEnvironmentPolicy: {
      inherit: shell.inherit ?? "all",
      ignoreDefaultExcludes: shell.ignore_default_excludes ?? false,
      exclude: shell.exclude ?? [],
      set: shell.set ?? {},
      includeOnly: shell.include_only ?? []
    },
    approvalTimeoutMs: toml.approval_timeout_ms,
    modelContextWindow: toml.model_context_window,
    modelMaxOutputTokens: toml.model_max_output_tokens,
    modelAutoCompactTokenLimit: toml.model_auto_compact_token_limit,
    history: { persistence: toml.history?.persistence ?? "save-all", maxBytes: toml.history?.max_bytes },
    webSearchMode,
    compactPrompt,
    projectDocFallbackFilenames: toml.project_doc_fallback_filenames ?? [],
    projectRootMarkers: toml.project_root_markers ?? [".git"],
    toolOutputTokenLimit: toml.tool_output_token_limit,
    // As the Codex CLI layers them: the profile's flags over its legacy key, over the top level's flags and key.
    useUnifiedExecTool: profile.features?.unified_exec ?? profile.experimental_use_unified_exec_tool ?? toml.features?.unified_exec ??
      toml.experimental_use_unified_exec_tool,
    forcedLoginMethod: toml.forced_login_method,
    includeViewImageTool: toml.tools?.view_image ?? true,
    mcpServers: mcpServers.success,
    raw: table
  })
}
