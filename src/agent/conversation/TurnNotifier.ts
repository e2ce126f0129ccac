/**
 * `notify = ["program", "arg", …]`: after each completed task the program runs with the reference's
 * `agent-turn-complete` JSON appended as its last argument, e.g. to show a desktop notification.
 *
 * The turn never waits for it, and nothing it does is fatal: a program that cannot start, fails or
 * hangs is logged (stderr) and the conversation goes on. It runs detached, in its own process group
 * with no stdio, as the reference's does: a client that ends the server right after the result (one
 * server per call is common) must not take the user's notification with it, and a process holding no
 * pipe of ours cannot write into the protocol stream or keep the client waiting for our stderr to
 * close. It is bounded all the same: while the server lives, a notifier still running after
 * `NOTIFY_TIMEOUT_MS` is killed with its process group.
 */
import { spawn } from "node:child_process"
import { Duration, Effect, Option } from "effect"
import { ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { resolveServerProgram, serverProgramPath } from "../exec/ServerPrograms.js"
import { boundedArgv } from "../LogText.js"

/** A notifier shows a notification and exits; one still running after this is stuck. */
export const NOTIFY_TIMEOUT_MS = 60_000

/** The payload, as the reference names its fields. */
export interface AgentTurnComplete {
  readonly type: "agent-turn-complete"
  /** The submission id of the task. */
  readonly "turn-id": string
  /** The text the user sent to start the task. */
  readonly "input-messages": ReadonlyArray<string>
  readonly "last-assistant-message": string | null
}

export const agentTurnComplete = (
  turnId: string,
  inputMessages: ReadonlyArray<string>,
  lastAssistantMessage: string | null
): AgentTurnComplete => ({
  type: "agent-turn-complete",
  "turn-id": turnId,
  "input-messages": inputMessages,
  "last-assistant-message": lastAssistantMessage
})

type Outcome =
  | { readonly _tag: "Exited"; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly _tag: "Failed"; readonly error: Error }

/**
 * Starts `argv` + the JSON payload and returns at once; a background fiber logs how it ended and kills
 * it if it overstays. An empty `argv` does nothing.
 */
export const notifyTurnComplete = (argv: ReadonlyArray<string>, payload: AgentTurnComplete): Effect.Effect<void> =>
  Effect.gen(function*() {
    const [program, ...args] = argv
    if (program === undefined) return
    const env = yield* ProcessEnvironment
    const logged = { argv: boundedArgv(argv), turn: payload["turn-id"] }
    // Looked up, and given a PATH, without the directories a command could plant a program in (see `ServerPrograms`).
    const located = resolveServerProgram(program, env)
    if ("missing" in located) {
      return yield* Effect.logWarning("notify program failed to start").pipe(Effect.annotateLogs({ ...logged, error: located.missing }))
    }
    const childEnv = { ...env, PATH: serverProgramPath(env) }
    // In `/`, not the server's cwd (often the workspace): a launcher would load what a command planted there.
    const started = yield* Effect.try(() =>
      spawn(located.path, [...args, JSON.stringify(payload)], { cwd: "/", env: childEnv, detached: true, stdio: "ignore", argv0: program })
    ).pipe(Effect.result)
    if (started._tag === "Failure") {
      return yield* Effect.logWarning("notify program failed to start").pipe(
        Effect.annotateLogs({ ...logged, error: String(started.failure) })
      )
    }
    const child = started.success
    // Our event loop must not wait for it either.
    child.unref()
    // Listened to now: an `error` event (ENOENT…) with no listener would crash the server.
    const outcome = new Promise<Outcome>((resolve) => {
      child.once("error", (error) => resolve({ _tag: "Failed", error }))
      child.once("exit", (code, signal) => resolve({ _tag: "Exited", code, signal }))
    })
    const ended = Effect.promise(() => outcome)
    const watch = ended.pipe(
      Effect.timeoutOption(Duration.millis(NOTIFY_TIMEOUT_MS)),
      Effect.flatMap(Option.match({
        onNone: () =>
          Effect.sync(() => {
            if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
          }).pipe(
            Effect.ignore,
            Effect.andThen(Effect.logWarning(`notify program still running after ${NOTIFY_TIMEOUT_MS} ms; killed`)),
            Effect.annotateLogs(logged)
          ),
        onSome: (outcome) =>
          outcome._tag === "Failed"
            ? Effect.logWarning("notify program failed to start").pipe(Effect.annotateLogs({ ...logged, error: outcome.error.message }))
            : outcome.code === 0
            ? Effect.logDebug("notify program finished").pipe(Effect.annotateLogs(logged))
            : Effect.logWarning("notify program failed").pipe(
              Effect.annotateLogs({ ...logged, exit_code: outcome.code ?? "none", signal: outcome.signal ?? "none" })
            )
      }))
    )
    yield* Effect.forkDetach(watch)
  })
