/**
 * The `shell` tool (agent core §3.3, §4.1, §6): decide whether the command may run (and sandboxed or
 * not), ask the user when the policy says so, run it with live output events, and tell the model what
 * happened. Patches sent through the shell (`apply_patch <<'EOF' …`) go to the apply_patch tool.
 */
import { resolve } from "node:path"
import { Effect, Schema } from "effect"
import { durationFromMillis } from "../../rpc/Event.js"
import { networkAccessOf } from "../ContextMessages.js"
import { type CommandSandbox, DEFAULT_TIMEOUT_MS, runCommand } from "../exec/CommandRunner.js"
import { buildCommandEnv } from "../exec/CommandEnvironment.js"
import { assessCommandSafety, RETRY_WITHOUT_SANDBOX_REASON, sessionKey, shouldOfferRetryWithoutSandbox } from "../exec/ExecApproval.js"
import { ExecModelText, formatExecOutputForModel } from "../exec/ModelOutput.js"
import { streamOutputDeltas } from "../exec/OutputDeltas.js"
import { parseCommand } from "../exec/ParseCommand.js"
import { findBwrap } from "../exec/Sandbox.js"
import { denialText, type Tool, type ToolCall, type ToolContext } from "../Tool.js"
import { applyPatchFromShell } from "./ApplyPatchTool.js"

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

interface ShellCall {
  readonly callId: string
  readonly command: ReadonlyArray<string>
  readonly cwd: string
  readonly timeoutMs: number
}

/** Runs the command with begin / output-delta / end events; the result is what the model reads. */
const execute = (call: ShellCall, context: ToolContext, sandbox: CommandSandbox) =>
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
    const result = yield* runCommand({
      argv: call.command,
      cwd: call.cwd,
      env: buildCommandEnv(turn.config.shellEnvironmentPolicy, process.env, {
        networkDisabled: networkAccessOf(turn.sandboxPolicy) === "restricted"
      }),
      timeoutMs: call.timeoutMs,
      sandbox,
      onOutput: streamOutputDeltas(call.callId, context.emit)
    }).pipe(Effect.result)
    if (result._tag === "Failure") {
      // The command never ran (missing program or directory, no sandbox): the end event says why.
      const message = result.failure.message
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
      return { output: undefined, formatted: ExecModelText.executionError(message) }
    }
    const output = result.success
    const formatted = formatExecOutputForModel(output)
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
  })

const runShell = (call: ToolCall, context: ToolContext): Effect.Effect<string> =>
  Effect.gen(function*() {
    const args = decodeArgs(call.input)
    if (args._tag === "Failure") {
      return `failed to parse function arguments: ${args.failure.message.replace(/\n\s*/g, " ")}`
    }
    const turn = context.turn
    const cwd = resolve(turn.cwd, args.success.workdir ?? ".")
    const patched = yield* applyPatchFromShell(args.success.command, cwd, call.callId, context)
    if (patched !== undefined) return patched
    if (args.success.command.length === 0) return ExecModelText.rejected("empty command")

    const shellCall: ShellCall = {
      callId: call.callId,
      command: args.success.command,
      cwd,
      timeoutMs: args.success.timeout_ms ?? args.success.timeout ?? DEFAULT_TIMEOUT_MS
    }
    // Probe bubblewrap only when the policy could put the command in it (the result is cached per path).
    const bwrap = turn.sandboxPolicy.mode === "danger-full-access"
      ? undefined
      : yield* findBwrap(turn.config.codexLinuxSandboxExe).pipe(Effect.result)
    const assessment = assessCommandSafety({
      command: shellCall.command,
      approvalPolicy: turn.approvalPolicy,
      sandboxPolicy: turn.sandboxPolicy,
      approvedForSession: context.session.approvedCommands,
      sandboxAvailable: bwrap === undefined || bwrap._tag === "Success" ? true : bwrap.failure,
      withEscalatedPermissions: args.success.with_escalated_permissions ?? undefined,
      justification: args.success.justification ?? undefined
    })

    switch (assessment._tag) {
      case "Reject":
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
        return (yield* execute(shellCall, context, "none")).formatted
      }
      case "AutoApprove":
        break
    }
    if (assessment.sandbox === "none" || bwrap === undefined || bwrap._tag === "Failure") {
      return (yield* execute(shellCall, context, "none")).formatted
    }
    const first = yield* execute(shellCall, context, { bwrapPath: bwrap.success, policy: turn.sandboxPolicy })
    if (first.output === undefined || !shouldOfferRetryWithoutSandbox(turn.approvalPolicy, first.output)) return first.formatted

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
    return (yield* execute(shellCall, context, "none")).formatted
  })

export const shellTool: Tool = {
  name: "shell",
  spec: {
    type: "function",
    name: "shell",
    description: "Runs a shell command and returns its output.",
    strict: false,
    parameters: {
      type: "object",
      properties: {
        command: { type: "array", items: { type: "string" }, description: "The command to execute" },
        timeout_ms: { type: "number", description: "The timeout for the command in milliseconds" },
        workdir: { type: "string", description: "The working directory to execute the command in" }
      },
      required: ["command"],
      additionalProperties: false
    }
  },
  run: runShell
}
