/**
 * The `shell` tool (agent core §3.3, §4.1, §6): decide whether the command may run (and sandboxed or
 * not), ask the user when the policy says so, run it with live output events, and tell the model what
 * happened. Patches sent through the shell (`apply_patch <<'EOF' …`) go to the apply_patch tool.
 */
import { resolve } from "node:path"
import { Effect, Schema } from "effect"
import { durationFromMillis } from "../../rpc/Event.js"
import { commandEnvironment } from "../exec/CommandEnvironment.js"
import { decideCommand, sessionKey } from "../exec/ExecApproval.js"
import { formatExecOutput } from "../exec/ModelOutput.js"
import { type ExecOutput, runCommand } from "../exec/RunCommand.js"
import { detectSandbox, sandboxedArgv } from "../exec/Sandbox.js"
import { shlexJoin } from "../exec/ShellQuote.js"
import { networkAccessOf } from "../ContextMessages.js"
import type { Tool, ToolCall, ToolContext } from "../Tool.js"
import { applyPatchFromShell } from "./ApplyPatchTool.js"

const DEFAULT_TIMEOUT_MS = 10_000
/** At most this many output-delta events per command (as the reference); the output itself is still kept. */
const MAX_DELTA_EVENTS = 10_000

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
const execute = (call: ShellCall, context: ToolContext, sandbox: { readonly bwrap: string } | undefined) =>
  Effect.gen(function*() {
    const turn = context.turn
    yield* context.emit({
      type: "exec_command_begin",
      call_id: call.callId,
      command: call.command,
      cwd: call.cwd,
      parsed_cmd: [{ type: "unknown", cmd: shlexJoin(call.command) }]
    })
    let deltas = 0
    const env = commandEnvironment(turn.config.shellEnvironmentPolicy, process.env, {
      networkDisabled: networkAccessOf(turn.sandboxPolicy) === "restricted"
    })
    const output = yield* runCommand({
      argv: sandbox === undefined ? call.command : sandboxedArgv(sandbox.bwrap, turn.sandboxPolicy, call.cwd, call.command, env),
      cwd: call.cwd,
      env,
      timeoutMs: call.timeoutMs,
      onOutput: (stream, chunk) =>
        ++deltas > MAX_DELTA_EVENTS ? Effect.void : context.emit({
          type: "exec_command_output_delta",
          call_id: call.callId,
          stream,
          chunk: Buffer.from(chunk).toString("base64")
        })
    })
    const shown = output.timedOut ? { ...output, aggregated: `${output.aggregated}\ncommand timed out after ${call.timeoutMs} milliseconds` } : output
    const formatted = formatExecOutput(shown)
    yield* context.emit({
      type: "exec_command_end",
      call_id: call.callId,
      stdout: output.stdout,
      stderr: output.timedOut ? `${output.stderr}error: command timed out` : output.stderr,
      aggregated_output: shown.aggregated,
      exit_code: output.exitCode,
      duration: durationFromMillis(output.durationMs),
      formatted_output: formatted
    })
    return { output, formatted }
  })

/** A sandboxed failure that is not "command not found" may be the sandbox's doing (agent core §6.1). */
const mayBeSandboxDenial = (output: ExecOutput) => !output.timedOut && output.exitCode !== 0 && output.exitCode !== 127

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
    if (args.success.command.length === 0) return "exec command rejected: empty command"

    const shellCall: ShellCall = {
      callId: call.callId,
      command: args.success.command,
      cwd,
      timeoutMs: args.success.timeout_ms ?? args.success.timeout ?? DEFAULT_TIMEOUT_MS
    }
    const decision = decideCommand({
      command: shellCall.command,
      approvalPolicy: turn.approvalPolicy,
      sandboxPolicy: turn.sandboxPolicy,
      approvedForSession: context.session.approvedCommands,
      withEscalatedPermissions: args.success.with_escalated_permissions ?? undefined,
      justification: args.success.justification ?? undefined
    })

    if (decision._tag === "Reject") return `exec command rejected: ${decision.reason}`
    if (decision._tag === "Ask") {
      const answer = yield* context.requestApproval({
        kind: "exec",
        callId: call.callId,
        command: shellCall.command,
        cwd,
        reason: decision.reason
      })
      if (answer === "denied" || answer === "abort") return "exec command rejected by user"
      if (answer === "approved_for_session") context.session.approvedCommands.add(sessionKey(shellCall.command))
      return (yield* execute(shellCall, context, undefined)).formatted
    }
    if (!decision.sandboxed) return (yield* execute(shellCall, context, undefined)).formatted

    const sandbox = detectSandbox(turn.config.codexLinuxSandboxExe)
    if (sandbox._tag === "Unavailable") return `exec command rejected: ${sandbox.message}`
    const first = yield* execute(shellCall, context, sandbox)
    if (turn.approvalPolicy !== "on-failure" || !mayBeSandboxDenial(first.output)) return first.formatted

    yield* context.emit({ type: "background_event", message: `Execution failed: exit code ${first.output.exitCode}` })
    const retry = yield* context.requestApproval({
      kind: "exec",
      callId: call.callId,
      command: shellCall.command,
      cwd,
      reason: "command failed; retry without sandbox?"
    })
    if (retry === "denied" || retry === "abort") return "exec command rejected by user"
    context.session.approvedCommands.add(sessionKey(shellCall.command))
    yield* context.emit({ type: "background_event", message: "retrying command without sandbox" })
    return (yield* execute(shellCall, context, undefined)).formatted
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
