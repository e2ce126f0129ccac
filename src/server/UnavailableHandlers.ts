/**
 * Handlers for a group of methods whose service is not part of this build: each answers -32603 with
 * a message naming the method, so a client gets a clear error instead of silence.
 */
import { Effect } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import { internalError } from "../rpc/JsonRpc.js"
import type { HandlersFor } from "./Handlers.js"

export const unavailableHandlers = <R extends Rpc.Any>(group: RpcGroup.RpcGroup<R>, why: string): HandlersFor<R> => {
  const handlers: Record<string, () => Effect.Effect<never, ReturnType<typeof internalError>>> = {}
  for (const method of group.requests.keys()) {
    handlers[method] = () => Effect.fail(internalError(`${method} is not available: ${why}`))
  }
  return handlers as unknown as HandlersFor<R>
}
