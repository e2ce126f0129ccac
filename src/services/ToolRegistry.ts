/**
 * Which tools a task offers the model, given its settings. The default registry holds the tools the
 * agent core provides; tests and embedding programs can provide their own.
 */
import { Context, Layer } from "effect"
import type { Tool } from "../agent/Tool.js"
import type { TurnContext } from "../agent/TurnContext.js"
import { applyPatchTool } from "../agent/tools/ApplyPatchTool.js"
import { requestUserInputTool } from "../agent/tools/RequestUserInputTool.js"
import { shellToolFor } from "../agent/tools/ShellTool.js"
import { execCommandTool, writeStdinTool } from "../agent/tools/UnifiedExecTool.js"
import { modelFamily } from "../model/ModelFamily.js"
import { updatePlanTool } from "../agent/tools/UpdatePlanTool.js"
import { viewImageTool } from "../agent/tools/ViewImageTool.js"
import { webSearchTool } from "../agent/tools/WebSearchTool.js"

export class ToolRegistry extends Context.Service<ToolRegistry, {
  /** The tools for a task, in the order they are offered. */
  readonly toolsFor: (turn: TurnContext) => ReadonlyArray<Tool>
}>()("codex-effect/ToolRegistry") {
  /**
   * `shell` (or `exec_command` + `write_stdin` + `request_user_input` for the families prompted for them, or as
   * `experimental_use_unified_exec_tool` says), then `update_plan`, `apply_patch`, `web_search` and `view_image` as the settings say. */
  static readonly layer = Layer.succeed(ToolRegistry, ToolRegistry.of({
    toolsFor: (turn) => [
      ...(turn.config.useUnifiedExecTool ?? modelFamily(turn.model).unifiedExec
        ? [execCommandTool, writeStdinTool, requestUserInputTool]
        : [shellToolFor(turn)]),
      ...(turn.includePlanTool ? [updatePlanTool] : []),
      ...(turn.includeApplyPatchTool ? [applyPatchTool] : []),
      ...(turn.config.webSearchMode !== "disabled" ? [webSearchTool(turn.config.webSearchMode)] : []),
      ...(turn.config.includeViewImageTool ? [viewImageTool] : [])
    ]
  }))

  /** A fixed set of tools, whatever the settings: for tests and embedding programs. */
  static readonly layerFixed = (tools: ReadonlyArray<Tool>) =>
    Layer.succeed(ToolRegistry, ToolRegistry.of({ toolsFor: () => tools }))
}
