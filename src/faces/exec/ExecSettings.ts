/**
 * How `exec`'s command line becomes the agent's settings, as the reference's `codex exec` reads the
 * same flags: the typed overrides (`--model`, `--sandbox`, `--cd`, `--add-dir`, approval
 * `never` unless `-c approval_policy` says otherwise), and the few things the official SDK passes that
 * are not config keys here: `-c openai_base_url=…` (the SDK's `baseUrl`) becomes the `openai`
 * provider's base URL and `CODEX_API_KEY` (the SDK's `apiKey`) the API key (`-c web_search="live" |
 * "cached" | "disabled"` is a config key, read as config.toml's). The SDK's efforts past `xhigh`
 * (`max`, `ultra`, `persistent`) become `high`, the highest effort sent here.
 */
import { resolve } from "node:path"
import { Result } from "effect"
import type { Environment } from "../../services/ProcessEnvironment.js"
import { parseCliOverride } from "../../config/Overrides.js"
import type { ConversationOverrides } from "../../config/ResolvedConfig.js"
import type { SandboxMode } from "../../rpc/Enums.js"

export interface ExecFlags {
  readonly model: string | undefined
  readonly sandbox: SandboxMode | undefined
  readonly cd: string | undefined
  readonly addDirs: ReadonlyArray<string>
  /** `--dangerously-bypass-approvals-and-sandbox`: no sandbox, no approvals (for an externally sandboxed runner). */
  readonly bypass: boolean
}

export interface ExecSettings {
  /** The `-c` overrides the agent's Config starts with. */
  readonly cliOverrides: ReadonlyArray<string>
  readonly overrides: ConversationOverrides
  readonly env: Environment
  /** `CODEX_API_KEY` is set: it is the key, whatever auth.json holds (as with the reference). */
  readonly apiKeyFromEnv: boolean
}

/** Reasoning efforts the SDK may pass that no config here takes; `xhigh` is mapped with the config.toml values. */
const BEYOND_HIGH: ReadonlySet<string> = new Set(["max", "ultra", "persistent"])

const keyOf = (override: string) => override.slice(0, Math.max(0, override.indexOf("="))).trim()

/** The value of a `key=value` override as a string, if it parses to one. */
const stringValue = (override: string) => {
  const parsed = parseCliOverride(override)
  return Result.isSuccess(parsed) && typeof parsed.success.value === "string" ? parsed.success.value : undefined
}

export const execSettings = (
  flags: ExecFlags,
  cliOverrides: ReadonlyArray<string>,
  env: Environment,
  processCwd: string
): ExecSettings => {
  const kept: Array<string> = []
  let baseUrl: string | undefined
  for (const override of cliOverrides) {
    const key = keyOf(override)
    if (key === "openai_base_url") baseUrl = stringValue(override) ?? baseUrl
    else if (key === "model_reasoning_effort" && BEYOND_HIGH.has(stringValue(override) ?? "")) kept.push(`model_reasoning_effort="high"`)
    else kept.push(override)
  }
  const approvalGiven = kept.some((override) => keyOf(override) === "approval_policy")
  const apiKey = env.CODEX_API_KEY
  const apiKeyFromEnv = apiKey !== undefined && apiKey !== ""
  return {
    cliOverrides: kept,
    overrides: {
      ...(flags.model !== undefined ? { model: flags.model } : {}),
      ...(flags.bypass ? { sandboxMode: "danger-full-access" as const } : flags.sandbox !== undefined ? { sandboxMode: flags.sandbox } : {}),
      ...(flags.cd !== undefined ? { cwd: resolve(processCwd, flags.cd) } : {}),
      // Nobody can answer an approval request: unless told otherwise, never ask.
      ...(approvalGiven && !flags.bypass ? {} : { approvalPolicy: "never" as const }),
      ...(flags.addDirs.length > 0
        ? { config: { "sandbox_workspace_write.writable_roots": flags.addDirs.map((dir) => resolve(processCwd, dir)) } }
        : {})
    },
    env: {
      ...env,
      ...(baseUrl !== undefined ? { OPENAI_BASE_URL: baseUrl } : {}),
      ...(apiKeyFromEnv ? { OPENAI_API_KEY: apiKey } : {})
    },
    apiKeyFromEnv
  }
}
