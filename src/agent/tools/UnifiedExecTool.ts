/**
 * `exec_command` and `write_stdin`: a command that can keep running across tool calls. `exec_command`
 * starts `<shell> -lc <cmd>` as the turn's policies allow (`CommandPolicy`, the same rules as `shell`; a
 * `cmd` that is an apply_patch heredoc goes to the apply_patch tool, as in `shell`),
 * waits up to `yield_time_ms` for it to end, and answers with the output so far and either its exit
 * code or a session id; `write_stdin` writes to that session (or only polls) and answers the same way.
 *
 * `tty: true` runs the command under `script(1)`, which gives it a pseudo-terminal without a native
 * module; without it the command gets plain pipes. Sessions belong to the task (`ExecSessions`): when
 * the turn ends, every command still running is killed, unlike the reference, which leaves them running.
 * The model's copy of the output is cut to its token budget, keeping its head and its tail; clients get
 * every chunk as events.
 */
import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { Deferred, Effect, Option, Schema } from "effect"
import {
  MAX_ARGV_CHARS,
  MAX_PATH_CHARS,
  MAX_PENDING_STDIN_BYTES,
  MAX_STDIN_WRITE_CHARS,
  overLimit
} from "../../model/ModelOutputLimits.js"
import { durationFromMillis } from "../../rpc/Event.js"
import { CommandIsolation, commandSecrets } from "../../services/CommandIsolation.js"
import { ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { networkAccessOf } from "../ContextMessages.js"
import { buildCommandEnv } from "../exec/CommandEnvironment.js"
import type { CommandSandbox } from "../exec/CommandRunner.js"
import type { ExecSession, SessionExit } from "../exec/ExecSessions.js"
import { ExecModelText, outputBudgetBytes, truncateForModel, truncateMiddleForModel } from "../exec/ModelOutput.js"
import { streamOutputDeltas } from "../exec/OutputDeltas.js"
import { parseCommand } from "../exec/ParseCommand.js"
import { underPseudoTerminal } from "../exec/PseudoTerminal.js"
import type { Tool, ToolCall, ToolContext } from "../Tool.js"
import { applyPatchFromShell } from "./ApplyPatchTool.js"
import { commandNotStarted, type FinishedOutput, runUnderPolicy } from "./CommandPolicy.js"
import { ExecCommandArgs, execCommandToolSpec, WriteStdinArgs, writeStdinToolSpec } from "./UnifiedExecToolSpec.js"

const decodeExecArgs = Schema.decodeUnknownResult(Schema.fromJsonString(ExecCommandArgs))
const decodeWriteArgs = Schema.decodeUnknownResult(Schema.fromJsonString(WriteStdinArgs))

const DEFAULT_SHELL = "/bin/bash"
const DEFAULT_MAX_OUTPUT_TOKENS = 10_000
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))
/** The reference's yield windows: a start waits 250–30000 ms (default 10 s); a write 250–30000 (default 250); a poll 5–300 s (default 5). */
const execYieldMs = (asked: number | null | undefined) => clamp(asked ?? 10_000, 250, 30_000)
const writeYieldMs = (asked: number | null | undefined, polling: boolean) =>
  polling ? clamp(asked ?? 5_000, 5_000, 300_000) : clamp(asked ?? 250, 250, 30_000)

const parseFailure = (message: string) => `failed to parse function arguments: ${message.replace(/\n\s*/g, " ")}`

/** The model's byte budget: what it asked for, within `tool_output_token_limit`, at 4 bytes a token. */
const budgetBytes = (context: ToolContext, asked: number | null | undefined) =>
  Math.min(outputBudgetBytes(context.turn.config.toolOutputTokenLimit), Math.max(1, asked ?? DEFAULT_MAX_OUTPUT_TOKENS) * 4)

/** The reference's answer layout: a chunk id, the wall time, the state, the size, then the output. */
const answer = (wallMs: number, state: string, text: string, totalBytes: number, maxBytes: number) =>
  [
    `Chunk ID: ${randomBytes(3).toString("hex")}`,
    `Wall time: ${(wallMs / 1000).toFixed(4)} seconds`,
    state,
    `Original token count: ${Math.ceil(totalBytes / 4)}`,
    `Output:`,
    truncateMiddleForModel(text, maxBytes)
  ].join("\n")

/**
 * Waits up to `yieldMs` for the session to end, then answers with its unread output. A session whose
 * end the model has now seen is forgotten.
 */
const collect = (context: ToolContext, session: ExecSession, yieldMs: number, maxBytes: number, note: (exit: FinishedOutput) => string) =>
  Effect.gen(function*() {
    const started = performance.now()
    const exit: Option.Option<SessionExit> = yield* Deferred.await(session.exited).pipe(Effect.timeoutOption(yieldMs))
    const { text, totalBytes } = session.read()
    if (Option.isNone(exit)) {
      return { output: undefined, formatted: answer(performance.now() - started, `Process running with session ID ${session.id}`, text, totalBytes, maxBytes) }
    }
    context.execSessions.remove(session.id)
    const output: FinishedOutput = { exitCode: exit.value.exitCode, aggregatedOutput: text, timedOut: false }
    const shown = text + note(output)
    return { output, formatted: answer(performance.now() - started, `Process exited with code ${exit.value.exitCode}`, shown, totalBytes, maxBytes) }
  })

