/**
 * Runs one command as a child process in its own process group. Output is streamed to the caller as
 * it arrives and kept only up to a cap (head and tail), so a command that floods stdout cannot grow
 * the server's memory. A timeout, or interrupting the Effect, kills the whole group (grandchildren
 * included) with SIGKILL; nothing is left running when the Effect ends.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { Effect, Exit, Stream } from "effect"
import { BoundedOutput } from "./BoundedOutput.js"

export type OutputStream = "stdout" | "stderr"

export interface RunOptions {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly timeoutMs: number
  /** Called with every chunk as it arrives, in order per stream. */
  readonly onOutput?: ((stream: OutputStream, chunk: Uint8Array) => Effect.Effect<void>) | undefined
}

export interface ExecOutput {
  /** The exit code; 124 after a timeout, 128 + n after signal n, -1 when the program could not start. */
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  /** stdout and stderr interleaved in arrival order. */
  readonly aggregated: string
  readonly durationMs: number
  readonly timedOut: boolean
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 }

/** Kills the child's process group, and the child itself in case it left the group. */
export const killProcessGroup = (child: ChildProcess) => {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, "SIGKILL")
  } catch {
    // the group is already gone
  }
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

type Exited = { readonly code: number | null; readonly signal: NodeJS.Signals | null } | { readonly error: Error }

export const runCommand = (options: RunOptions): Effect.Effect<ExecOutput> =>
  Effect.scoped(Effect.gen(function*() {
    const [program, ...args] = options.argv
    const started = Date.now()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(program ?? "", args, {
          cwd: options.cwd,
          env: options.env,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child, exit) => Effect.sync(() => Exit.isSuccess(exit) && child.exitCode !== null ? undefined : killProcessGroup(child))
    )
    const exited = new Promise<Exited>((resolve) => {
      child.once("error", (error) => resolve({ error }))
      child.once("close", (code, signal) => resolve({ code, signal }))
    })
    const stdout = new BoundedOutput()
    const stderr = new BoundedOutput()
    const aggregated = new BoundedOutput()
    const pump = (name: OutputStream, readable: NodeJS.ReadableStream | null) =>
      readable === null ? Effect.void : Stream.fromAsyncIterable(readable as AsyncIterable<Buffer>, (error) => error).pipe(
        Stream.runForEach((chunk) => {
          ;(name === "stdout" ? stdout : stderr).push(chunk)
          aggregated.push(chunk)
          return options.onOutput?.(name, chunk) ?? Effect.void
        }),
        Effect.ignore
      )
    const finished = yield* Effect.all(
      [pump("stdout", child.stdout), pump("stderr", child.stderr), Effect.promise(() => exited)],
      { concurrency: "unbounded" }
    ).pipe(Effect.timeoutOption(options.timeoutMs))

    const result = (exitCode: number, timedOut: boolean, extraStderr = ""): ExecOutput => ({
      exitCode,
      stdout: stdout.text(),
      stderr: stderr.text() + extraStderr,
      aggregated: aggregated.text() + extraStderr,
      durationMs: Date.now() - started,
      timedOut
    })
    if (finished._tag === "None") {
      killProcessGroup(child)
      return result(124, true)
    }
    const outcome = finished.value[2]
    if ("error" in outcome) return result(-1, false, `execution error: ${outcome.error.message}`)
    if (outcome.code !== null) return result(outcome.code, false)
    return result(128 + (SIGNALS[outcome.signal ?? ""] ?? 0), false)
  }))
