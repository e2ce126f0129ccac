/**
 * Routes each incoming message: requests to their handler (each in its own fiber, so a long handler
 * never blocks `ping`), responses to the requests we are waiting on, `notifications/cancelled` to the
 * fiber it names. Every request gets exactly one answer, except a cancelled one, which gets none.
 * Transports hand it messages already decoded (`receive`): framing (NDJSON lines, HTTP bodies) is theirs.
 */
import { Cause, Context, Effect, FiberMap, Schema } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import type { RequestId } from "../rpc/Enums.js"
import {
  type IncomingMessage,
  internalError,
  invalidParams,
  invalidRequest,
  type JsonRpcError,
  methodNotFound
} from "../rpc/JsonRpc.js"
import { CancelledParams } from "../rpc/Mcp.js"
import { settleCertificateLoading } from "../services/CertificateLoading.js"
import { OutgoingSender } from "./OutgoingSender.js"
import type { RequestContext } from "./Handlers.js"
import { describePath, MAX_PARAMS_DEPTH, pathBeyondDepth } from "./NestingDepth.js"

/** Methods that complete before the next message is read, so later messages see their effect. */
const ORDERED_METHODS: ReadonlySet<string> = new Set(["initialize", "newConversation", "resumeConversation"])

/** Request ids are type-sensitive (`1` ≠ `"1"`), so the key keeps the type. */
const requestKey = (id: RequestId) => `${typeof id}:${id}`

const progressTokenOf = (params: unknown): string | number | undefined => {
  if (typeof params !== "object" || params === null) return undefined
  const meta = (params as { readonly _meta?: unknown })._meta
  if (typeof meta !== "object" || meta === null) return undefined
  const token = (meta as { readonly progressToken?: unknown }).progressToken
  return typeof token === "string" || typeof token === "number" ? token : undefined
}

const describeSchemaError = (method: string, error: Schema.SchemaError) =>
  `Invalid params for ${method}: ${error.message.replace(/\n\s*/g, " ")}`

/** Handlers seen through the router's eyes: payload and result are checked by the method's schemas. */
type AnyHandler = (payload: unknown, request: RequestContext) => Effect.Effect<unknown, JsonRpcError>
type WireSchema = Schema.Codec<unknown, unknown>

/** A method the router answers: its Rpc (the payload and result schemas) and its handler. */
export interface Route {
  readonly rpc: Rpc.AnyWithProps
  readonly handler: AnyHandler
}

/**
 * The methods a router answers, by name: the route, or undefined for a method it does not know (-32601).
 * An effect, so a table can load the code behind a method when a request first needs it (failing with
 * the error to answer when that code could not be had).
 */
export type Routes = (method: string) => Effect.Effect<Route | undefined, JsonRpcError>

/** The routes of `group`'s methods, each answered by the handler of the same name. */
export const routesOf = <R extends Rpc.Any>(group: RpcGroup.RpcGroup<R>, handlers: object): Routes => (method) =>
  Effect.sync(() => {
    const rpc = group.requests.get(method) as Rpc.AnyWithProps | undefined
    return rpc === undefined ? undefined : { rpc, handler: (handlers as Record<string, AnyHandler>)[method]! }
  })

/** On SIGTERM, how long the requests running may take to finish when no drain timeout is given: long enough for a turn that runs commands. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 5 * 60 * 1000

const decodeCancelled = Schema.decodeUnknownOption(CancelledParams)

/** A router from its `receive` and the fibers of the requests it runs: shared by every router. */
export const routerOf = (receive: (message: IncomingMessage) => Effect.Effect<void>, running: FiberMap.FiberMap<string>) =>
  Router.of({
    receive,
    interruptAll: FiberMap.clear(running),
    awaitIdle: Effect.ignore(FiberMap.awaitEmpty(running)),
    running: FiberMap.size(running),
    afterFirstAnswer: Effect.void
  })

