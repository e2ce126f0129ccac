/**
 * apply_patch as one command (the reference's standalone program): parse, plan
 * and apply a patch text in a directory, answering with the exit code and the texts the program
 * would print. Success is exit 0 with `Success. Updated the following files:` on stdout; a bad patch
 * or a failed apply is exit 1 with the error on stderr, and nothing on disk changed.
 */
import { Result } from "effect"
import { applyPlan } from "./PatchApply.js"
import { parsePatch, standaloneParseErrorText } from "./PatchParser.js"
import { planPatch } from "./PatchPlan.js"

interface ApplyPatchOutcome {
  readonly exitCode: 0 | 1
  readonly stdout: string
  readonly stderr: string
}

const failed = (stderr: string): ApplyPatchOutcome => ({ exitCode: 1, stdout: "", stderr: `${stderr}\n` })

/** Applies `patch` with relative paths taken from `cwd`. */
export const runApplyPatch = (patch: string, cwd: string): ApplyPatchOutcome => {
  const hunks = parsePatch(patch)
  if (Result.isFailure(hunks)) return failed(standaloneParseErrorText(hunks.failure))
  const plan = planPatch(hunks.success, cwd)
  if (Result.isFailure(plan)) return failed(plan.failure)
  const applied = applyPlan(plan.success)
  return Result.isSuccess(applied) ? { exitCode: 0, stdout: applied.success, stderr: "" } : failed(applied.failure)
}
