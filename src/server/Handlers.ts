/**
 * The contract between the router and the code that answers requests: one handler per method of
 * `ClientRequests`, typed by that method's Rpc. Each area (MCP, conversations, auth) provides the
 * handlers for its own group; `RequestHandlers` is their union, and the router only routes.
 */
import { Context, type Effect } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import type { RequestId } from "../rpc/Enums.js"
import type { AuthRequests, ClientRequest, ConversationRequests, McpRequests, TaskRequests } from "../rpc/Groups.js"
import type { JsonRpcError } from "../rpc/JsonRpc.js"
import type { McpLifecycleRequests } from "../rpc/Mcp.js"

/** What a handler knows about the request it answers. */
export interface RequestContext {
  readonly id: RequestId
  /** `params._meta.progressToken`, when the client asked for progress notifications. */
  readonly progressToken: string | number | undefined
  /** Set when the request runs as an MCP task (a `tools/call` with a `task` field). */
  readonly task?: RunningTask | undefined
}

/** What work running as a task can tell its task. */
export interface RunningTask {
  readonly taskId: string
  /** Runs `effect` (a question to the client) with the task's status `input_required`. */
  readonly whileInputRequired: <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
}

export type Handler<R extends Rpc.Any> = (
  payload: Rpc.Payload<R>,
  request: RequestContext
) => Effect.Effect<Rpc.Success<R>, JsonRpcError>

type HandlersFor<R extends Rpc.Any> = { readonly [K in R as K["_tag"]]: Handler<K> }

export type McpLifecycleHandlerMap = HandlersFor<RpcGroup.Rpcs<typeof McpLifecycleRequests>>
export type McpHandlerMap = HandlersFor<RpcGroup.Rpcs<typeof McpRequests>>
export type ConversationHandlerMap = HandlersFor<RpcGroup.Rpcs<typeof ConversationRequests>>
export type AuthHandlerMap = HandlersFor<RpcGroup.Rpcs<typeof AuthRequests>>
export type TaskHandlerMap = HandlersFor<RpcGroup.Rpcs<typeof TaskRequests>>

/** Every request handler of the server, keyed by wire method name. */
export class RequestHandlers extends Context.Service<RequestHandlers, HandlersFor<ClientRequest>>()(
  "codex-effect/RequestHandlers"
) {}
