/**
 * The `shell` tool: run the command to its end with live output events, as the turn's policies allow
 * (`CommandPolicy`), and tell the model what happened. Patches sent through the shell
 * (`apply_patch <<'EOF' …`) go to the apply_patch tool.
 */
import { resolve } from "node:path"
import { Effect, Schema } from "effect"
import { CommandIsolation, commandSecrets } from "../../services/CommandIsolation.js"
import { ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { MAX_ARGV_CHARS, MAX_ARGV_ITEMS, MAX_PATH_CHARS, overLimit } from "../../model/ModelOutputLimits.js"
import { durationFromMillis } from "../../rpc/Event.js"
import { networkAccessOf } from "../ContextMessages.js"
import { type CommandSandbox, DEFAULT_TIMEOUT_MS, runCommand } from "../exec/CommandRunner.js"
import { buildCommandEnv } from "../exec/CommandEnvironment.js"
import { ExecModelText, formatExecOutputForModel, outputBudgetBytes } from "../exec/ModelOutput.js"
import { streamOutputDeltas } from "../exec/OutputDeltas.js"
import { parseCommand } from "../exec/ParseCommand.js"
import { boundedArgv } from "../LogText.js"
import type { Tool, ToolCall, ToolContext } from "../Tool.js"
import type { TurnContext } from "../TurnContext.js"
import { applyPatchFromShell } from "./ApplyPatchTool.js"
import { commandNotStarted, type FinishedOutput, runUnderPolicy } from "./CommandPolicy.js"
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
  noteFor: (output: FinishedOutput) => string = () => ""
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
      yield* Effect.annotateCurrentSpan({ "process.exit.code": -1, error: message })
      return yield* commandNotStarted(context, call.callId, message, started, logged)
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
    // Where the command starts; never what it may write (that is the turn's, see `CommandPolicy`).
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
    return yield* runUnderPolicy(
      {
        callId: call.callId,
        command: shellCall.command,
        cwd,
        withEscalatedPermissions: args.success.with_escalated_permissions ?? undefined,
        justification: args.success.justification ?? undefined
      },
      context,
      (sandbox, noteFor) => execute(shellCall, context, sandbox, noteFor)
    )
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
