/**
 * The only writer of the protocol stream. It builds the JSON-RPC messages: responses, errors,
 * notifications and our own requests to the client (params encoded with their declared schemas), mints
 * request ids (integers from 0, one counter for every kind of server request) and matches the client's
 * answers to the waiting caller. It emits messages, each serialised once (`EncodedMessage`): the transport
 * frames them (stdio: one line each) or routes them (HTTP: by the id an answer carries).
 *
 * Messages go through a queue drained by one writer fiber, so concurrent senders never interleave
 * partial messages and bursts (thousands of deltas) are handed over in batches. The queue is bounded in
 * bytes (`ByteBudget`): when the client stops reading, senders wait for room (and with them the
 * turns whose events they forward), so memory stays at the budget instead of growing with every
 * answer. After `close` nothing waits any more: what does not fit is dropped.
 */
import { Context, Deferred, Effect, Layer, Queue, Result, Schema, Sink, Stdio, Stream } from "effect"
import type { Rpc } from "effect/rpc"
import type { RequestId } from "../rpc/Enums.js"
import type { ServerRequest } from "../rpc/Groups.js"
import {
  type EncodedMessage,
  JSONRPC_VERSION,
  type JsonRpcError,
  type JsonRpcErrorObject,
  type OutgoingMessage,
  toErrorObject
} from "../rpc/JsonRpc.js"
import type { ServerNotification } from "../rpc/Notifications.js"
import { ByteBudget } from "../services/ByteBudget.js"
import { toLines } from "./LineReader.js"

/** The default bound on lines queued for the client and not yet written (in UTF-16 code units, ~bytes). */
const OUTGOING_BUFFER_BYTES = 1024 * 1024

/** The client answered one of our requests with a JSON-RPC error, or with a result that did not decode. */
export class ClientRequestError extends Schema.TaggedError<ClientRequestError>()("ClientRequestError", {
  method: Schema.String,
  code: Schema.Int,
  message: Schema.String
}) {}

/** Where finished lines go, as a function: a buffer in tests. Completes once the chunk is written. */
export type LineSink = (chunk: string) => Effect.Effect<void>

/** Where finished lines go, as a sink: stdout in the stdio server. It pulls the next chunk once the last is written. */
export type ChunkSink = Sink.Sink<unknown, string, unknown, unknown, never>

/** Where messages go, a batch at a time; it pulls the next batch once the last is delivered. */
export type MessageSink = Sink.Sink<unknown, ReadonlyArray<EncodedMessage>, unknown, unknown, never>

/** What a message holds of the budget: its JSON and a line end. */
const sizeOf = (message: EncodedMessage) => message.json.length + 1

type Pending = Deferred.Deferred<unknown, ClientRequestError>
type QueueItem = EncodedMessage | Deferred.Deferred<void>

/** Every wire schema here needs no services. */
type WireSchema = Schema.Codec<unknown, unknown>

type Encoder = (input: unknown) => Result.Result<unknown, Schema.SchemaError>

/** One encoder per notification definition, made on first use (making one costs a third of a delta's encoding). */
const encoders = new WeakMap<Rpc.AnyWithProps, Encoder>()
const encoderFor = (notification: ServerNotification | Rpc.AnyWithProps): Encoder => {
  let encoder = encoders.get(notification)
  if (encoder === undefined) {
    encoder = Schema.encodeUnknownResult(notification.payloadSchema as WireSchema)
    encoders.set(notification, encoder)
  }
  return encoder
}

