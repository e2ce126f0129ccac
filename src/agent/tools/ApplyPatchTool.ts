/**
 * apply_patch as the agent runs it: recognised in shell calls (`apply_patch PATCH`,
 * `bash -lc "apply_patch <<'EOF' … EOF"`) and offered as a tool when configured. The patch is parsed,
 * checked against the policy before any file is read, planned (a bad patch changes nothing) from
 * files read off the event loop, applied atomically, and reported with `patch_apply_begin` /
 * `patch_apply_end` / `turn_diff` events. Under `workspace-write`, a patch that stays inside the
 * writable roots is applied inside the turn's sandbox (see `SandboxedPatch`), so the kernel holds
 * its writes to the roots even if a path changes after the checks; one the user approved outside
 * them, and any patch under full access, is applied by the server itself.
 *
 * The writable roots are the turn's (its cwd and the configured roots), never the `cd dir &&` or
 * `workdir` the model wrote: that directory only anchors the patch's relative paths. A path outside
 * the roots — however it is spelled: `..`, absolute, through a symlink, as a `Move to:` target — or
 * inside `.git` or CODEX_HOME is never read or written without the user's yes.
 */
import { resolve } from "node:path"
import { Effect, Schema } from "effect"
import { boundedPaths, boundedText } from "../LogText.js"
import { denialText, type ToolCall, type ToolContext, type Tool } from "../Tool.js"
import { formatExecOutputForModel } from "../exec/ModelOutput.js"
import { type Environment, ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { codexHomeProtectedPaths } from "../exec/CodexHomeMask.js"
import type { SandboxSpec } from "../exec/Sandbox.js"
import { checkRootIdentities } from "../exec/RootIdentities.js"
import { sandboxWritable } from "../exec/ServerPrograms.js"
import { rootsEnvOf, type WorkspaceRoots, workspaceRoots } from "../exec/WorkspaceRoots.js"
import { readFileStates } from "../patch/FileStates.js"
import { readableForModel } from "../../files/ModelReadable.js"
import { applyPlan, nodeFileOps } from "../patch/PatchApply.js"
import { applyPatchInSandbox } from "../patch/SandboxedPatch.js"
import { type Hunk, parsePatch } from "../patch/PatchParser.js"
import { patchPaths, planPatch } from "../patch/PatchPlan.js"
import { applyPatchFunctionToolSpec } from "../patch/ApplyPatchToolSpec.js"
import { invocationCwd, parseApplyPatchInvocation } from "../patch/PatchInvocation.js"
import { allWithinWritableRoots, realPathOf } from "../patch/WritableRoots.js"

/** `inSandbox`: every path is inside the writable roots of a `workspace-write` turn, so the sandbox applies it. */
type PatchDecision =
  | { readonly _tag: "Apply"; readonly inSandbox: boolean }
  | { readonly _tag: "Ask"; readonly inSandbox: boolean }
  | { readonly _tag: "Reject"; readonly reason: string }

/** Whether the sandbox of the turn would let a command write every one of `paths`. */
const sandboxWouldAllow = (paths: ReadonlyArray<string>, context: ToolContext, roots: WorkspaceRoots) => {
  const turn = context.turn
  const readOnly = [...roots.readOnly, ...roots.emptied, ...codexHomeProtectedPaths(turn.config.codexHome, roots.writable, paths)]
  return allWithinWritableRoots(paths, roots.writable, undefined, readOnly)
}

/** Decided from the paths alone, so a patch the policy refuses never gets a file read. */
const decidePatch = (
  hunks: ReadonlyArray<Hunk>,
  paths: ReadonlyArray<string>,
  context: ToolContext,
  env: Environment
): PatchDecision => {
  const turn = context.turn
  if (hunks.length === 0) return { _tag: "Reject", reason: "patch rejected: empty patch" }
  const policy = turn.sandboxPolicy
  const roots = workspaceRoots(policy, turn.cwd, rootsEnvOf(env))
  // A root that moved is refused before anyone is asked: an approval would name paths that now lead elsewhere.
  const changed = policy.mode === "workspace-write" ? checkRootIdentities(context.session.roots, roots.origins, [...roots.writable, ...sandboxWritable(env)]) : undefined
  if (changed !== undefined) return { _tag: "Reject", reason: `patch rejected: ${changed}` }
  const inSandbox = policy.mode === "workspace-write" && sandboxWouldAllow(paths, context, roots)
  if (turn.approvalPolicy === "untrusted") return { _tag: "Ask", inSandbox }
  if (policy.mode === "danger-full-access" || inSandbox) return { _tag: "Apply", inSandbox }
  if (turn.approvalPolicy === "never") {
    return { _tag: "Reject", reason: "patch rejected: writing outside of the project; rejected by user approval settings" }
  }
  return { _tag: "Ask", inSandbox: false }
}

/**
 * `hunk` with its paths made real (symlinks resolved as far as they exist). A path through a link the
 * model made in the workspace can lead anywhere: the user must be asked about where the file lands,
 * and the write must go there even if the link is re-pointed while the user decides.
 */
const resolvedHunk = (cwd: string) => (hunk: Hunk): Hunk =>
  hunk._tag === "UpdateFile"
    ? { ...hunk, path: realPathOf(resolve(cwd, hunk.path)), movePath: hunk.movePath === undefined ? undefined : realPathOf(resolve(cwd, hunk.movePath)) }
    : { ...hunk, path: realPathOf(resolve(cwd, hunk.path)) }

/** The turn's sandbox, as its commands get it (see `ShellTool`). */
const turnSandbox = (context: ToolContext, env: Environment): SandboxSpec => ({
  policy: context.turn.sandboxPolicy,
  workspace: context.turn.cwd,
  codexHome: context.turn.config.codexHome,
  env: rootsEnvOf(env),
  identities: context.session.roots,
  maxProcesses: context.turn.config.sandboxMaxProcesses
})

/** Applies `patch` for the model; the answer is the text the model reads. */
const runPatch = (patch: string, cwd: string, callId: string, context: ToolContext): Effect.Effect<string> =>
  Effect.gen(function*() {
    const hunks = parsePatch(patch)
    if (hunks._tag === "Failure") {
      yield* Effect.logWarning("patch invalid").pipe(Effect.annotateLogs({ call_id: callId, error: boundedText(hunks.failure.message) }))
      return `error: ${hunks.failure.message}`
    }
    const lexicalPaths = patchPaths(hunks.success, cwd)
    const env = yield* ProcessEnvironment
    const decision = decidePatch(hunks.success, lexicalPaths, context, env)
    if (decision._tag === "Reject") {
      const logged = { call_id: callId, files: boundedPaths(lexicalPaths) }
      yield* Effect.logInfo("patch rejected").pipe(Effect.annotateLogs({ ...logged, reason: decision.reason }))
      return decision.reason
    }
    // What the server writes itself after a yes is what the approval names: the real paths, resolved once.
    const resolved = decision._tag === "Ask" && !decision.inSandbox ? hunks.success.map(resolvedHunk(cwd)) : hunks.success
    const paths = patchPaths(resolved, cwd)
    const logged = { call_id: callId, files: boundedPaths(paths) }
    // Read unsandboxed, for events and approval requests too: never one of the server's secrets.
    const readable = readableForModel(context.turn.config.codexHome)
    const planned = yield* readFileStates(paths, readable)
    const plan = planPatch(resolved, cwd, planned)
    if (plan._tag === "Failure") {
      yield* Effect.logWarning("patch does not apply").pipe(Effect.annotateLogs({ ...logged, error: boundedText(plan.failure) }))
      return `error: ${plan.failure}`
    }
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
    // The files may have changed while the user was deciding.
    const now = decision._tag === "Ask" ? yield* readFileStates(paths, readable) : planned
    context.turnDiff.onPatchBegin(plan.success, now)
    const applied = yield* (decision.inSandbox
      ? applyPatchInSandbox(patch, cwd, turnSandbox(context, env), context.turn.config.codexLinuxSandboxExe)
      : Effect.sync(() => applyPlan(plan.success, nodeFileOps, now))).pipe(
        Effect.tap((result) => Effect.annotateCurrentSpan("codex.success", result._tag === "Success")),
        Effect.withSpan("codex.patch", {
          attributes: { "codex.call_id": callId, "codex.files": paths.length, "codex.in_sandbox": decision.inSandbox }
        })
      )
    if (applied._tag === "Success") context.turnDiff.onPatchApplied(plan.success)
    const [stdout, stderr] = applied._tag === "Success" ? [applied.success, ""] : ["", applied.failure]
    yield* applied._tag === "Success"
      ? Effect.logInfo("patch applied").pipe(Effect.annotateLogs(logged))
      : Effect.logWarning("patch failed").pipe(Effect.annotateLogs({ ...logged, error: boundedText(applied.failure) }))
    yield* context.emit({ type: "patch_apply_end", call_id: callId, stdout, stderr, success: applied._tag === "Success" })
    const diff = context.turnDiff.unifiedDiff(cwd, yield* readFileStates(context.turnDiff.currentPaths(), readable))
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
