/**
 * The MCP methods: the lifecycle and discovery ones (`McpLifecycleHandlers`) and `tools/call`, dispatched
 * to the codex tools (as an MCP task when the call asks for one).
 */
import { Context, Effect, Layer } from "effect"
import { CODEX_REPLY_TOOL, CODEX_TOOL } from "../../rpc/CodexTools.js"
import { CodexToolCalls, errorResult } from "./CodexToolRunner.js"
import type { McpHandlerMap, RequestContext } from "../../server/Handlers.js"
import { McpLifecycleHandlers } from "./McpLifecycle.js"
import { TaskStore } from "./tasks/TaskStore.js"

export class McpHandlers extends Context.Service<McpHandlers, McpHandlerMap>()("codex-effect/McpHandlers") {
  static readonly layer = Layer.effect(McpHandlers, Effect.gen(function*() {
    const lifecycle = yield* McpLifecycleHandlers
    const tools = yield* CodexToolCalls
    const tasks = yield* TaskStore

    return McpHandlers.of({
      ...lifecycle,
      "tools/call": (params, request: RequestContext) => {
        if (params.name !== CODEX_TOOL.name && params.name !== CODEX_REPLY_TOOL.name) {
          return Effect.succeed(errorResult(`Unknown tool '${params.name}'`))
        }
        // As a task: answered at once; the call runs on and its result waits for `tasks/result`.
        if (params.task !== undefined) {
          return Effect.map(tasks.create(params.task.ttl, (task) => tools.call(params, { ...request, task })), (task) => ({ task }))
        }
        return tools.call(params, request)
      }
    })
  }))
}
