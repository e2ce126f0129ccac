/**
 * apply_patch as the agent runs it (agent core §7.5): recognised in shell calls (`apply_patch PATCH`,
 * `bash -lc "apply_patch <<'EOF' … EOF"`) and offered as a tool when configured. The patch is parsed
 * and planned first (a bad patch changes nothing), approved per policy (paths outside the writable
 * roots are never written without the user's yes), applied atomically in-process, and reported with
 * `patch_apply_begin` / `patch_apply_end` / `turn_diff` events.
 */
import { Effect, Schema } from "effect"
import { denialText, type ToolCall, type ToolContext, type Tool } from "../Tool.js"
import { formatExecOutputForModel } from "../exec/ModelOutput.js"
import { writableRoots } from "../exec/Sandbox.js"
import { applyPlan } from "../patch/PatchApply.js"
import { parsePatch } from "../patch/PatchParser.js"
import { planPatch, type PatchPlan, touchedPaths } from "../patch/PatchPlan.js"
import { applyPatchFunctionToolSpec } from "../patch/ApplyPatchToolSpec.js"
import { invocationCwd, parseApplyPatchInvocation } from "../patch/PatchInvocation.js"
import { allWithinWritableRoots } from "../patch/WritableRoots.js"

type PatchDecision = { readonly _tag: "Apply" } | { readonly _tag: "Ask" } | { readonly _tag: "Reject"; readonly reason: string }

const decidePatch = (plan: PatchPlan, context: ToolContext, cwd: string): PatchDecision => {
  const turn = context.turn
  if (plan.changes.length === 0) return { _tag: "Reject", reason: "patch rejected: empty patch" }
  if (turn.approvalPolicy === "untrusted") return { _tag: "Ask" }
  const policy = turn.sandboxPolicy
  const allWritable = policy.mode === "danger-full-access" ||
    (policy.mode === "workspace-write" && allWithinWritableRoots(touchedPaths(plan), writableRoots(policy, cwd, process.env), cwd))
  if (allWritable) return { _tag: "Apply" }
  if (turn.approvalPolicy === "never") {
    return { _tag: "Reject", reason: "patch rejected: writing outside of the project; rejected by user approval settings" }
  }
  return { _tag: "Ask" }
}

/** Applies `patch` for the model; the answer is the text the model reads. */
export const runPatch = (patch: string, cwd: string, callId: string, context: ToolContext): Effect.Effect<string> =>
  Effect.gen(function*() {
    const hunks = parsePatch(patch)
    if (hunks._tag === "Failure") return `error: ${hunks.failure.message}`
    const plan = planPatch(hunks.success, cwd)
    if (plan._tag === "Failure") return `error: ${plan.failure}`
    const decision = decidePatch(plan.success, context, cwd)
    if (decision._tag === "Reject") return decision.reason
    if (decision._tag === "Ask") {
      const answer = yield* context.requestApproval({ kind: "patch", callId, changes: plan.success.fileChanges })
      if (answer.decision === "denied" || answer.decision === "abort") {
        return denialText(answer, "patch rejected by user", (reason) => `patch rejected: ${reason}`)
      }
    }
    const started = performance.now()
    yield* context.emit({
      type: "patch_apply_begin",
      call_id: callId,
      auto_approved: decision._tag === "Apply",
      changes: plan.success.fileChanges
    })
    context.turnDiff.onPatchBegin(plan.success)
    const applied = applyPlan(plan.success)
    if (applied._tag === "Success") context.turnDiff.onPatchApplied(plan.success)
    const [stdout, stderr] = applied._tag === "Success" ? [applied.success, ""] : ["", applied.failure]
    yield* context.emit({ type: "patch_apply_end", call_id: callId, stdout, stderr, success: applied._tag === "Success" })
    const diff = context.turnDiff.unifiedDiff(cwd)
    if (diff !== "") yield* context.emit({ type: "turn_diff", unified_diff: diff })
    return formatExecOutputForModel({
      aggregatedOutput: stdout + stderr,
      exitCode: applied._tag === "Success" ? 0 : 1,
      durationMs: performance.now() - started
    })
  })

/** A shell call that is really a patch is applied as one; other commands give undefined. */
export const applyPatchFromShell = (
  argv: ReadonlyArray<string>,
  cwd: string,
  callId: string,
  context: ToolContext
): Effect.Effect<string | undefined> => {
  const invocation = parseApplyPatchInvocation(argv)
  return invocation === undefined
    ? Effect.succeed(undefined)
    : runPatch(invocation.patch, invocationCwd(invocation, cwd), callId, context)
}

const ApplyPatchArgs = Schema.Struct({ input: Schema.String })
const decodeArgs = Schema.decodeUnknownResult(Schema.fromJsonString(ApplyPatchArgs))

/** The function-tool form, offered when `include_apply_patch_tool` is set. */
export const applyPatchTool: Tool = {
  name: "apply_patch",
  spec: applyPatchFunctionToolSpec,
  run: (call: ToolCall, context) => {
    if (call.kind === "custom") return runPatch(call.input, context.turn.cwd, call.callId, context)
    const args = decodeArgs(call.input)
    return args._tag === "Failure"
      ? Effect.succeed(`failed to parse function arguments: ${args.failure.message.replace(/\n\s*/g, " ")}`)
      : runPatch(args.success.input, context.turn.cwd, call.callId, context)
  }
}
