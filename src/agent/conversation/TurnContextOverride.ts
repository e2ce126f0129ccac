/**
 * `override_turn_context`: a new persistent TurnContext built from the op's fields, for the
 * conversation's next tasks. The cwd comes from a client, so it is checked before anything changes:
 * a relative one resolves against the conversation's cwd, and it must be an existing directory.
 */
import { statSync } from "node:fs"
import { resolve } from "node:path"
import { Result } from "effect"
import type { ResponseItem } from "../../model/ResponseItem.js"
import type { Op } from "../../rpc/Op.js"
import { environmentContextUpdateText } from "../ContextMessages.js"
import { userTextMessage } from "../InputMessages.js"
import { instructionsFor, limitsFor, offersApplyPatchTool, type TurnContext } from "../TurnContext.js"

export type TurnContextOverride = Extract<Op, { type: "override_turn_context" }>

export interface OverriddenTurnContext {
  readonly turn: TurnContext
  /** What the model is told when the cwd, approval policy or sandbox changed. */
  readonly environmentMessage: ResponseItem | undefined
}

/** Why `path` cannot be a cwd, if it cannot. */
const cwdProblem = (path: string): string | undefined => {
  try {
    return statSync(path).isDirectory() ? undefined : "is not a directory"
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === "ENOENT" || code === "ENOTDIR" ? "does not exist" : `cannot be used (${code ?? String(error)})`
  }
}

export const overrideTurnContext = (
  base: TurnContext,
  op: TurnContextOverride
): Result.Result<OverriddenTurnContext, string> => {
  const cwd = op.cwd === undefined ? undefined : resolve(base.cwd, op.cwd)
  if (cwd !== undefined) {
    const problem = cwdProblem(cwd)
    if (problem !== undefined) return Result.fail(`override_turn_context: cwd ${cwd} ${problem}; settings unchanged`)
  }
  const model = op.model ?? base.model
  const turn: TurnContext = {
    ...base,
    cwd: cwd ?? base.cwd,
    approvalPolicy: op.approval_policy ?? base.approvalPolicy,
    sandboxPolicy: op.sandbox_policy ?? base.sandboxPolicy,
    model,
    limits: op.model === undefined ? base.limits : limitsFor(base.config, model),
    // Another model may expect another apply_patch tool, and the instructions follow the tools.
    ...(model !== base.model
      ? { includeApplyPatchTool: offersApplyPatchTool(base.config, model), instructions: instructionsFor(base.config, model) }
      : {}),
    effort: op.effort ?? base.effort,
    summary: op.summary ?? base.summary
  }
  const environmentChanged = cwd !== undefined || op.approval_policy !== undefined || op.sandbox_policy !== undefined
  const environmentMessage = environmentChanged
    ? userTextMessage(environmentContextUpdateText({
      ...(cwd !== undefined ? { cwd } : {}),
      ...(op.approval_policy !== undefined ? { approvalPolicy: op.approval_policy } : {}),
      ...(op.sandbox_policy !== undefined ? { sandboxPolicy: op.sandbox_policy } : {})
    }))
    : undefined
  return Result.succeed({ turn, environmentMessage })
}
