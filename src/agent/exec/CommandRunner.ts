/**
 * Runs one command as a child process, optionally inside bubblewrap.
 *
 * - The child starts in a new session and process group (`detached: true`), with stdin closed.
 * - Output is handed to `onOutput` chunk by chunk, in order per stream; the next chunk is read only
 *   when the callback is done, so a slow consumer slows the command instead of growing memory.
 * - Only a bounded head and tail of each stream is kept (256 KiB per stream by default, plenty for
 *   the model's 10 KiB and a client's end event); the rest is counted and dropped, so `yes` cannot
 *   grow the server's memory.
 * - On timeout (default 10 s, at most an hour; exit code 124, `timedOut`), on interruption, and once the command itself
 *   has exited, the whole process group gets SIGKILL: background jobs and grandchildren included.
 *
 * Node's `child_process` is used directly rather than `effect/process`: the runner needs SIGKILL to
 * the group at once (the platform spawner sends SIGTERM first, which a command can ignore), byte-level
 * control of what is kept, and no extra service in the environment of every caller.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { constants as osConstants } from "node:os"
import { Effect, Option, Schema } from "effect"
import { BoundedOutput } from "./BoundedOutput.js"
import { isDirectory, resolveExecutable } from "./PathLookup.js"
import { registerRunningSandbox } from "./LiveWorkspaces.js"
import { DEFAULT_MAX_PROCESSES, processLimitPrefix } from "./ProcessLimit.js"
import { findBwrap, planSandbox, type SandboxPlan, sandboxStdio, type SandboxSpec, type SandboxUnavailable, sendSandboxFilter } from "./Sandbox.js"
import { ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { closeMounts, openMounts, type SandboxMount } from "./SandboxMounts.js"

/** The reference's default command timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000
/**
 * The longest any command may run, whatever timeout the model asks for: a `timeout_ms` of 1e15 would
 * otherwise hold the turn (and whatever the command holds) for good, with no model request to show for
 * it. An hour covers a full build or test run. `CODEX_EFFECT_MAX_COMMAND_TIMEOUT_MS` (undocumented)
 * lowers it for tests, so they need not wait an hour.
 */
const MAX_TIMEOUT_MS = ((value) => (Number.isInteger(value) && value > 0 ? value : 60 * 60_000))(
  Number(process.env.CODEX_EFFECT_MAX_COMMAND_TIMEOUT_MS)
)
/** The exit code reported for a command killed by its timeout (as `timeout(1)` does). */
const TIMEOUT_EXIT_CODE = 124
const DEFAULT_CAPTURE_BYTES = 256 * 1024

export type OutputStream = "stdout" | "stderr"

/**
 * Where the command runs: inside bubblewrap (under `danger-full-access` that only contains its process
 * tree), or directly, which is the fallback for full access when bubblewrap cannot run.
 */
export type CommandSandbox = "none" | { readonly bwrapPath: string; readonly spec: SandboxSpec }

interface RunCommandOptions {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  /** The child's whole environment (see `buildCommandEnv`); nothing else is inherited. */
  readonly env: Readonly<Record<string, string>>
  /** `"never"` is for a client's own command (`command/exec` with `disableTimeout`), never the model's. */
  readonly timeoutMs?: number | "never" | undefined
  /** Default `"none"`. */
  readonly sandbox?: CommandSandbox | undefined
  /** Keep stdin open as a pipe (see `onStarted`) instead of closing it or writing `input`. */
  readonly openStdin?: boolean | undefined
  /** Called once the command runs, with the process: for a caller that writes to it or signals it. */
  readonly onStarted?: ((spawned: Spawned) => Effect.Effect<void>) | undefined
  /** Called with each chunk as it arrives, in order per stream. */
  readonly onOutput?: ((stream: OutputStream, chunk: Uint8Array) => Effect.Effect<void>) | undefined
  /** Bytes kept per stream (half head, half tail); default 256 KiB. */
  readonly captureBytesPerStream?: number | undefined
  /** What the command reads on stdin (default: nothing, stdin closed). */
  readonly input?: Uint8Array | undefined
}

/** What `startCommand` needs: no timeout or capture, stdin kept open when `openStdin`. */
export interface StartCommandOptions {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly sandbox?: CommandSandbox | undefined
  readonly input?: Uint8Array | undefined
  /** Keep the command's stdin open as a pipe, for a caller that writes to it later. */
  readonly openStdin?: boolean | undefined
}

interface CaptureCounts {
  /** Bytes the command wrote. */
  readonly totalBytes: number
  /** Bytes kept in `stdout` / `stderr` (the rest was dropped from the middle). */
  readonly retainedBytes: number
}

interface ExecOutput {
  /** The exit code; 124 after a timeout, 128 + n after signal n. */
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  /** stdout and stderr interleaved in arrival order. */
  readonly aggregatedOutput: string
  readonly durationMs: number
  readonly timedOut: boolean
  readonly captured: { readonly stdout: CaptureCounts; readonly stderr: CaptureCounts }
}

