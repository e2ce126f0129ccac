/**
 * One command run outside any turn, for the app-server's `command/exec`: in the sandbox of the given
 * policy (bubblewrap, as a turn's commands; the workspace is the command's cwd), with the environment a
 * turn's command gets (the shell environment policy, the server's secrets withheld) plus the client's
 * overrides, a timeout and a per-stream cap on what is kept (the head, as the reference keeps). No
 * approval is asked: the client asking is the user. Without bubblewrap only `danger-full-access` runs.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { type CommandSandbox, DEFAULT_TIMEOUT_MS, runCommand } from "../agent/exec/CommandRunner.js"
import { buildCommandEnv } from "../agent/exec/CommandEnvironment.js"
import { findBwrap } from "../agent/exec/Sandbox.js"
import { rootsEnvOf } from "../agent/exec/WorkspaceRoots.js"
import type { SandboxPolicy } from "../rpc/Enums.js"
import { CommandIsolation, commandSecrets } from "./CommandIsolation.js"
import { Config } from "./Config.js"
import { ProcessEnvironment } from "./ProcessEnvironment.js"

/** Bytes kept per stream when the client names no cap. */
export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024

export class StandaloneCommandError extends Schema.TaggedError<StandaloneCommandError>()("StandaloneCommandError", {
  message: Schema.String
}) {}

export interface StandaloneCommand {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly policy: SandboxPolicy
  /** Set a variable, or unset it with `null`. */
  readonly env: Readonly<Record<string, string | null>>
  readonly timeoutMs?: number | undefined
  readonly outputBytesCap?: number | undefined
}

export interface StandaloneResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** The first `cap` bytes of what a stream wrote. */
class HeadCapture {
  private readonly chunks: Array<Uint8Array> = []
  private size = 0
  constructor(private readonly cap: number) {}
  push(chunk: Uint8Array) {
    const room = this.cap - this.size
    if (room <= 0) return
    const kept = chunk.byteLength > room ? chunk.subarray(0, room) : chunk
    this.chunks.push(Buffer.from(kept))
    this.size += kept.byteLength
  }
  text() {
    return Buffer.concat(this.chunks).toString("utf8")
  }
}

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
      const cap = command.outputBytesCap ?? DEFAULT_OUTPUT_CAP_BYTES
      const kept = { stdout: new HeadCapture(cap), stderr: new HeadCapture(cap) }
      const output = yield* runCommand({
        argv: command.argv,
        cwd: command.cwd,
        env,
        timeoutMs: command.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        sandbox: yield* sandboxOf(command.policy, command.cwd),
        // The runner's own head-and-tail capture is not used: the head is kept here.
        captureBytesPerStream: 2,
        onOutput: (stream, chunk) => Effect.sync(() => kept[stream].push(chunk))
      }).pipe(Effect.mapError((error) => new StandaloneCommandError({ message: error.message })))
      return {
        exitCode: output.exitCode,
        stdout: kept.stdout.text(),
        stderr: output.timedOut ? `${kept.stderr.text()}command timed out after ${command.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms\n` : kept.stderr.text()
      }
    })
    return StandaloneCommands.of({ run })
  }))
}
