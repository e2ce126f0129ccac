/** The `tasks/*` methods, answered from the session's `TaskStore`. */
import { Context, Effect, Layer } from "effect"
import type { TaskHandlerMap } from "../../../server/Handlers.js"
import { TaskStore } from "./TaskStore.js"

export class TaskHandlers extends Context.Service<TaskHandlers, TaskHandlerMap>()("codex-effect/TaskHandlers") {
  static readonly layer = Layer.effect(TaskHandlers, Effect.gen(function*() {
    const store = yield* TaskStore
    return TaskHandlers.of({
      "tasks/get": (params) => store.get(params.taskId),
      "tasks/result": (params) => store.result(params.taskId),
      "tasks/list": (params) => store.list(params?.cursor),
      "tasks/cancel": (params) => store.cancel(params.taskId)
    })
  }))
}