export class Router extends Context.Service<Router, {
  /** Handles one incoming message; returns once ordered work is done and other work is started. */
  readonly receive: (message: IncomingMessage) => Effect.Effect<void>
  /** Interrupts every request still running (their clients get no answer). */
  readonly interruptAll: Effect.Effect<void>
  /** Returns once no request is running. */
  readonly awaitIdle: Effect.Effect<void>
  /** How many requests are running. */
  readonly running: Effect.Effect<number>
  /** Run once the first answer is written: starts loading, in the background, what later requests need. */
  readonly afterFirstAnswer: Effect.Effect<void>
}>()("codex-effect/Router") {
  /** A router over `routes`; `afterFirstAnswer` as given (default: nothing to do). */
  static readonly make = Effect.fnUntraced(function*(routes: Routes, afterFirstAnswer: Effect.Effect<void> = Effect.void) {
    const sender = yield* OutgoingSender
    const running = yield* FiberMap.make<string>()

    const answer = (id: RequestId, rpc: Rpc.AnyWithProps, effect: Effect.Effect<unknown, JsonRpcError>) =>
      effect.pipe(
        Effect.flatMap((result) => Schema.encodeUnknownEffect(rpc.successSchema as WireSchema)(result)),
        Effect.flatMap((encoded) => sender.sendResponse(id, encoded)),
        Effect.catchCause((cause) => {
          if (Cause.hasInterruptsOnly(cause)) {
            // An inner interruption, not the client's cancel (that interrupts this fiber, so nothing here
            // runs and no answer is sent): the request still gets an answer.
            return sender.sendError(id, internalError("Internal error: the request was interrupted"))
          }
          const failure = Cause.findErrorOption(cause)
          if (failure._tag === "Some" && "code" in failure.value && typeof failure.value.code === "number") {
            return sender.sendError(id, failure.value as JsonRpcError)
          }
          return Effect.logError(`request ${id} failed`, cause).pipe(
            Effect.andThen(sender.sendError(id, internalError(`Internal error: ${Cause.squash(cause)}`)))
          )
        })
      )

    const handleRequest = Effect.fnUntraced(function*(message: Extract<IncomingMessage, { _tag: "Request" }>) {
      const { id, method, params } = message
      // Any request but `initialize` may start a process or a model request: the certificates are read first.
      if (method !== "initialize") settleCertificateLoading()
      // Waits here, holding the next message, while a route loads: later messages keep their order.
      const route = yield* Effect.result(routes(method))
      if (route._tag === "Failure") return yield* sender.sendError(id, route.failure)
      if (route.success === undefined) return yield* sender.sendError(id, methodNotFound(method))
      const { handler, rpc } = route.success
      const tooDeep = pathBeyondDepth(params)
      if (tooDeep !== undefined) {
        const message = `Invalid params for ${method}: ${describePath(tooDeep)}: nested more than ${MAX_PARAMS_DEPTH} levels deep`
        yield* Effect.logWarning(message)
        return yield* sender.sendError(id, invalidParams(message))
      }
      const decoded = yield* Schema.decodeUnknownEffect(rpc.payloadSchema as WireSchema)(params ?? {}).pipe(Effect.result)
      if (decoded._tag === "Failure") {
        yield* Effect.logWarning(describeSchemaError(method, decoded.failure))
        return yield* sender.sendError(id, invalidParams(describeSchemaError(method, decoded.failure)))
      }
      const context: RequestContext = { id, progressToken: progressTokenOf(params) }
      const key = requestKey(id)
      if (yield* FiberMap.has(running, key)) {
        return yield* sender.sendError(id, invalidRequest(`Invalid Request: request id ${JSON.stringify(id)} is already in use`))
      }
      const work = answer(id, rpc, Effect.suspend(() => handler(decoded.success, context)))
      if (ORDERED_METHODS.has(method)) return yield* work
      yield* FiberMap.run(running, key, work)
    })

    const handleNotification = Effect.fnUntraced(function*(method: string, params: unknown) {
      if (method === "notifications/cancelled") {
        const request = decodeCancelled(params)
        if (request._tag === "None") return yield* Effect.logWarning("notifications/cancelled without a valid requestId")
        const key = requestKey(request.value.requestId)
        if (!(yield* FiberMap.has(running, key))) return yield* Effect.logDebug(`cancel for a request not running: ${key}`)
        yield* Effect.logDebug(`cancelling request ${request.value.requestId}`)
        return yield* FiberMap.remove(running, key)
      }
      yield* Effect.logDebug(`notification ${method}`)
    })

    const receive = (message: IncomingMessage): Effect.Effect<void> => {
      switch (message._tag) {
        case "Request":
          return handleRequest(message)
        case "Notification":
          return handleNotification(message.method, message.params)
        case "Response":
          return sender.resolveResponse(message.id, message.result).pipe(
            Effect.flatMap((known) => known ? Effect.void : Effect.logWarning(`response to unknown request id ${message.id}`))
          )
        case "ErrorResponse":
          if (message.id === null) return Effect.logWarning(`client reported an error: ${message.error.message}`)
          return sender.rejectResponse(message.id, message.error).pipe(
            Effect.flatMap((known) => known ? Effect.void : Effect.logWarning(`error for unknown request id ${message.id}`))
          )
        case "Invalid":
          return Effect.logWarning(message.reason).pipe(
            Effect.andThen(sender.sendError(message.id, invalidRequest(message.reason)))
          )
      }
    }

    return Router.of({ ...routerOf(receive, running), afterFirstAnswer })
  })
}
