/**
 * MCP tasks (protocol 2025-11-25): a `tools/call` with a `task` field is answered at once with a task
 * the client then polls (`tasks/get`), waits on (`tasks/result`), lists and cancels. Wire names follow
 * the specification; `notifications/tasks/status` announces every status change.
 */
import { Schema } from "effect"
import * as McpSchema from "effect/ai/McpSchema"
import { Rpc } from "effect/rpc"

/** The `_meta` key tying a message to the task it belongs to. */
export const RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task"

export const TaskStatus = Schema.Literals(["working", "input_required", "completed", "failed", "cancelled"])
export type TaskStatus = typeof TaskStatus.Type

export const isTerminalStatus = (status: TaskStatus) =>
  status === "completed" || status === "failed" || status === "cancelled"

export const Task = Schema.Struct({
  taskId: Schema.String,
  status: TaskStatus,
  /** How long (ms from creation) the task and its result are kept. */
  ttl: Schema.NullOr(Schema.Int),
  createdAt: Schema.String,
  lastUpdatedAt: Schema.String,
  /** How often (ms) the client should poll. */
  pollInterval: Schema.optionalKey(Schema.Int),
  statusMessage: Schema.optionalKey(Schema.String)
})
export type Task = typeof Task.Type

/** The `task` field of a task-augmented request. */
export const TaskMetadata = Schema.Struct({ ttl: Schema.optionalKey(Schema.Finite) })

export const CreateTaskResult = Schema.Struct({ task: Task })
export type CreateTaskResult = typeof CreateTaskResult.Type

const RequestMetaFields = McpSchema.RequestMeta.fields
const TaskIdParams = Schema.Struct({ ...RequestMetaFields, taskId: Schema.String })

export class GetTask extends Rpc.make("tasks/get", { payload: TaskIdParams, success: Task }) {}
/** The original request's result once the task is terminal (a `CallToolResult` for `tools/call`). */
export class GetTaskResult extends Rpc.make("tasks/result", { payload: TaskIdParams, success: Schema.Unknown }) {}
export class ListTasks extends Rpc.make("tasks/list", {
  payload: Schema.UndefinedOr(Schema.Struct({ ...RequestMetaFields, cursor: Schema.optionalKey(Schema.String) })),
  success: Schema.Struct({ tasks: Schema.Array(Task), nextCursor: Schema.optionalKey(Schema.String) })
}) {}
export class CancelTask extends Rpc.make("tasks/cancel", { payload: TaskIdParams, success: Task }) {}