const runExecCommand = (call: ToolCall, context: ToolContext): Effect.Effect<string> =>
  Effect.gen(function*() {
    const decoded = decodeExecArgs(call.input)
    if (decoded._tag === "Failure") return parseFailure(decoded.failure.message)
    const args = decoded.success
    const workdir = args.workdir ?? "."
    if (workdir.length > MAX_PATH_CHARS) return ExecModelText.rejected(overLimit("the workdir", workdir.length, MAX_PATH_CHARS, "characters"))
    if (args.cmd.trim() === "") return ExecModelText.rejected("empty command")
    if (args.cmd.length > MAX_ARGV_CHARS) return ExecModelText.rejected(overLimit("the command", args.cmd.length, MAX_ARGV_CHARS, "characters"))
    if ((args.shell ?? "").length > MAX_PATH_CHARS) {
      return ExecModelText.rejected(overLimit("the shell", args.shell!.length, MAX_PATH_CHARS, "characters"))
    }
    const cwd = resolve(context.turn.cwd, workdir)
    // What is approved and shown is the shell command; a PTY only wraps how it is launched.
    const command = [args.shell ?? DEFAULT_SHELL, args.login === false ? "-c" : "-lc", args.cmd]
    // gpt-5.x models write patches as `apply_patch <<'EOF'` commands here, as they do in `shell`.
    const patched = yield* applyPatchFromShell(command, cwd, call.callId, context)
    if (patched !== undefined) return patched
    const launched = args.tty === true ? underPseudoTerminal(command) : command
    const maxBytes = budgetBytes(context, args.max_output_tokens)
    const env = buildCommandEnv(context.turn.config.shellEnvironmentPolicy, yield* ProcessEnvironment, {
      networkDisabled: networkAccessOf(context.turn.sandboxPolicy) === "restricted",
      secrets: commandSecrets(yield* CommandIsolation, yield* ProcessEnvironment, context.turn.config)
    })

    const execute = (sandbox: CommandSandbox, noteFor: (output: FinishedOutput) => string = () => "") =>
      Effect.gen(function*() {
        yield* context.emit({ type: "exec_command_begin", call_id: call.callId, command, cwd, parsed_cmd: parseCommand(command) })
        const started = performance.now()
        const onExit = (exit: SessionExit, output: string) =>
          context.emit({
            type: "exec_command_end",
            call_id: call.callId,
            stdout: output,
            stderr: "",
            aggregated_output: output,
            exit_code: exit.exitCode,
            duration: durationFromMillis(performance.now() - started),
            formatted_output: truncateForModel(output, maxBytes)
          })
        const session = yield* context.execSessions.start(
          call.callId,
          { argv: launched, cwd, env, sandbox },
          streamOutputDeltas(call.callId, context.emit),
          onExit
        ).pipe(Effect.result)
        if (session._tag === "Failure") {
          return yield* commandNotStarted(context, call.callId, session.failure.message, started, { call_id: call.callId, cwd })
        }
        yield* Effect.logInfo("command started").pipe(Effect.annotateLogs({ call_id: call.callId, session_id: session.success.id, cwd, tty: args.tty === true }))
        return yield* collect(context, session.success, execYieldMs(args.yield_time_ms), maxBytes, noteFor)
      })

    return yield* runUnderPolicy(
      {
        callId: call.callId,
        command,
        cwd,
        withEscalatedPermissions: args.sandbox_permissions === "require_escalated" ? true : undefined,
        justification: args.justification ?? undefined
      },
      context,
      execute
    )
  })

const runWriteStdin = (call: ToolCall, context: ToolContext): Effect.Effect<string> =>
  Effect.gen(function*() {
    const decoded = decodeWriteArgs(call.input)
    if (decoded._tag === "Failure") return parseFailure(decoded.failure.message)
    const args = decoded.success
    const session = context.execSessions.get(args.session_id)
    if (session === undefined) return `write_stdin failed: Unknown process id ${args.session_id}`
    const chars = args.chars ?? ""
    if (chars.length > MAX_STDIN_WRITE_CHARS) {
      return `write_stdin failed: ${overLimit("one write", chars.length, MAX_STDIN_WRITE_CHARS, "characters")}; write in smaller parts, or put the text in a file`
    }
    const pending = session.pendingInputBytes() + Buffer.byteLength(chars)
    if (pending > MAX_PENDING_STDIN_BYTES) {
      return `write_stdin failed: ${overLimit(`the input waiting for session ${args.session_id} to read it`, pending, MAX_PENDING_STDIN_BYTES, "bytes")}; ` +
        "the command is not reading its stdin: poll with empty chars, or end it"
    }
    const yieldMs = writeYieldMs(args.yield_time_ms, chars === "")
    if (chars !== "") {
      // A command that does not read leaves the write pending once the pipe is full: it waits no longer than the poll.
      const written = yield* session.write(chars).pipe(Effect.timeoutOption(yieldMs))
      if (Option.isSome(written) && !written.value) return `write_stdin failed: stdin of session ${args.session_id} is closed`
    }
    const result = yield* collect(context, session, yieldMs, budgetBytes(context, args.max_output_tokens), () => "")
    return result.formatted
  })

export const execCommandTool: Tool = { name: "exec_command", spec: execCommandToolSpec, run: runExecCommand }
export const writeStdinTool: Tool = { name: "write_stdin", spec: writeStdinToolSpec, run: runWriteStdin }
