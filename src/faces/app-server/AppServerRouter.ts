/**
 * The app-server's router, in the `Router` slot the stdio loop drives: requests of `AppServerRequests` to
 * their handler, answers to the server's own requests back to `OutgoingSender`. Anything else answers a
 * JSON-RPC error: -32601 for a method outside the subset (the reference answers -32600 there), -32602 for
 * params that fail the method's schema or nest deeper than 128 levels, -32600 before `initialize` and for
 * a second one. A handler may queue work to run once its answer is queued (`afterAnswer`), so
 * `thread/started` and `turn/started` follow their answers as in the reference.
 */
import { Cause, Context, Effect, FiberMap, Layer, Schema } from "effect"
import type { Rpc } from "effect/rpc"
import type { RequestId } from "../../rpc/Enums.js"
import { internalError, invalidParams, invalidRequest, type JsonRpcError, methodNotFound } from "../../rpc/JsonRpc.js"
import type { IncomingMessage } from "../../rpc/JsonRpc.js"
import { describePath, MAX_PARAMS_DEPTH, pathBeyondDepth } from "../../server/NestingDepth.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import { Router, routerOf } from "../../server/Router.js"
import { type AppServerRequest, AppServerRequests } from "./Protocol.js"

export interface AppServerRequestContext {
  /** Runs `effect` right after this request's answer is queued (before any later message of the handler's doing). */
  readonly afterAnswer: (effect: Effect.Effect<void>) => void
}

export type AppServerHandler<R extends Rpc.Any> = (
  payload: Rpc.Payload<R>,
  context: AppServerRequestContext
) => Effect.Effect<Rpc.Success<R>, JsonRpcError>

export type AppServerHandlerMap = { readonly [K in AppServerRequest as K["_tag"]]: AppServerHandler<K> }

/** Every app-server method's handler, keyed by wire method name. */
export class AppServerHandlers extends Context.Service<AppServerHandlers, AppServerHandlerMap>()(
  "codex-effect/AppServerHandlers"
) {}

/**
 * Methods that complete before the next message is read: a later `turn/start` finds its thread, and
 * writes to a command's stdin arrive in the order sent.
 */
const ORDERED_METHODS: ReadonlySet<string> = new Set([
  "initialize",
  "thread/start",
  "thread/resume",
  "command/exec/write",
  "command/exec/resize",
  "command/exec/terminate"
])

type WireSchema = Schema.Codec<unknown, unknown>
type AnyHandler = (payload: unknown, context: AppServerRequestContext) => Effect.Effect<unknown, JsonRpcError>

const requestKey = (id: RequestId) => `${typeof id}:${id}`

/** The app-server's `Router` (`AppServerRouter.layer` where this module is imported whole). */
export const layer = Layer.effect(Router, Effect.gen(function*() {
  const sender = yield* OutgoingSender
  const handlers = yield* AppServerHandlers
  const running = yield* FiberMap.make<string>()
  const rpcs = AppServerRequests.requests as ReadonlyMap<string, Rpc.AnyWithProps>
  let initialized = false

  const answer = (id: RequestId, rpc: Rpc.AnyWithProps, payload: unknown) =>
    Effect.gen(function*() {
      const after: Array<Effect.Effect<void>> = []
      const handler = handlers[rpc._tag as keyof AppServerHandlerMap] as unknown as AnyHandler
      const result = yield* handler(payload, { afterAnswer: (effect) => void after.push(effect) })
      const encoded = yield* Schema.encodeUnknownEffect(rpc.successSchema as WireSchema)(result)
      yield* sender.sendResponse(id, encoded)
      for (const effect of after) yield* effect
    }).pipe(
      Effect.catchCause((cause) => {
        if (Cause.hasInterruptsOnly(cause)) return sender.sendError(id, internalError("Internal error: the request was interrupted"))
        const failure = Cause.findErrorOption(cause)
        if (failure._tag === "Some" && "code" in failure.value && typeof failure.value.code === "number") {
          return sender.sendError(id, failure.value as JsonRpcError)
        }
        return Effect.logError(`request ${id} failed`, cause).pipe(
          Effect.andThen(sender.sendError(id, internalError(`Internal error: ${Cause.squash(cause)}`)))
        )
      })
    )

  const handleRequest = Effect.fnUntraced(function*(id: RequestId, method: string, params: unknown) {
    const rpc = rpcs.get(method)
    if (rpc === undefined) return yield* sender.sendError(id, methodNotFound(method))
    if (method === "initialize" ? initialized : !initialized) {
      return yield* sender.sendError(id, invalidRequest(initialized ? "Already initialized" : "Not initialized"))
    }
    // Decoding and what follows it (config merging, JSON → TOML) recurse: a 10,000-deep `config` would overflow the stack.
    const tooDeep = pathBeyondDepth(params)
    if (tooDeep !== undefined) {
      return yield* sender.sendError(id, invalidParams(`Invalid params for ${method}: ${describePath(tooDeep)}: nested more than ${MAX_PARAMS_DEPTH} levels deep`))
    }
    const decoded = yield* Schema.decodeUnknownEffect(rpc.payloadSchema as WireSchema)(params ?? {}).pipe(Effect.result)
    if (decoded._tag === "Failure") {
      return yield* sender.sendError(id, invalidParams(`Invalid params for ${method}: ${decoded.failure.message.replace(/\n\s*/g, " ")}`))
    }
    if (method === "initialize") initialized = true
    const key = requestKey(id)
    if (yield* FiberMap.has(running, key)) {
      return yield* sender.sendError(id, invalidRequest(`Invalid Request: request id ${JSON.stringify(id)} is already in use`))
    }
    const work = answer(id, rpc, decoded.success)
    if (ORDERED_METHODS.has(method)) return yield* work
    yield* FiberMap.run(running, key, work)
  })

  const receive = (message: IncomingMessage): Effect.Effect<void> => {
    switch (message._tag) {
      case "Request":
        return handleRequest(message.id, message.method, message.params)
      case "Notification":
        return Effect.logDebug(`notification ${message.method}`)
      case "Response":
        return sender.resolveResponse(message.id, message.result).pipe(
          Effect.flatMap((known) => known ? Effect.void : Effect.logWarning(`response to unknown request id ${message.id}`))
        )
      case "ErrorResponse":
        if (message.id === null) return Effect.logWarning(`client reported an error: ${message.error.message}`)
        return sender.rejectResponse(message.id, message.error).pipe(Effect.asVoid)
      case "Invalid":
        return sender.sendError(message.id, invalidRequest(message.reason))
    }
  }

  return routerOf(receive, running)
}))
