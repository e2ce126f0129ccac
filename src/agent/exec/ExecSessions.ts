/**
 * The commands of one task that keep running between tool calls (`exec_command`, then `write_stdin`),
 * by session id. Each is started with `startCommand` (same sandbox, same process-group kill as
 * `shell`), its output collected as it arrives and handed out once per read. Everything is owned by
 * the task's scope: when the task ends — completed, failed or interrupted — every session's process
 * group gets SIGKILL. The reference leaves such processes running after the turn; here nothing a
 * task started outlives it.
 *
 * Memory is bounded per session: unread output keeps its head and tail (`BoundedOutput`), input the
 * command has not read is capped by the caller (`pendingInputBytes`), and a task may hold at most
 * `MAX_SESSIONS` running commands.
 */
import type { Writable } from "node:stream"
import { Deferred, Effect, Scope } from "effect"
import { BoundedOutput } from "./BoundedOutput.js"
import { ExecError, type OutputStream, signalExitCode, type Spawned, startCommand, type StartCommandOptions } from "./CommandRunner.js"
import type { SandboxUnavailable } from "./Sandbox.js"

/** The reference's cap on open sessions. */
const MAX_SESSIONS = 64
/** Unread output kept per session (half head, half tail). */
const UNREAD_BYTES = 256 * 1024
/** Session ids start here and count up per task, so a model (and a test) can predict them. */
const FIRST_SESSION_ID = 1000

/** How a command ended: its exit code (128 + n after signal n). */
export interface SessionExit {
  readonly exitCode: number
}

export interface ExecSession {
  readonly id: number
  readonly callId: string
  readonly startedMs: number
  /** Writes to the command's stdin; false when stdin is gone (the command closed it or exited). */
  readonly write: (chars: string) => Effect.Effect<boolean>
  /** Bytes written that the command has not read yet (queued in the server once the pipe is full). */
  readonly pendingInputBytes: () => number
  /** The output since the last read, and how many bytes were dropped from its middle. */
  readonly read: () => { readonly text: string; readonly totalBytes: number }
  /** Completes once the command exited and its output was drained. */
  readonly exited: Deferred.Deferred<SessionExit>
}

export interface ExecSessions {
  /**
   * Starts the command; its output goes to the session and to `onOutput`; `onExit` runs once it ended.
   * Fails when the command cannot start or the task already holds `MAX_SESSIONS` commands.
   */
  readonly start: (
    callId: string,
    options: StartCommandOptions,
    onOutput: (stream: OutputStream, chunk: Uint8Array) => Effect.Effect<void>,
    onExit: (exit: SessionExit, output: string) => Effect.Effect<void>
  ) => Effect.Effect<ExecSession, ExecError | SandboxUnavailable>
  readonly get: (id: number) => ExecSession | undefined
  /** Forgets a session whose exit was reported to the model. */
  readonly remove: (id: number) => void
}

/** The sessions of a task whose scope is `scope`. */
export const makeExecSessions = (scope: Scope.Scope): ExecSessions => {
  const sessions = new Map<number, ExecSession>()
  let nextId = FIRST_SESSION_ID

  const start: ExecSessions["start"] = (callId, options, onOutput, onExit) =>
    Effect.gen(function*() {
      if (sessions.size >= MAX_SESSIONS) {
        return yield* new ExecError({ message: `too many running commands (${MAX_SESSIONS}); end one with write_stdin first` })
      }
      const spawned: Spawned = yield* startCommand({ ...options, openStdin: true }).pipe(Scope.provide(scope))
      const id = nextId++
      let unread = new BoundedOutput(UNREAD_BYTES / 2, UNREAD_BYTES / 2)
      const all = new BoundedOutput(UNREAD_BYTES / 2, UNREAD_BYTES / 2)
      const exited = yield* Deferred.make<SessionExit>()
      const stdin: Writable | null = spawned.child.stdin

      const pump = (stream: OutputStream) =>
        Effect.gen(function*() {
          const readable = spawned.child[stream]
          if (readable === null) return
          const chunks = readable[Symbol.asyncIterator]() as AsyncIterator<Buffer>
          while (true) {
            const next = yield* Effect.promise(() => chunks.next().catch((): IteratorResult<Buffer> => ({ done: true, value: undefined })))
            if (next.done === true) return
            unread.push(next.value)
            all.push(next.value)
            yield* onOutput(stream, next.value)
          }
        })
      const exit = Effect.promise(() => spawned.exited).pipe(
        // What the command left running in its group goes with it, so the pipes reach EOF.
        Effect.tap(() => Effect.sync(spawned.killGroup))
      )
      const watch = Effect.all([exit, pump("stdout"), pump("stderr")], { concurrency: "unbounded" }).pipe(
        Effect.flatMap(([status]) => {
          const result: SessionExit = { exitCode: status.code ?? signalExitCode(status.signal) }
          return Deferred.succeed(exited, result).pipe(Effect.andThen(onExit(result, all.text())))
        })
      )
      yield* Effect.forkIn(watch, scope)

      const session: ExecSession = {
        id,
        callId,
        startedMs: performance.now(),
        write: (chars) =>
          Effect.callback<boolean>((resume) => {
            if (stdin === null || stdin.destroyed || !stdin.writable) return resume(Effect.succeed(false))
            stdin.write(chars, (error) => resume(Effect.succeed(error == null)))
          }),
        pendingInputBytes: () => stdin === null || stdin.destroyed ? 0 : stdin.writableLength,
        read: () => {
          const taken = unread
          unread = new BoundedOutput(UNREAD_BYTES / 2, UNREAD_BYTES / 2)
          return { text: taken.text(), totalBytes: taken.totalBytes }
        },
        exited
      }
      sessions.set(id, session)
      return session
    })

  return {
    start,
    get: (id) => sessions.get(id),
    remove: (id) => void sessions.delete(id)
  }
}
