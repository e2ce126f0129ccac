/**
 * Interprets the merged TOML document (wire §16.1): each field is the typed override, else the
 * selected profile's value, else the top-level key, else the default. Values of the wrong type are
 * errors naming the key; unknown keys are ignored.
 */
import { readFileSync } from "node:fs"
import { isAbsolute, resolve } from "node:path"
import { Result, Schema } from "effect"
import type { TomlTable } from "smol-toml"
import { AskForApproval, AuthMode, ReasoningEffort, ReasoningSummary, SandboxMode } from "../rpc/Enums.js"
import { builtInProviders, type ModelProviderInfo, ModelProviderToml, providerFromToml } from "./ModelProviderInfo.js"
import type { ConversationOverrides, ResolvedConfig } from "./ResolvedConfig.js"

const ProfileFields = {
  model: Schema.optionalKey(Schema.String),
  model_provider: Schema.optionalKey(Schema.String),
  approval_policy: Schema.optionalKey(AskForApproval),
  sandbox_mode: Schema.optionalKey(SandboxMode),
  model_reasoning_effort: Schema.optionalKey(ReasoningEffort),
  model_reasoning_summary: Schema.optionalKey(ReasoningSummary),
  model_verbosity: Schema.optionalKey(Schema.String),
  chatgpt_base_url: Schema.optionalKey(Schema.String),
  experimental_instructions_file: Schema.optionalKey(Schema.String),
  include_plan_tool: Schema.optionalKey(Schema.Boolean),
  include_apply_patch_tool: Schema.optionalKey(Schema.Boolean)
}

const ConfigToml = Schema.Struct({
  ...ProfileFields,
  profile: Schema.optionalKey(Schema.String),
  profiles: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct(ProfileFields))),
  model_providers: Schema.optionalKey(Schema.Record(Schema.String, ModelProviderToml)),
  instructions: Schema.optionalKey(Schema.String),
  preferred_auth_method: Schema.optionalKey(AuthMode),
  auth_issuer: Schema.optionalKey(Schema.String),
  login_port: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))),
  project_doc_max_bytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  codex_linux_sandbox_exe: Schema.optionalKey(Schema.String),
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
const decodeConfigToml = Schema.decodeUnknownResult(ConfigToml)

export interface ResolveContext {
  readonly codexHome: string
  /** The process cwd: the default `cwd`, and what a relative one is resolved against. */
  readonly processCwd: string
  readonly env: Readonly<Record<string, string | undefined>>
}

const describe = (error: Schema.SchemaError) => error.message.replace(/\n\s*/g, " ")

const readInstructionsFile = (path: string, context: ResolveContext): Result.Result<string, string> => {
  const absolute = isAbsolute(path) ? path : resolve(context.codexHome, path)
  try {
    const text = readFileSync(absolute, "utf8").trim()
    return text.length > 0 ? Result.succeed(text) : Result.fail(`instructions file ${absolute} is empty`)
  } catch (error) {
    return Result.fail(`cannot read instructions file ${absolute}: ${String(error)}`)
  }
}

export const resolveConfig = (
  table: TomlTable,
  overrides: ConversationOverrides,
  context: ResolveContext
): Result.Result<ResolvedConfig, string> => {
  const decoded = decodeConfigToml(table)
  if (decoded._tag === "Failure") return Result.fail(`invalid config: ${describe(decoded.failure)}`)
  const toml = decoded.success
  const profileName = overrides.profile ?? toml.profile
  const profile = profileName === undefined ? {} : toml.profiles?.[profileName]
  if (profile === undefined) return Result.fail(`config profile \`${profileName}\` not found`)
  const pick = <K extends keyof typeof profile>(key: K) => profile[key] ?? toml[key]

  const providers: Record<string, ModelProviderInfo> = {}
  for (const [id, entry] of Object.entries(toml.model_providers ?? {})) providers[id] = providerFromToml(id, entry)
  Object.assign(providers, builtInProviders(context.env))
  const providerId = pick("model_provider") ?? "openai"
  const provider = providers[providerId]
  if (provider === undefined) return Result.fail(`model provider \`${providerId}\` not found in model_providers`)

  let baseInstructions = overrides.baseInstructions ?? toml.instructions
  const instructionsFile = pick("experimental_instructions_file")
  if (overrides.baseInstructions === undefined && instructionsFile !== undefined) {
    const file = readInstructionsFile(instructionsFile, context)
    if (file._tag === "Failure") return Result.fail(file.failure)
    baseInstructions = file.success
  }

  const sandbox = toml.sandbox_workspace_write ?? {}
  const shell = toml.shell_environment_policy ?? {}
  const cwd = overrides.cwd === undefined
    ? context.processCwd
    : isAbsolute(overrides.cwd)
    ? overrides.cwd
    : resolve(context.processCwd, overrides.cwd)

  return Result.succeed({
    codexHome: context.codexHome,
    cwd,
    model: overrides.model ?? pick("model") ?? "gpt-5",
    modelProviderId: providerId,
    modelProvider: provider,
    approvalPolicy: overrides.approvalPolicy ?? pick("approval_policy") ?? "on-request",
    sandboxMode: overrides.sandboxMode ?? pick("sandbox_mode") ?? "read-only",
    sandboxWorkspaceWrite: {
      writableRoots: sandbox.writable_roots ?? [],
      networkAccess: sandbox.network_access ?? false,
      excludeTmpdirEnvVar: sandbox.exclude_tmpdir_env_var ?? false,
      excludeSlashTmp: sandbox.exclude_slash_tmp ?? false
    },
    baseInstructions,
    includePlanTool: overrides.includePlanTool ?? pick("include_plan_tool") ?? false,
    includeApplyPatchTool: overrides.includeApplyPatchTool ?? pick("include_apply_patch_tool") ?? false,
    modelReasoningEffort: pick("model_reasoning_effort") ?? "medium",
    modelReasoningSummary: pick("model_reasoning_summary") ?? "auto",
    modelVerbosity: pick("model_verbosity"),
    preferredAuthMethod: toml.preferred_auth_method ?? "chatgpt",
    authIssuer: toml.auth_issuer,
    loginPort: toml.login_port,
    chatgptBaseUrl: pick("chatgpt_base_url") ?? "https://chatgpt.com/backend-api/",
    projectDocMaxBytes: toml.project_doc_max_bytes ?? 32 * 1024,
    codexLinuxSandboxExe: toml.codex_linux_sandbox_exe,
    shellEnvironmentPolicy: {
      inherit: shell.inherit ?? "all",
      ignoreDefaultExcludes: shell.ignore_default_excludes ?? false,
      exclude: shell.exclude ?? [],
      set: shell.set ?? {},
      includeOnly: shell.include_only ?? []
    },
    raw: table
  })
}