const makeOutgoingSender = Effect.fnUntraced(function*(sink: MessageSink, bufferBytes: number) {
  const queue = yield* Queue.unbounded<QueueItem>()
  const budget = new ByteBudget(bufferBytes)
  /** Set while senders wait for the client; logged once per episode. */
  let backedUp = false
  const pending = new Map<number, { readonly method: string; readonly deferred: Pending }>()
  let nextRequestId = 0

  /** What the sink took last: settled when it asks for more, i.e. once that chunk is written. */
  let inFlight: { readonly bytes: number; readonly flushed: ReadonlyArray<Deferred.Deferred<void>> } | undefined
  const settleInFlight = Effect.suspend(() => {
    if (inFlight === undefined) return Effect.void
    const { bytes, flushed } = inFlight
    inFlight = undefined
    budget.release(bytes)
    const relieved = backedUp && !budget.wouldWait(1)
    if (relieved) backedUp = false
    return Effect.forEach(flushed, (deferred) => Deferred.succeed(deferred, undefined), { discard: true }).pipe(
      Effect.andThen(relieved ? Effect.logDebug("outgoing queue has room again") : Effect.void)
    )
  })
  /** The next batch for the sink: every message queued since the last one. */
  const nextChunk: Effect.Effect<ReadonlyArray<EncodedMessage>> = Effect.gen(function*() {
    yield* settleInFlight
    const items = yield* Queue.takeAll(queue)
    const batch: Array<EncodedMessage> = []
    let bytes = 0
    const flushed: Array<Deferred.Deferred<void>> = []
    for (const item of items) {
      if ("json" in item) {
        batch.push(item)
        bytes += sizeOf(item)
      } else flushed.push(item)
    }
    inFlight = { bytes, flushed }
    return batch
  })
  yield* Stream.fromEffectRepeat(nextChunk).pipe(
    Stream.filter((chunk) => chunk.length > 0),
    Stream.run(sink),
    // A broken output (the client is gone) must not leave senders waiting for room: discard from now on.
    Effect.catchCause((cause) =>
      Effect.logError("the client's output stream failed; discarding output", cause).pipe(Effect.andThen(Effect.forever(nextChunk)))
    ),
    Effect.forkScoped
  )

  const write = (message: OutgoingMessage, relatedRequestId?: RequestId) =>
    Effect.suspend(() => {
      const encoded: EncodedMessage = { message, json: JSON.stringify(message), relatedRequestId }
      const size = sizeOf(encoded)
      // Closing and no room: the client is gone or not reading, and the server is on its way out.
      if (budget.isOpen && budget.heldBytes + size > budget.limit) return Effect.void
      const acquire = budget.acquire(size).pipe(Effect.andThen(Queue.offer(queue, encoded)), Effect.asVoid)
      if (backedUp || !budget.wouldWait(size)) return acquire
      backedUp = true
      return Effect.logDebug(`outgoing queue full (${budget.heldBytes} bytes unwritten): waiting for the client to read`).pipe(
        Effect.andThen(acquire)
      )
    })

  const sendRequest = <R extends ServerRequest | Rpc.AnyWithProps>(rpc: R, payload: Rpc.Payload<R>, options: RequestOptions = {}) =>
    Effect.gen(function*() {
      const params = yield* Schema.encodeUnknownEffect(rpc.payloadSchema as WireSchema)(payload).pipe(Effect.orDie)
      const id = nextRequestId++
      const deferred = yield* Deferred.make<unknown, ClientRequestError>()
      pending.set(id, { method: rpc._tag, deferred })
      options.onIssued?.(id)
      yield* write({ jsonrpc: JSONRPC_VERSION, id, method: rpc._tag, params }, options.relatedRequestId)
      const answer = yield* Deferred.await(deferred).pipe(Effect.ensuring(Effect.sync(() => pending.delete(id))))
      return yield* Schema.decodeUnknownEffect(rpc.successSchema as WireSchema)(answer).pipe(
        Effect.mapError((error) =>
          new ClientRequestError({ method: rpc._tag, code: -32602, message: `Malformed answer: ${error.message}` })
        )
      ) as Effect.Effect<Rpc.Success<R>, ClientRequestError>
    })

  const notify = <N extends ServerNotification | Rpc.AnyWithProps>(notification: N, payload: Rpc.Payload<N>, relatedRequestId?: RequestId) =>
    Effect.suspend(() => {
      const params = encoderFor(notification)(payload)
      // A server bug, not the client's: say so and keep serving.
      if (Result.isFailure(params)) {
        return Effect.logError(`${notification._tag} not sent, its params do not match the schema: ${params.failure.message}`)
      }
      return write({ jsonrpc: JSONRPC_VERSION, method: notification._tag, params: params.success }, relatedRequestId)
    })

  const settle = (id: RequestId, settleWith: (entry: { readonly method: string; readonly deferred: Pending }) => Effect.Effect<boolean>) =>
    Effect.suspend(() => {
      const entry = typeof id === "number" ? pending.get(id) : undefined
      if (entry === undefined) return Effect.succeed(false)
      pending.delete(id as number)
      return settleWith(entry)
    })

  return OutgoingSender.of({
    sendResponse: (id, result) => write({ jsonrpc: JSONRPC_VERSION, id, result }),
    sendError: (id, error) => write({ jsonrpc: JSONRPC_VERSION, id, error: toErrorObject(error) }),
    notify,
    sendRequest,
    resolveResponse: (id, result) => settle(id, (entry) => Deferred.succeed(entry.deferred, result)),
    rejectResponse: (id, error) =>
      settle(id, (entry) =>
        Deferred.fail(
          entry.deferred,
          new ClientRequestError({ method: entry.method, code: error.code, message: error.message })
        )),
    flush: Effect.gen(function*() {
      const done = yield* Deferred.make<void>()
      yield* Queue.offer(queue, done)
      yield* Deferred.await(done)
    }),
    hasRoom: Effect.sync(() => !budget.wouldWait(1)),
    awaitRoom: budget.awaitRoom,
    close: Effect.sync(() => budget.open())
  })
})

