/**
 * One command run outside any turn, for the app-server's `command/exec`: in the sandbox of the given
 * policy (bubblewrap, as a turn's commands; the workspace is the command's cwd), with the environment a
 * turn's command gets (the shell environment policy, the server's secrets withheld) plus the client's
 * overrides, a timeout and a per-stream cap on what is kept (the head, as the reference keeps). No
 * approval is asked: the client asking is the user. Without bubblewrap only `danger-full-access` runs.
 *
 * A command can also be driven while it runs (an IDE's terminal): its output streamed instead of
 * buffered, its stdin kept open, a pseudo-terminal, and a handle to write, resize or end it.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { type CommandSandbox, DEFAULT_TIMEOUT_MS, type OutputStream, runCommand, type Spawned } from "../agent/exec/CommandRunner.js"
import { buildCommandEnv } from "../agent/exec/CommandEnvironment.js"
import { resizePseudoTerminal, type TerminalSize, underPseudoTerminal } from "../agent/exec/PseudoTerminal.js"
import { findBwrap } from "../agent/exec/Sandbox.js"
import { rootsEnvOf } from "../agent/exec/WorkspaceRoots.js"
import type { SandboxPolicy } from "../rpc/Enums.js"
import { CommandIsolation, commandSecrets } from "./CommandIsolation.js"
import { Config } from "./Config.js"
import { ProcessEnvironment } from "./ProcessEnvironment.js"

/** Bytes kept per stream when the client names no cap. */
export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024
/**
 * Bytes kept per stream when the client lifts the cap (`disableOutputCap`) of a buffered command: what
 * is buffered stays bounded (streamed output is not buffered, so it has no ceiling).
 */
export const MAX_BUFFERED_OUTPUT_BYTES = 64 * 1024 * 1024

export class StandaloneCommandError extends Schema.TaggedError<StandaloneCommandError>()("StandaloneCommandError", {
  message: Schema.String
}) {}

export interface StandaloneCommand {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly policy: SandboxPolicy
  /** Set a variable, or unset it with `null`. */
  readonly env: Readonly<Record<string, string | null>>
  /** `"never"`: no timeout (the command ends with the connection that started it, or when terminated). */
  readonly timeoutMs?: number | "never" | undefined
  /** Bytes kept (or streamed) per stream; `"none"`: streamed in full, buffered up to `MAX_BUFFERED_OUTPUT_BYTES`. */
  readonly outputBytesCap?: number | "none" | undefined
  /** Run on a pseudo-terminal (stdin open, stderr joined to stdout), of this size when given. */
  readonly tty?: { readonly size?: TerminalSize | undefined } | undefined
  /** Keep stdin open for `RunningCommand.write`. */
  readonly streamStdin?: boolean | undefined
  /**
   * Hand the output here as it arrives instead of returning it; `capReached` marks the last chunk of a
   * stream that the cap let through.
   */
  readonly onOutput?: ((stream: OutputStream, chunk: Uint8Array, capReached: boolean) => Effect.Effect<void>) | undefined
  /** Called once the command runs, with its handle. */
  readonly onStarted?: ((command: RunningCommand) => Effect.Effect<void>) | undefined
}

/** A command that is running, as its client drives it. */
export interface RunningCommand {
  /** Writes to stdin, then closes it when `close`; fails when stdin is not open. */
  readonly write: (bytes: Uint8Array, close: boolean) => Effect.Effect<void, StandaloneCommandError>
  readonly resize: (size: TerminalSize) => Effect.Effect<void, StandaloneCommandError>
  /** SIGKILL to the command's whole process group: it ends with exit code 137. */
  readonly terminate: Effect.Effect<void>
}

export interface StandaloneResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * What one streamed stream may still let through. The chunk the cap cuts carries `capReached`; when a
 * chunk filled the cap exactly and more output follows, an empty chunk carries it.
 */
class StreamCap {
  private signalled = false
  constructor(private left: number) {}
  /** What to send of `chunk`, or nothing once the cap was reached and said. */
  take(chunk: Uint8Array): { readonly kept: Uint8Array; readonly capReached: boolean } | undefined {
    if (this.signalled) return undefined
    if (chunk.byteLength <= this.left) {
      this.left -= chunk.byteLength
      return { kept: chunk, capReached: false }
    }
    this.signalled = true
    const kept = chunk.subarray(0, this.left)
    this.left = 0
    return { kept, capReached: true }
  }
}

/** Bytes written to a command's stdin that it has not read yet, at most: a client cannot fill the server's memory. */
export const MAX_PENDING_STDIN_BYTES = 1024 * 1024

