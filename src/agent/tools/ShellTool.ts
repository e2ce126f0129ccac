/**
 * The `shell` tool: decide whether the command may run (and sandboxed or not), ask the user when the
 * policy says so, run it with live output events, and tell the model what happened. Patches sent
 * through the shell (`apply_patch <<'EOF' …`) go to the apply_patch tool.
 *
 * The model's `workdir` is untrusted: it only decides where the command starts. What the sandbox
 * lets it write comes from the turn (`WorkspaceRoots`). Every command runs inside bubblewrap when it
 * can, with full access only what the policy or the user allowed; a missing bubblewrap is reported
 * to the client (a `background_event`) and in the log, not only to the model.
 */
import { resolve } from "node:path"
import { Context, Effect, Ref, Schema } from "effect"
import type { SandboxPolicy } from "../../rpc/Enums.js"
import { type Environment, ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { CommandIsolation, commandSecrets } from "../../services/CommandIsolation.js"
import { MAX_ARGV_CHARS, MAX_ARGV_ITEMS, MAX_PATH_CHARS, overLimit } from "../../model/ModelOutputLimits.js"
import { durationFromMillis } from "../../rpc/Event.js"
import { networkAccessOf } from "../ContextMessages.js"
import { type CommandSandbox, DEFAULT_TIMEOUT_MS, runCommand } from "../exec/CommandRunner.js"
import { buildCommandEnv } from "../exec/CommandEnvironment.js"
import { assessCommandSafety, RETRY_WITHOUT_SANDBOX_REASON, sessionKey, shouldOfferRetryWithoutSandbox } from "../exec/ExecApproval.js"
import { ExecModelText, formatExecOutputForModel, outputBudgetBytes } from "../exec/ModelOutput.js"
import { streamOutputDeltas } from "../exec/OutputDeltas.js"
import { parseCommand } from "../exec/ParseCommand.js"
import { isKnownSafeCommand } from "../exec/SafeCommands.js"
import { findBwrap, type SandboxSpec } from "../exec/Sandbox.js"
import { sandboxDenialNote } from "../exec/SandboxDenialNote.js"
import { leftOutRootsMessage, refusedRootsMessage, rootsEnvOf, workspaceRoots } from "../exec/WorkspaceRoots.js"
import { boundedArgv } from "../LogText.js"
import { denialText, type Tool, type ToolCall, type ToolContext } from "../Tool.js"
import type { TurnContext } from "../TurnContext.js"
import { applyPatchFromShell } from "./ApplyPatchTool.js"
import { shellToolSpec } from "./ShellToolSpec.js"

const ShellArgs = Schema.Struct({
  command: Schema.Array(Schema.String),
  workdir: Schema.optionalKey(Schema.NullOr(Schema.String)),
  timeout_ms: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  /** The reference tests' alias of `timeout_ms`. */
  timeout: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  with_escalated_permissions: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  justification: Schema.optionalKey(Schema.NullOr(Schema.String))
})
const decodeArgs = Schema.decodeUnknownResult(Schema.fromJsonString(ShellArgs))

/** The arguments as offered to the model; `ShellArgs` also reads the nulls and aliases models send. */

interface ShellCall {
  readonly callId: string
  readonly command: ReadonlyArray<string>
  readonly cwd: string
  readonly timeoutMs: number
}

/**
 * Runs the command with begin / output-delta / end events; the result is what the model reads.
 * `noteFor` may add a line for the model about the sandbox after a failure.
 */
const execute = (
  call: ShellCall,
  context: ToolContext,
  sandbox: CommandSandbox,
  noteFor: (output: { readonly exitCode: number; readonly aggregatedOutput: string }) => string = () => ""
) =>
  Effect.gen(function*() {
    const turn = context.turn
    yield* context.emit({
      type: "exec_command_begin",
      call_id: call.callId,
      command: call.command,
      cwd: call.cwd,
      parsed_cmd: parseCommand(call.command)
    })
    const started = performance.now()
    const logged = {
      call_id: call.callId,
      argv: boundedArgv(call.command),
      cwd: call.cwd,
      sandbox: sandbox === "none" ? "none" : sandbox.spec.policy.mode
    }
    const result = yield* runCommand({
      argv: call.command,
      cwd: call.cwd,
      env: buildCommandEnv(turn.config.shellEnvironmentPolicy, yield* ProcessEnvironment, {
        networkDisabled: networkAccessOf(turn.sandboxPolicy) === "restricted",
        secrets: commandSecrets(yield* CommandIsolation, yield* ProcessEnvironment, turn.config)
      }),
      timeoutMs: call.timeoutMs,
      sandbox,
      onOutput: streamOutputDeltas(call.callId, context.emit)
    }).pipe(Effect.result)
    if (result._tag === "Failure") {
      // The command never ran (missing program or directory, no sandbox): the end event says why.
      const message = result.failure.message
      yield* Effect.logWarning("command failed to start").pipe(Effect.annotateLogs({ ...logged, error: message }))
      yield* context.emit({
        type: "exec_command_end",
        call_id: call.callId,
        stdout: "",
        stderr: message,
        aggregated_output: message,
        exit_code: -1,
        duration: durationFromMillis(performance.now() - started),
        formatted_output: ExecModelText.executionError(message)
      })
      yield* Effect.annotateCurrentSpan({ "process.exit.code": -1, error: message })
      return { output: undefined, formatted: ExecModelText.executionError(message) }
    }
    const output = result.success
    yield* Effect.annotateCurrentSpan({
      "process.exit.code": output.exitCode,
      "codex.duration_ms": Math.round(output.durationMs),
      "codex.timed_out": output.timedOut
    })
    yield* Effect.logInfo("command finished").pipe(Effect.annotateLogs({
      ...logged,
      exit_code: output.exitCode,
      duration_ms: Math.round(output.durationMs),
      ...(output.timedOut ? { timed_out: true } : {})
    }))
    const formatted = formatExecOutputForModel(
      { ...output, aggregatedOutput: output.aggregatedOutput + noteFor(output) },
      outputBudgetBytes(context.turn.config.toolOutputTokenLimit)
    )
    yield* context.emit({
      type: "exec_command_end",
      call_id: call.callId,
      stdout: output.stdout,
      stderr: output.timedOut ? `${output.stderr}error: command timed out` : output.stderr,
      aggregated_output: output.aggregatedOutput,
      exit_code: output.exitCode,
      duration: durationFromMillis(output.durationMs),
      formatted_output: formatted
    })
    return { output, formatted }
  }).pipe(Effect.withSpan("codex.command", {
    attributes: {
      "codex.call_id": call.callId,
      "process.command": call.command[0] ?? "",
      "process.command_args": boundedArgv(call.command),
      "process.cwd": call.cwd,
      "codex.sandbox": sandbox === "none" ? "none" : sandbox.spec.policy.mode
    }
  }))

/**
 * The sandbox of `policy` for this turn: writable roots from the turn's cwd, checked against what the
 * conversation first saw, CODEX_HOME hidden.
 */
const sandboxSpec = (context: ToolContext, policy: SandboxPolicy, env: Environment): SandboxSpec => ({
  policy,
  workspace: context.turn.cwd,
  codexHome: context.turn.config.codexHome,
  env: rootsEnvOf(env),
  identities: context.session.roots
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

/**
 * Why a command is over the argv caps (items, characters), or undefined. Checked after `apply_patch`
 * is recognised: a patch is applied in-process, never exec'd, and is bounded by the tool-input cap.
 */
const oversizedCommandReason = (command: ReadonlyArray<string>): string | undefined => {
  if (command.length > MAX_ARGV_ITEMS) return overLimit("the command", command.length, MAX_ARGV_ITEMS, "arguments")
  const chars = command.reduce((sum, arg) => sum + arg.length, 0)
  return chars > MAX_ARGV_CHARS ? overLimit("the command", chars, MAX_ARGV_CHARS, "characters") : undefined
}

const runShell = (call: ToolCall, context: ToolContext): Effect.Effect<string> =>
  Effect.gen(function*() {
    const args = decodeArgs(call.input)
    if (args._tag === "Failure") {
      return `failed to parse function arguments: ${args.failure.message.replace(/\n\s*/g, " ")}`
    }
    const turn = context.turn
    const workdir = args.success.workdir ?? "."
    if (workdir.length > MAX_PATH_CHARS) return ExecModelText.rejected(overLimit("the workdir", workdir.length, MAX_PATH_CHARS, "characters"))
    // Where the command starts; never what it may write (that is the turn's, see `sandboxSpec`).
    const cwd = resolve(turn.cwd, workdir)
    const patched = yield* applyPatchFromShell(args.success.command, cwd, call.callId, context)
    if (patched !== undefined) return patched
    const oversized = oversizedCommandReason(args.success.command)
    if (oversized !== undefined) return ExecModelText.rejected(oversized)
    if (args.success.command.length === 0) return ExecModelText.rejected("empty command")

    const shellCall: ShellCall = {
      callId: call.callId,
      command: args.success.command,
      cwd,
      timeoutMs: args.success.timeout_ms ?? args.success.timeout ?? DEFAULT_TIMEOUT_MS
    }
    // Every mode uses bubblewrap (full access for containment only); the probe is cached per path.
    const bwrap = yield* findBwrap(turn.config.codexLinuxSandboxExe).pipe(Effect.result)
    const sandboxedMode = turn.sandboxPolicy.mode !== "danger-full-access"
    if (bwrap._tag === "Failure" && sandboxedMode) {
      yield* Effect.logWarning(bwrap.failure.message)
      yield* context.emit({ type: "background_event", message: bwrap.failure.message })
    }
    const assessment = assessCommandSafety({
      command: shellCall.command,
      approvalPolicy: turn.approvalPolicy,
      sandboxPolicy: turn.sandboxPolicy,
      approvedForSession: context.session.approvedCommands,
      sandboxAvailable: bwrap._tag === "Success" ? true : bwrap.failure,
      withEscalatedPermissions: args.success.with_escalated_permissions ?? undefined,
      justification: args.success.justification ?? undefined
    })

    /** Full access (what the user approved, or the policy): contained by bubblewrap when it works. */
    const runUnsandboxed = Effect.gen(function*() {
      if (bwrap._tag === "Success") {
        return yield* execute(shellCall, context, { bwrapPath: bwrap.success, spec: sandboxSpec(context, { mode: "danger-full-access" }, yield* ProcessEnvironment) })
      }
      yield* warnUncontained(bwrap.failure.message)
      return yield* execute(shellCall, context, "none")
    })

    switch (assessment._tag) {
      case "Reject":
        yield* Effect.logInfo("command rejected").pipe(
          Effect.annotateLogs({ call_id: call.callId, argv: boundedArgv(shellCall.command), reason: assessment.reason })
        )
        return ExecModelText.rejected(assessment.reason)
      case "AskUser": {
        const answer = yield* context.requestApproval({
          kind: "exec",
          callId: call.callId,
          command: shellCall.command,
          cwd,
          reason: assessment.reason
        })
        if (answer.decision === "denied" || answer.decision === "abort") {
          return denialText(answer, ExecModelText.rejectedByUser, ExecModelText.rejected)
        }
        if (answer.decision === "approved_for_session") context.session.approvedCommands.add(sessionKey(shellCall.command))
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
    const note = (output: { readonly exitCode: number; readonly aggregatedOutput: string }) =>
      sandboxDenialNote(spec.policy, roots.writable, output, turn.approvalPolicy === "on-request")
    const first = yield* execute(shellCall, context, { bwrapPath: bwrap.success, spec }, note)
    const command = { knownSafe: isKnownSafeCommand(shellCall.command), sessionApproved: assessment.sessionApproved === true }
    if (first.output === undefined || !shouldOfferRetryWithoutSandbox(turn.approvalPolicy, first.output, command)) {
      return first.formatted
    }

    yield* context.emit({ type: "background_event", message: `Execution failed: exit code ${first.output.exitCode}` })
    const retry = yield* context.requestApproval({
      kind: "exec",
      callId: call.callId,
      command: shellCall.command,
      cwd,
      reason: RETRY_WITHOUT_SANDBOX_REASON
    })
    if (retry.decision === "denied" || retry.decision === "abort") {
      return denialText(retry, ExecModelText.rejectedByUser, ExecModelText.rejected)
    }
    context.session.approvedCommands.add(sessionKey(shellCall.command))
    yield* context.emit({ type: "background_event", message: "retrying command without sandbox" })
    return (yield* runUnsandboxed).formatted
  })

/** The `shell` tool with its plain spec, as offered outside `on-request`. */
export const shellTool: Tool = {
  name: "shell",
  spec: shellToolSpec("never", { mode: "danger-full-access" }),
  run: runShell
}

/** The `shell` tool for a turn: under `on-request` in a sandbox, its spec offers escalation. */
export const shellToolFor = (turn: TurnContext): Tool => ({
  ...shellTool,
  spec: shellToolSpec(turn.approvalPolicy, turn.sandboxPolicy)
})