/** How a request to the client is sent. */
export interface RequestOptions {
  /** The client request this one belongs to, if any (see `EncodedMessage`). */
  readonly relatedRequestId?: RequestId | undefined
  /** Told the request's id once it is minted (app-server's `serverRequest/resolved` names it). */
  readonly onIssued?: ((id: number) => void) | undefined
}

export class OutgoingSender extends Context.Service<OutgoingSender, {
  /** Answers the client's request `id` with `result`. */
  readonly sendResponse: (id: RequestId, result: unknown) => Effect.Effect<void>
  /** Answers the client's request `id` (or `null` when the id could not be read) with an error. */
  readonly sendError: (id: RequestId | null, error: JsonRpcError) => Effect.Effect<void>
  /**
   * Sends a notification, its params encoded with the definition's payload schema; `relatedRequestId`
   * names the client request it belongs to, if any (see `EncodedMessage`).
   */
  readonly notify: <N extends ServerNotification | Rpc.AnyWithProps>(
    notification: N,
    payload: Rpc.Payload<N>,
    relatedRequestId?: RequestId
  ) => Effect.Effect<void>
  /**
   * Sends a request to the client and waits for its answer, decoded with the method's success schema.
   * A JSON-RPC error answer fails with `ClientRequestError`; interrupting the wait forgets the request.
   */
  readonly sendRequest: <R extends ServerRequest | Rpc.AnyWithProps>(
    rpc: R,
    payload: Rpc.Payload<R>,
    options?: RequestOptions
  ) => Effect.Effect<Rpc.Success<R>, ClientRequestError>
  /** Delivers the client's result for request `id`; false when no such request is waiting. */
  readonly resolveResponse: (id: RequestId, result: unknown) => Effect.Effect<boolean>
  /** Delivers the client's error for request `id`; false when no such request is waiting. */
  readonly rejectResponse: (id: RequestId, error: JsonRpcErrorObject) => Effect.Effect<boolean>
  /** Completes once everything sent so far has been written. */
  readonly flush: Effect.Effect<void>
  /** Whether the outgoing queue has room right now. */
  readonly hasRoom: Effect.Effect<boolean>
  /** Completes when the outgoing queue has room: the input loop waits on it before handling a line. */
  readonly awaitRoom: Effect.Effect<void>
  /** From now on no sender waits: lines that do not fit are dropped (for shutdown). */
  readonly close: Effect.Effect<void>
}>()("codex-effect/OutgoingSender") {
  /** A sender handing its messages to `sink` (a transport that routes messages); its writer fiber lives as long as the layer's scope. */
  static readonly layerMessages = (sink: MessageSink, bufferBytes: number = OUTGOING_BUFFER_BYTES) =>
    Layer.effect(OutgoingSender, makeOutgoingSender(sink, bufferBytes))

  /** A sender writing newline-delimited JSON to `sink`: a buffer in tests. */
  static readonly layerWith = (sink: LineSink, bufferBytes: number = OUTGOING_BUFFER_BYTES) =>
    OutgoingSender.layerSink(Sink.forEach(sink), bufferBytes)

  /** A sender writing newline-delimited JSON into `sink` (stdout). */
  static readonly layerSink = (sink: ChunkSink, bufferBytes: number = OUTGOING_BUFFER_BYTES) =>
    OutgoingSender.layerMessages(Sink.mapInput(sink, toLines), bufferBytes)

  /** The stdio server's sender: newline-delimited JSON on the `Stdio` service's stdout. */
  static readonly layer = Layer.unwrap(Effect.gen(function*() {
    const stdio = yield* Stdio.Stdio
    return OutgoingSender.layerSink(stdio.stdout())
  }))
}