const runningCommand = (spawned: Spawned, env: NodeJS.ProcessEnv): RunningCommand => ({
  write: (bytes, close) =>
    Effect.callback<void, StandaloneCommandError>((resume) => {
      const stdin = spawned.child.stdin
      if (stdin === null || !stdin.writable) return resume(Effect.fail(new StandaloneCommandError({ message: "stdin is closed" })))
      if (stdin.writableLength + bytes.byteLength > MAX_PENDING_STDIN_BYTES) {
        return resume(Effect.fail(new StandaloneCommandError({
          message: `stdin is full: the command has not read ${stdin.writableLength} bytes written before (at most ${MAX_PENDING_STDIN_BYTES} may wait)`
        })))
      }
      // Answered once the bytes are handed to the pipe, not once the command read them (it may never).
      if (bytes.byteLength > 0) stdin.write(bytes)
      if (close) stdin.end()
      resume(Effect.void)
    }),
  resize: (size) =>
    spawned.child.pid === undefined
      ? Effect.fail(new StandaloneCommandError({ message: "failed to resize PTY: the command is not running" }))
      : resizePseudoTerminal(spawned.child.pid, size, env).pipe(
        Effect.mapError((reason) => new StandaloneCommandError({ message: `failed to resize PTY: ${reason}` }))
      ),
  terminate: Effect.sync(() => spawned.killGroup())
})

export class StandaloneCommands extends Context.Service<StandaloneCommands, {
  readonly run: (command: StandaloneCommand) => Effect.Effect<StandaloneResult, StandaloneCommandError>
}>()("codex-effect/StandaloneCommands") {
  static readonly layer = Layer.effect(StandaloneCommands, Effect.gen(function*() {
    const config = (yield* Config).base
    const processEnv = yield* ProcessEnvironment
    const isolation = yield* CommandIsolation

    const sandboxOf = (policy: SandboxPolicy, cwd: string) =>
      findBwrap(config.codexLinuxSandboxExe).pipe(
        Effect.map((bwrapPath): CommandSandbox => ({
          bwrapPath,
          spec: { policy, workspace: cwd, codexHome: config.codexHome, env: rootsEnvOf(processEnv) }
        })),
        Effect.catch((error) =>
          policy.mode === "danger-full-access"
            ? Effect.succeed<CommandSandbox>("none")
            : Effect.fail(new StandaloneCommandError({ message: `no sandbox for ${policy.mode}: ${error.message}` }))
        ),
        Effect.provideService(ProcessEnvironment, processEnv)
      )

    const run = Effect.fn("StandaloneCommands.run")(function*(command: StandaloneCommand) {
      const networkDisabled = !(command.policy.mode === "danger-full-access" ||
        (command.policy.mode === "workspace-write" && command.policy.network_access === true))
      const env = buildCommandEnv(config.shellEnvironmentPolicy, processEnv, {
        networkDisabled,
        secrets: commandSecrets(isolation, processEnv, config)
      })
      for (const [name, value] of Object.entries(command.env)) {
        if (value === null) delete env[name]
        else env[name] = value
      }
      const streamed = command.onOutput
      const cap = command.outputBytesCap === "none"
        ? (streamed === undefined ? MAX_BUFFERED_OUTPUT_BYTES : Number.POSITIVE_INFINITY)
        : command.outputBytesCap ?? DEFAULT_OUTPUT_CAP_BYTES
      const caps = { stdout: new StreamCap(cap), stderr: new StreamCap(cap) }
      // A buffered command's answer holds the head of each stream: what the cap lets through.
      const kept: Record<OutputStream, Array<Uint8Array>> = { stdout: [], stderr: [] }
      const timeoutMs = command.timeoutMs ?? DEFAULT_TIMEOUT_MS
      const output = yield* runCommand({
        argv: command.tty === undefined ? command.argv : underPseudoTerminal(command.argv, command.tty.size),
        cwd: command.cwd,
        env,
        timeoutMs,
        sandbox: yield* sandboxOf(command.policy, command.cwd),
        openStdin: command.tty !== undefined || command.streamStdin === true,
        onStarted: (spawned) => command.onStarted?.(runningCommand(spawned, processEnv)) ?? Effect.void,
        // The runner's own head-and-tail capture is not used: the head is kept here.
        captureBytesPerStream: 2,
        onOutput: (stream, chunk) => {
          const sent = caps[stream].take(chunk)
          if (sent === undefined) return Effect.void
          if (streamed !== undefined) return streamed(stream, sent.kept, sent.capReached)
          return Effect.sync(() => void kept[stream].push(Buffer.from(sent.kept)))
        }
      }).pipe(Effect.mapError((error) => new StandaloneCommandError({ message: error.message })))
      return {
        exitCode: output.exitCode,
        stdout: Buffer.concat(kept.stdout).toString("utf8"),
        stderr: Buffer.concat(kept.stderr).toString("utf8") + (output.timedOut ? `command timed out after ${timeoutMs} ms\n` : "")
      }
    })
    return StandaloneCommands.of({ run })
  }))
}