/** The command could not be started (program or working directory missing, not executable…). */
export class ExecError extends Schema.TaggedError<ExecError>()("ExecError", {
  message: Schema.String
}) {}

/**
 * Whether `argv[0]` resolves, checked before entering the sandbox so that a missing program is an
 * `ExecError`, as it is unsandboxed, and not a bwrap failure that looks like a sandbox denial.
 */
const programExists = (options: StartCommandOptions) =>
  resolveExecutable(options.argv[0]!, options.env.PATH, options.cwd) !== undefined

export interface Spawned {
  readonly child: ChildProcess
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** SIGKILL to the whole group, once; later calls do nothing (the group id may be reused by then). */
  readonly killGroup: () => void
}

/** The command line to spawn and the paths to open and hand it after its stdio (the sandbox's mounts). */
interface Launch {
  readonly argv: ReadonlyArray<string>
  readonly mounts: ReadonlyArray<SandboxMount>
  readonly guard?: SandboxPlan["guard"]
}

/**
 * Node's stdin pipe is a socket, and bash takes a socket on stdin for a remote shell: at a shell level
 * below 2 it then reads ~/.bashrc even for `bash -c`, whose output lands in the command's. A `SHLVL` of at
 * least 1 (bash counts itself) says it is nested, as it is under a pipe(2) stdin in the reference.
 */
const nestedShellEnv = (env: Readonly<Record<string, string>>): Readonly<Record<string, string>> =>
  Number(env.SHLVL) >= 1 ? env : { ...env, SHLVL: "1" }

const spawnInOwnGroup = (
  launch: Launch,
  cwd: string,
  env: Readonly<Record<string, string>>,
  sandbox: CommandSandbox,
  input: Uint8Array | "open" | undefined
) =>
  Effect.callback<Spawned, ExecError>((resume) => {
    const [program, ...args] = launch.argv as [string, ...Array<string>]
    const startFailed = (reason: string) => new ExecError({ message: `failed to start \`${program}\`: ${reason}` })
    // Opened last thing before the spawn, so the window for a swap is as small as it gets.
    const opened = openMounts(launch.mounts)
    if ("changed" in opened) {
      return resume(Effect.fail(new ExecError({
        message: `sandbox refused: \`${opened.changed}\` changed while the command was starting (it is now ${opened.now}); nothing ran`
      })))
    }
    let child: ChildProcess
    try {
      const stdio: Array<"ignore" | "pipe" | number> = sandbox === "none" ? ["ignore", "pipe", "pipe"] : sandboxStdio(sandbox.spec.policy, "pipe")
      if (input !== undefined) stdio[0] = "pipe"
      child = spawn(program, args, { cwd, env: input === undefined ? env : nestedShellEnv(env), detached: true, stdio: [...stdio, ...opened.fds] })
    } catch (error) {
      // Arguments Node refuses outright (a NUL byte, say) throw instead of emitting 'error'.
      return resume(Effect.fail(startFailed(error instanceof Error ? error.message : String(error))))
    } finally {
      // The child has its copies (bwrap closes them once mounted); ours are done.
      closeMounts(opened.fds)
    }
    if (input === "open") child.stdin?.on("error", () => {})
    else if (input !== undefined && child.stdin !== null) {
      // A command that exits without reading its input must not crash the server with EPIPE.
      child.stdin.on("error", () => {})
      child.stdin.end(input)
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once("exit", (code, signal) => done({ code, signal }))
    )
    let killed = false
    const killGroup = () => {
      if (killed || child.pid === undefined) return
      killed = true
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {
        // The group is already gone.
      }
    }
    let settled = false
    // A listener stays attached: an unhandled 'error' on a ChildProcess would crash the server.
    child.on("error", (error) => {
      if (settled) return
      settled = true
      resume(Effect.fail(startFailed(error.message)))
    })
    child.once("spawn", () => {
      if (settled) return
      settled = true
      if (sandbox !== "none") sendSandboxFilter(child, sandbox.spec.policy)
      if (launch.guard !== undefined) {
        const unregister = registerRunningSandbox({
          ...launch.guard,
          end: () => {
            killGroup()
            return `the sandboxed command \`${(launch.argv.at(-1) ?? "").slice(0, 200)}\` (pid ${child.pid})`
          }
        })
        void exited.then(unregister)
      }
      resume(Effect.succeed({ child, exited, killGroup }))
    })
  })

/** The exit code of a command killed by `signal`, as a shell reports it. */
export const signalExitCode = (signal: NodeJS.Signals | null) =>
  128 + (signal === null ? 0 : (osConstants.signals as Record<string, number | undefined>)[signal] ?? 0)

/**
 * What to spawn: the command itself, or bwrap around it with the sandbox's mounts opened (resolved
 * once, checked, bound by descriptor: see `SandboxMounts`). A root that changed refuses the command.
 */
