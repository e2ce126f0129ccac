/**
 * The MCP tasks of one client session. A task runs its work in a fiber owned by the store (so it
 * outlives the request that created it, and closing the session interrupts it), records the outcome,
 * announces every status change with `notifications/tasks/status`, and is forgotten `ttl` ms after it
 * was created (its result with it). Cancelling interrupts the work: the turn stops and its commands die.
 */
import { randomUUID } from "node:crypto"
import { Context, Deferred, Effect, Exit, FiberMap, Layer } from "effect"
import { invalidParams, type JsonRpcError } from "../../../rpc/JsonRpc.js"
import { isTerminalStatus, type Task, type TaskStatus } from "../../../rpc/Tasks.js"
import { TaskStatusNotification } from "../../../rpc/Notifications.js"
import { OutgoingSender } from "../../../server/OutgoingSender.js"
import type { RunningTask } from "../../../server/Handlers.js"

/** Kept this long when the client asks for nothing else (ms). */
export const DEFAULT_TASK_TTL_MS = 60 * 60 * 1000
/** The longest a task is kept, whatever the client asks (ms). */
export const MAX_TASK_TTL_MS = 24 * 60 * 60 * 1000
/** How often clients are told to poll (ms). */
export const TASK_POLL_INTERVAL_MS = 500
/** Tasks per `tasks/list` page. */
const PAGE_SIZE = 100
/** Tasks kept at most per session; creating one more fails. */
export const MAX_TASKS = 1000

interface Entry {
  task: Task
  readonly outcome: Deferred.Deferred<unknown, JsonRpcError>
}

const clampTtl = (requested: number | undefined) =>
  Math.min(Math.max(Math.round(requested ?? DEFAULT_TASK_TTL_MS), 1000), MAX_TASK_TTL_MS)

const unknownTask = (taskId: string) => invalidParams(`Invalid params: no task ${JSON.stringify(taskId)} (unknown, or expired)`)

export class TaskStore extends Context.Service<TaskStore, {
  /** Starts `work` as a task and returns it (status `working`). */
  readonly create: <E extends JsonRpcError>(
    ttl: number | undefined,
    work: (task: RunningTask) => Effect.Effect<unknown, E>
  ) => Effect.Effect<Task, JsonRpcError>
  readonly get: (taskId: string) => Effect.Effect<Task, JsonRpcError>
  /** Waits until the task is terminal; its result, or the error it failed with. */
  readonly result: (taskId: string) => Effect.Effect<unknown, JsonRpcError>
  /** One page of tasks, oldest first; `cursor` is the `nextCursor` of the previous page. */
  readonly list: (cursor: string | undefined) => Effect.Effect<{ readonly tasks: ReadonlyArray<Task>; readonly nextCursor?: string }, JsonRpcError>
  /** Cancels a task that is not terminal yet (interrupting its work) and returns it. */
  readonly cancel: (taskId: string) => Effect.Effect<Task, JsonRpcError>
}>()("codex-effect/TaskStore") {
  static readonly layer = Layer.effect(TaskStore, Effect.gen(function*() {
    const sender = yield* OutgoingSender
    const running = yield* FiberMap.make<string>()
    const entries = new Map<string, Entry>()

    const find = (taskId: string) =>
      Effect.suspend(() => {
        const entry = entries.get(taskId)
        return entry === undefined ? Effect.fail(unknownTask(taskId)) : Effect.succeed(entry)
      })

    /** Moves a task to `status` (never out of a terminal one) and tells the client. */
    const setStatus = (entry: Entry, status: TaskStatus, statusMessage?: string) =>
      Effect.suspend(() => {
        if (isTerminalStatus(entry.task.status) || entry.task.status === status) return Effect.void
        const { statusMessage: _, ...rest } = entry.task
        entry.task = {
          ...rest,
          status,
          lastUpdatedAt: new Date().toISOString(),
          ...(statusMessage !== undefined ? { statusMessage } : {})
        }
        return sender.notify(TaskStatusNotification, entry.task)
      })

    const create = <E extends JsonRpcError>(ttl: number | undefined, work: (task: RunningTask) => Effect.Effect<unknown, E>) =>
      Effect.gen(function*() {
        if (entries.size >= MAX_TASKS) return yield* Effect.fail(invalidParams(`Invalid params: too many tasks (${MAX_TASKS})`))
        const now = new Date().toISOString()
        const entry: Entry = {
          task: {
            taskId: randomUUID(),
            status: "working",
            ttl: clampTtl(ttl),
            createdAt: now,
            lastUpdatedAt: now,
            pollInterval: TASK_POLL_INTERVAL_MS
          },
          outcome: yield* Deferred.make<unknown, JsonRpcError>()
        }
        const { taskId } = entry.task
        entries.set(taskId, entry)
        const handle: RunningTask = {
          taskId,
          whileInputRequired: (effect) =>
            setStatus(entry, "input_required").pipe(
              Effect.andThen(effect),
              Effect.ensuring(setStatus(entry, "working"))
            )
        }
        const settle = (exit: Exit.Exit<unknown, E>) =>
          Exit.isSuccess(exit)
            ? setStatus(entry, "completed").pipe(Effect.andThen(Deferred.succeed(entry.outcome, exit.value)))
            : Effect.gen(function*() {
              const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
              const error = failure?._tag === "Fail" ? failure.error : undefined
              yield* setStatus(entry, "failed", error?.message ?? "the task stopped unexpectedly")
              yield* Deferred.done(entry.outcome, error === undefined ? Exit.die("task failed") : Exit.fail(error))
            })
        yield* FiberMap.run(running, taskId, Effect.suspend(() => work(handle)).pipe(Effect.onExit(settle)))
        // Forgotten after its ttl, running or not (a running one is interrupted).
        yield* FiberMap.run(
          running,
          `expiry:${taskId}`,
          Effect.sleep(entry.task.ttl!).pipe(
            Effect.andThen(FiberMap.remove(running, taskId)),
            Effect.andThen(Effect.sync(() => entries.delete(taskId)))
          )
        )
        return entry.task
      })

    return TaskStore.of({
      create,
      get: (taskId) => Effect.map(find(taskId), (entry) => entry.task),
      result: (taskId) => Effect.flatMap(find(taskId), (entry) => Deferred.await(entry.outcome)),
      list: (cursor) =>
        Effect.suspend(() => {
          const all = [...entries.values()].map((entry) => entry.task)
          const start = cursor === undefined ? 0 : Number(cursor)
          if (!Number.isInteger(start) || start < 0 || start > all.length) {
            return Effect.fail(invalidParams("Invalid params: unknown cursor"))
          }
          const tasks = all.slice(start, start + PAGE_SIZE)
          const next = start + tasks.length
          return Effect.succeed(next < all.length ? { tasks, nextCursor: String(next) } : { tasks })
        }),
      cancel: (taskId) =>
        Effect.gen(function*() {
          const entry = yield* find(taskId)
          if (isTerminalStatus(entry.task.status)) {
            return yield* Effect.fail(invalidParams(`Invalid params: task ${taskId} is already ${entry.task.status}`))
          }
          yield* setStatus(entry, "cancelled", "cancelled by the client")
          yield* FiberMap.remove(running, taskId)
          yield* Deferred.fail(entry.outcome, invalidParams(`Invalid params: task ${taskId} was cancelled`))
          return entry.task
        })
    })
  }))
}
