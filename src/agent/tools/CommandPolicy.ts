/**
 * What every command tool (`shell`, `exec_command`) does before and around running a command: decide
 * whether it may run and in which sandbox, ask the user when the policy says so, refuse roots that
 * changed, warn once about what the settings leave out, and offer a retry without the sandbox after a
 * sandboxed failure. The tool supplies how to run the command (`CommandExecution`); the rules are here
 * once, so no command tool can skip them.
 *
 * The model's `workdir` is untrusted: it only decides where the command starts. What the sandbox
 * lets it write comes from the turn (`WorkspaceRoots`). A missing bubblewrap is reported to the
 * client (a `background_event`) and in the log, not only to the model.
 */
import { Context, Effect, Ref } from "effect"
import type { SandboxPolicy } from "../../rpc/Enums.js"
import { durationFromMillis } from "../../rpc/Event.js"
import { type Environment, ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import type { CommandSandbox } from "../exec/CommandRunner.js"
import { assessCommandSafety, RETRY_WITHOUT_SANDBOX_REASON, sessionKey, shouldOfferRetryWithoutSandbox } from "../exec/ExecApproval.js"
import { ExecModelText } from "../exec/ModelOutput.js"
import { isKnownSafeCommand } from "../exec/SafeCommands.js"
import { findBwrap, type SandboxSpec } from "../exec/Sandbox.js"
import { sandboxDenialNote } from "../exec/SandboxDenialNote.js"
import { leftOutRootsMessage, refusedRootsMessage, rootsEnvOf, workspaceRoots } from "../exec/WorkspaceRoots.js"
import { boundedArgv } from "../LogText.js"
import { denialText, type ToolContext } from "../Tool.js"

/** The command a tool wants to run, with the model's escalation request if any. */
export interface PolicyCommand {
  readonly callId: string
  readonly command: ReadonlyArray<string>
  readonly cwd: string
  readonly withEscalatedPermissions?: boolean | undefined
  readonly justification?: string | undefined
}

/** A finished command's status, as far as the retry offer and the sandbox note need it. */
export interface FinishedOutput {
  readonly exitCode: number
  readonly aggregatedOutput: string
  readonly timedOut: boolean
}

/**
 * Runs the command in `sandbox`; `noteFor` may add a line for the model about the sandbox after a
 * failure. `output` is undefined when the command did not finish (it never started, or keeps running).
 */
export type CommandExecution = (
  sandbox: CommandSandbox,
  noteFor?: (output: FinishedOutput) => string
) => Effect.Effect<{ readonly output: FinishedOutput | undefined; readonly formatted: string }>

/**
 * The sandbox of `policy` for this turn: writable roots from the turn's cwd, checked against what the
 * conversation first saw, CODEX_HOME hidden.
 */
const sandboxSpec = (context: ToolContext, policy: SandboxPolicy, env: Environment): SandboxSpec => ({
  policy,
  workspace: context.turn.cwd,
  codexHome: context.turn.config.codexHome,
  env: rootsEnvOf(env),
  identities: context.session.roots,
  maxProcesses: context.turn.config.sandboxMaxProcesses
})

/** Whether the warning below was logged; by default once per process, a program may provide its own. */
export const UncontainedWarned = Context.Reference<Ref.Ref<boolean>>("codex-effect/UncontainedWarned", {
  defaultValue: () => Ref.makeUnsafe(false)
})

/** Logged once: full access without bubblewrap cannot contain a command's process tree. */
const warnUncontained = (reason: string) =>
  Effect.gen(function*() {
    const warned = yield* Ref.getAndSet(yield* UncontainedWarned, true)
    if (warned) return
    yield* Effect.logWarning(
      `bubblewrap is unavailable, so danger-full-access commands run without process containment: a ` +
        `\`setsid\`/\`nohup\` child can outlive its command and CODEX_HOME is readable. ${reason}`
    )
  })

/** Runs `request` as the turn's policies and the user allow, through `execute`; the result is what the model reads. */
export const runUnderPolicy = (request: PolicyCommand, context: ToolContext, execute: CommandExecution): Effect.Effect<string> =>
  Effect.gen(function*() {
    const turn = context.turn
    // Every mode uses bubblewrap (full access for containment only); the probe is cached per path.
    const bwrap = yield* findBwrap(turn.config.codexLinuxSandboxExe).pipe(Effect.result)
    const sandboxedMode = turn.sandboxPolicy.mode !== "danger-full-access"
    if (bwrap._tag === "Failure" && sandboxedMode) {
      yield* Effect.logWarning(bwrap.failure.message)
      yield* context.emit({ type: "background_event", message: bwrap.failure.message })
    }
    const assessment = assessCommandSafety({
      command: request.command,
      approvalPolicy: turn.approvalPolicy,
      sandboxPolicy: turn.sandboxPolicy,
      approvedForSession: context.session.approvedCommands,
      sandboxAvailable: bwrap._tag === "Success" ? true : bwrap.failure,
      withEscalatedPermissions: request.withEscalatedPermissions,
      justification: request.justification
    })

    /** Full access (what the user approved, or the policy): contained by bubblewrap when it works. */
    const runUnsandboxed = Effect.gen(function*() {
      if (bwrap._tag === "Success") {
        return yield* execute({ bwrapPath: bwrap.success, spec: sandboxSpec(context, { mode: "danger-full-access" }, yield* ProcessEnvironment) })
      }
      yield* warnUncontained(bwrap.failure.message)
      return yield* execute("none")
    })

    switch (assessment._tag) {
      case "Reject":
        yield* Effect.logInfo("command rejected").pipe(
          Effect.annotateLogs({ call_id: request.callId, argv: boundedArgv(request.command), reason: assessment.reason })
        )
        return ExecModelText.rejected(assessment.reason)
      case "AskUser": {
        const answer = yield* context.requestApproval({
          kind: "exec",
          callId: request.callId,
          command: request.command,
          cwd: request.cwd,
          reason: assessment.reason
        })
        if (answer.decision === "denied" || answer.decision === "abort") {
          return denialText(answer, ExecModelText.rejectedByUser, ExecModelText.rejected)
        }
        if (answer.decision === "approved_for_session") context.session.approvedCommands.add(sessionKey(request.command))
        return (yield* runUnsandboxed).formatted
      }
      case "AutoApprove":
        break
    }
    if (assessment.sandbox === "none" || bwrap._tag === "Failure") return (yield* runUnsandboxed).formatted

    const spec = sandboxSpec(context, turn.sandboxPolicy, yield* ProcessEnvironment)
    const roots = workspaceRoots(spec.policy, spec.workspace, spec.env ?? {})
    const leftOut = roots.leftOut.length > 0 ? leftOutRootsMessage(roots.leftOut) : undefined
    if (leftOut !== undefined && !context.session.saidWarnings.has(leftOut)) {
      context.session.saidWarnings.add(leftOut)
      yield* Effect.logWarning(leftOut)
      yield* context.emit({ type: "background_event", message: leftOut })
    }
    if (roots.refused.length > 0) {
      const message = refusedRootsMessage(roots.refused)
      yield* Effect.logWarning(message)
      yield* context.emit({ type: "background_event", message })
      return ExecModelText.rejected(message)
    }
    const note = (output: FinishedOutput) => sandboxDenialNote(spec.policy, roots.writable, output, turn.approvalPolicy === "on-request")
    const first = yield* execute({ bwrapPath: bwrap.success, spec }, note)
    const command = { knownSafe: isKnownSafeCommand(request.command), sessionApproved: assessment.sessionApproved === true }
    if (first.output === undefined || !shouldOfferRetryWithoutSandbox(turn.approvalPolicy, first.output, command)) {
      return first.formatted
    }

    yield* context.emit({ type: "background_event", message: `Execution failed: exit code ${first.output.exitCode}` })
    const retry = yield* context.requestApproval({
      kind: "exec",
      callId: request.callId,
      command: request.command,
      cwd: request.cwd,
      reason: RETRY_WITHOUT_SANDBOX_REASON
    })
    if (retry.decision === "denied" || retry.decision === "abort") {
      return denialText(retry, ExecModelText.rejectedByUser, ExecModelText.rejected)
    }
    context.session.approvedCommands.add(sessionKey(request.command))
    yield* context.emit({ type: "background_event", message: "retrying command without sandbox" })
    return (yield* runUnsandboxed).formatted
  })

/**
 * A command that never ran (missing program or directory, no sandbox): the log line, the end event that says
 * why, and what the model reads. `startedMs` is `performance.now()` when the attempt began.
 */
export const commandNotStarted = (context: ToolContext, callId: string, message: string, startedMs: number, logged: object) =>
  Effect.gen(function*() {
    yield* Effect.logWarning("command failed to start").pipe(Effect.annotateLogs({ ...logged, error: message }))
    yield* context.emit({
      type: "exec_command_end",
      call_id: callId,
      stdout: "",
      stderr: message,
      aggregated_output: message,
      exit_code: -1,
      duration: durationFromMillis(performance.now() - startedMs),
      formatted_output: ExecModelText.executionError(message)
    })
    return { output: undefined, formatted: ExecModelText.executionError(message) }
  })