const commandLine = Effect.fnUntraced(function*(options: StartCommandOptions) {
  const sandbox = options.sandbox ?? "none"
  if (sandbox === "none") return { argv: [...options.argv], mounts: [] } satisfies Launch
  const bwrap = yield* findBwrap(sandbox.bwrapPath)
  if (!programExists(options)) {
    return yield* new ExecError({ message: `failed to start \`${options.argv[0]}\`: No such file or directory` })
  }
  const plan = planSandbox(sandbox.spec, options.cwd, sandboxStdio(sandbox.spec.policy, "pipe").length)
  if ("refused" in plan) return yield* new ExecError({ message: `sandbox refused: ${plan.refused}` })
  const limit = processLimitPrefix(sandbox.spec.maxProcesses ?? DEFAULT_MAX_PROCESSES, bwrap, yield* ProcessEnvironment)
  return { argv: [bwrap, ...plan.args, "--", ...limit, ...options.argv], mounts: plan.mounts, guard: plan.guard } satisfies Launch
})

/**
 * Starts the command in its own process group (inside bubblewrap when `sandbox` says so) and returns it
 * running; closing the scope kills the whole group. For callers that outlive one call (`exec_command`).
 */
export const startCommand = Effect.fnUntraced(function*(options: StartCommandOptions) {
  if (options.argv.length === 0 || options.argv[0] === "") return yield* new ExecError({ message: "empty command" })
  if (!isDirectory(options.cwd)) {
    return yield* new ExecError({ message: `working directory \`${options.cwd}\` does not exist` })
  }
  const launch = yield* commandLine(options)
  return yield* Effect.acquireRelease(
    spawnInOwnGroup(launch, options.cwd, options.env, options.sandbox ?? "none", options.openStdin === true ? "open" : options.input),
    ({ child, killGroup }) =>
      Effect.sync(() => {
        killGroup()
        child.stdin?.destroy()
        child.stdout?.destroy()
        child.stderr?.destroy()
      })
  )
})

/** Runs the command to completion (or timeout); see the module comment. Never leaves a process behind. */
export const runCommand: (options: RunCommandOptions) => Effect.Effect<ExecOutput, ExecError | SandboxUnavailable> = Effect.fn(
  "runCommand"
)(
  function*(options: RunCommandOptions) {
    const half = Math.floor((options.captureBytesPerStream ?? DEFAULT_CAPTURE_BYTES) / 2)
    const kept = { stdout: new BoundedOutput(half, half), stderr: new BoundedOutput(half, half) }
    const aggregated = new BoundedOutput(half, half)

    const started = performance.now()
    const spawned = yield* startCommand(options)
    const { child, exited, killGroup } = spawned
    if (options.onStarted !== undefined) yield* options.onStarted(spawned)

    const pump = (stream: OutputStream) =>
      Effect.gen(function*() {
        const readable = child[stream]
        if (readable === null) return
        const chunks = readable[Symbol.asyncIterator]() as AsyncIterator<Buffer>
        while (true) {
          // A read error ends the stream like EOF does: the exit status still tells what happened.
          const next = yield* Effect.promise(() => chunks.next().catch((): IteratorResult<Buffer> => ({ done: true, value: undefined })))
          if (next.done === true) return
          kept[stream].push(next.value)
          aggregated.push(next.value)
          if (options.onOutput !== undefined) yield* options.onOutput(stream, next.value)
        }
      })

    let status: Awaited<typeof exited> | undefined
    const exit = Effect.promise(() => exited).pipe(
      // The command is done: whatever it left running in its group goes too, which also lets the
      // pipes those processes held reach EOF.
      Effect.tap((exitStatus) => Effect.sync(() => {
        status = exitStatus
        killGroup()
      }))
    )
    const all = Effect.all([pump("stdout"), pump("stderr"), exit], { concurrency: "unbounded", discard: true })
    const finished = yield* options.timeoutMs === "never"
      ? Effect.asSome(all)
      : all.pipe(Effect.timeoutOption(Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS)))
    // Output still draining after the command exited (a pipe held by a process that left the group)
    // is cut at the deadline, but the command did not time out.
    const timedOut = Option.isNone(finished) && status === undefined
    if (Option.isNone(finished)) killGroup()

    const counts = (stream: OutputStream): CaptureCounts => ({
      totalBytes: kept[stream].totalBytes,
      retainedBytes: kept[stream].retainedBytes
    })
    return {
      exitCode: timedOut ? TIMEOUT_EXIT_CODE : status!.code ?? signalExitCode(status!.signal),
      stdout: kept.stdout.text(),
      stderr: kept.stderr.text(),
      aggregatedOutput: aggregated.text(),
      durationMs: Math.round(performance.now() - started),
      timedOut,
      captured: { stdout: counts("stdout"), stderr: counts("stderr") }
    } satisfies ExecOutput
  },
  Effect.scoped
)
