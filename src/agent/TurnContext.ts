/**
 * The settings one task runs with: where, under which approval policy and sandbox, against which
 * model and provider, with which instructions and tools. A conversation has a persistent one (from
 * its config); `user_turn` builds a fresh one for a single task.
 */
import type { ModelProviderInfo } from "../model/ModelProviderInfo.js"
import { type ModelLimits, modelLimits } from "../model/ModelInfo.js"
import type { ResolvedConfig } from "../config/ResolvedConfig.js"
import type { AskForApproval, ReasoningEffort, ReasoningSummary, SandboxPolicy } from "../rpc/Enums.js"
import type { Op } from "../rpc/Op.js"
import { modelFamily } from "../model/ModelFamily.js"
import { APPLY_PATCH_INSTRUCTIONS, BASE_INSTRUCTIONS } from "./BaseInstructions.js"

export interface TurnContext {
  readonly cwd: string
  readonly approvalPolicy: AskForApproval
  readonly sandboxPolicy: SandboxPolicy
  readonly model: string
  readonly effort: ReasoningEffort
  readonly summary: ReasoningSummary
  readonly provider: ModelProviderInfo
  /** The model's context window and the usage that triggers automatic compaction. */
  readonly limits: ModelLimits
  /** The `instructions` of every request of the task. */
  readonly instructions: string
  readonly includePlanTool: boolean
  readonly includeApplyPatchTool: boolean
  /** The conversation's resolved config, for what tools read directly (shell env policy, sandbox binary…). */
  readonly config: ResolvedConfig
  /** The JSON Schema the task's final answer must match (this task only). */
  readonly outputSchema?: Readonly<Record<string, unknown>> | undefined
}

const sandboxPolicyFromConfig = (config: ResolvedConfig): SandboxPolicy => {
  switch (config.sandboxMode) {
    case "danger-full-access":
      return { mode: "danger-full-access" }
    case "read-only":
      return { mode: "read-only" }
    case "workspace-write": {
      const table = config.sandboxWorkspaceWrite
      return {
        mode: "workspace-write",
        ...(table.writableRoots.length > 0 ? { writable_roots: table.writableRoots } : {}),
        network_access: table.networkAccess,
        exclude_tmpdir_env_var: table.excludeTmpdirEnvVar,
        exclude_slash_tmp: table.excludeSlashTmp
      }
    }
  }
}

/** Whether a task with `model` offers the apply_patch tool: configured, or expected by the model's family (gpt-oss). */
export const offersApplyPatchTool = (config: ResolvedConfig, model: string): boolean =>
  config.includeApplyPatchTool || modelFamily(model).applyPatchFunctionTool

/** Base instructions (or the caller's replacement), plus the patch format when no apply_patch tool is offered. */
export const instructionsFor = (config: ResolvedConfig, model: string = config.model): string =>
  config.baseInstructions !== undefined
    ? config.baseInstructions
    : offersApplyPatchTool(config, model)
    ? BASE_INSTRUCTIONS
    : `${BASE_INSTRUCTIONS}\n${APPLY_PATCH_INSTRUCTIONS}`

/** The limits of `model` under `config`'s overrides. */
export const limitsFor = (config: ResolvedConfig, model: string): ModelLimits =>
  modelLimits(model, {
    contextWindow: config.modelContextWindow,
    maxOutputTokens: config.modelMaxOutputTokens,
    autoCompactTokenLimit: config.modelAutoCompactTokenLimit
  })

export const turnContextFromConfig = (config: ResolvedConfig): TurnContext => ({
  cwd: config.cwd,
  approvalPolicy: config.approvalPolicy,
  sandboxPolicy: sandboxPolicyFromConfig(config),
  model: config.model,
  effort: config.modelReasoningEffort,
  summary: config.modelReasoningSummary,
  provider: config.modelProvider,
  limits: limitsFor(config, config.model),
  instructions: instructionsFor(config),
  includePlanTool: config.includePlanTool,
  includeApplyPatchTool: offersApplyPatchTool(config, config.model),
  config
})

/** The one-task context of a `user_turn`: its fields replace the persistent ones for that task only. */
export const turnContextForUserTurn = (base: TurnContext, op: Extract<Op, { type: "user_turn" }>): TurnContext => ({
  ...base,
  cwd: op.cwd,
  approvalPolicy: op.approval_policy,
  sandboxPolicy: op.sandbox_policy,
  model: op.model,
  limits: limitsFor(base.config, op.model),
  effort: op.effort,
  summary: op.summary,
  outputSchema: op.final_output_json_schema,
  // Another model may expect another apply_patch tool, and the instructions follow the tools.
  ...(op.model !== base.model
    ? { includeApplyPatchTool: offersApplyPatchTool(base.config, op.model), instructions: instructionsFor(base.config, op.model) }
    : {})
})
