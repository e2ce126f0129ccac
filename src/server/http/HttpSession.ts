/**
 * One MCP session of the HTTP transport: its own client state (capabilities, log level, router,
 * outgoing sender) over the shared agent, so elicitations and notifications go to the session whose
 * call caused them. What the sender emits is routed per message, by the request it belongs to (never by
 * reading its text): an answer ends the stream of the POST that asked (or completes its JSON response);
 * a notification or request of ours tied to a request (`relatedRequestId`) goes on that request's stream
 * while it lasts, even when its reader is gone (kept for `Last-Event-ID`); everything else goes on the
 * session's GET stream. An answer never goes on the GET stream.
 */
import { randomUUID } from "node:crypto"
import { Context, Deferred, Duration, Effect, Exit, Layer, Scope, Sink, type Stream } from "effect"
import type { RequestId } from "../../rpc/Enums.js"
import { answeredId, type EncodedMessage, type IncomingMessage, JSONRPC_VERSION, type OutgoingMessage } from "../../rpc/JsonRpc.js"
import { OutgoingSender } from "../OutgoingSender.js"
import { Router } from "../Router.js"
import { type ServerOptions, sessionLayer } from "../ServerLayer.js"
import { REPLAY_LOG_BYTES, SessionEvents } from "./SessionEvents.js"

/** Request ids are type-sensitive (`1` ≠ `"1"`), so the key keeps the type. */
const requestKey = (id: RequestId) => `${typeof id}:${id}`

/** The bound on each request's replay log: a call's events, for a client that resumes it. */
const REQUEST_LOG_BYTES = REPLAY_LOG_BYTES / 4

/** Answered request streams nobody has read to the end, kept for resumption; the oldest go first. */
const MAX_UNCLAIMED_STREAMS = 16

/**
 * How long a request of ours (an elicitation) may go unanswered with no reader on the stream carrying it:
 * a client that never opened that stream, or dropped it and never came back, cannot answer, and the call
 * must not wait forever on nobody.
 */
export const UNREAD_REQUEST_MS = 2 * 60 * 1000

/** How often a drain looks whether the last answer is out. */
const DRAIN_CHECK_MS = 50

/** Settings of a session beyond the server's (tests shorten them). */
export interface HttpSessionOptions extends Pick<ServerOptions, "stderrLogLevel" | "progressIntervalMs"> {
  /** `UNREAD_REQUEST_MS` unless given. */
  readonly unreadRequestMs?: number | undefined
}

/** The answer to a POSTed request, or undefined when it will get none (cancelled, session closed). */
export type Answer = EncodedMessage | undefined

export interface HttpSession {
  readonly id: string
  readonly events: SessionEvents
  /** The protocol version agreed at `initialize`, once it is answered. */
  protocolVersion: string | undefined
  /** Hands one client message to the session's router. */
  readonly receive: (message: IncomingMessage) => Effect.Effect<void>
  /** Waits for the answer to request `id` (register before handing the request over): a JSON response. */
  readonly expectAnswer: (id: RequestId) => Effect.Effect<Effect.Effect<Answer>>
  /**
   * The event stream of request `id` (register before handing the request over): its messages, then its
   * answer. A reader that drops it leaves the rest for a resumption (`resume`).
   */
  readonly openStream: (id: RequestId) => Effect.Effect<Stream.Stream<Uint8Array>>
  /** A finished stream carrying one answer (`initialize`'s, given before the session was known to the client). */
  readonly answeredStream: (id: RequestId, answer: EncodedMessage) => Effect.Effect<Stream.Stream<Uint8Array>>
  /** The stream `Last-Event-ID` names, from that event on; undefined when it is unknown or already read to the end. */
  readonly resume: (lastEventId: string) => Stream.Stream<Uint8Array> | undefined
  /** Stops waiting for the answer to `id`: a cancelled request gets none, a dropped JSON response's is discarded. */
  readonly dropAnswer: (id: RequestId) => Effect.Effect<void>
  /** Who opened the session (the peer's address): sessions are capped per client. */
  readonly client: string
  /** When the session was opened (epoch ms). */
  readonly openedAt: number
  /** Records that the client used the session just now. */
  readonly touch: () => void
  /** Whether the client has used the session since `initialize`; a flood of bare `initialize`s never does. */
  readonly wasUsed: () => boolean
  /** Whether the session has not been used for `idleMs`: no request in progress, no stream read, no recent call. */
  readonly isIdle: (idleMs: number) => boolean
  /** How many POSTed requests wait for their answer (a JSON response or a stream not yet finished). */
  readonly awaited: () => number
  /** Returns once no POSTed request waits for its answer (new ones must be refused meanwhile: a drain). */
  readonly drain: Effect.Effect<void>
  /** Answers every request still waiting with a JSON-RPC error saying `message` (a drain that ran out of time, a DELETE). */
  readonly failWaiting: (message: string) => Effect.Effect<void>
  /** Interrupts the session's requests and ends its streams. */
  readonly close: Effect.Effect<void>
}

export const makeHttpSession = Effect.fnUntraced(function*<A>(
  options: HttpSessionOptions,
  agent: Context.Context<A>,
  client: string
) {
  const scope = yield* Scope.make()
  const events = new SessionEvents()
  const waiting = new Map<string, Deferred.Deferred<Answer>>()
  /** The streams of requests, by request key, until their answer is read. */
  const streams = new Map<string, SessionEvents>()
  let nextStream = 1

  const forget = (key: string, stream: SessionEvents) => {
    if (streams.get(key) === stream) streams.delete(key)
  }
  /** Keeps at most `MAX_UNCLAIMED_STREAMS` answered streams that no reader has finished. */
  const evictUnclaimed = () => {
    const unclaimed = [...streams].filter(([, stream]) => stream.isFinished && !stream.hasReader)
    for (const [key, stream] of unclaimed.slice(0, Math.max(0, unclaimed.length - MAX_UNCLAIMED_STREAMS))) {
      stream.close()
      streams.delete(key)
    }
  }
  /** The id of each request taken and not yet answered, to answer it when a drain runs out of time. */
  const takenIds = new Map<string, RequestId>()
  const awaited = () => waiting.size + [...streams.values()].filter((stream) => !stream.isFinished).length
  const makeStream = (key: string) => {
    const stream: SessionEvents = new SessionEvents(REQUEST_LOG_BYTES, `${nextStream++}/`, () => forget(key, stream))
    streams.set(key, stream)
    return stream
  }

  /** Routes one message; returns where a request of ours went, so its reading can be watched. */
  const routeOne = (encoded: EncodedMessage): { readonly id: RequestId; readonly on: SessionEvents } | undefined => {
    const id = answeredId(encoded.message)
    if (id !== undefined) {
      const key = id === null ? undefined : requestKey(id)
      const stream = key === undefined ? undefined : streams.get(key)
      const waiter = key === undefined ? undefined : waiting.get(key)
      if (key !== undefined) takenIds.delete(key)
      if (stream !== undefined) {
        stream.finish(encoded.json)
        evictUnclaimed()
      } else if (waiter !== undefined) {
        waiting.delete(key!)
        Deferred.doneUnsafe(waiter, Exit.succeed(encoded))
      }
      // Otherwise nobody waits for it (a dropped JSON response): it must not go on the GET stream.
      return undefined
    }
    const related = encoded.relatedRequestId === undefined ? undefined : streams.get(requestKey(encoded.relatedRequestId))
    const on = related !== undefined && !related.isFinished ? related : events
    on.push(encoded.json)
    return "id" in encoded.message ? { id: encoded.message.id as RequestId, on } : undefined
  }

  const unreadRequestMs = options.unreadRequestMs ?? UNREAD_REQUEST_MS
  /** The session's sender, once built (the sender's sink is `route`, so it comes after). */
  let sender: OutgoingSender["Service"] | undefined
  /** Our requests the client has not answered: the stream each went on, and when. */
  const unanswered = new Map<RequestId, { readonly on: SessionEvents; readonly sentAt: number }>()
  /**
   * Fails our request `id` once no reader has had its stream for `unreadRequestMs` (never read, or read and
   * then dropped with nobody resuming): the call then decides without the client.
   */
  const giveUpIfUnread = (id: RequestId) =>
    Effect.suspend(() => {
      const entry = unanswered.get(id)
      if (entry === undefined) return Effect.succeed(true)
      const since = entry.on.readerlessSince
      if (since === undefined || Date.now() - Math.max(since, entry.sentAt) < unreadRequestMs || sender === undefined) {
        return Effect.succeed(false)
      }
      unanswered.delete(id)
      const message = `no client read the request for ${unreadRequestMs} ms (no stream carrying it was open)`
      return Effect.logWarning(`request ${id} to the client: ${message}`).pipe(
        Effect.andThen(sender.rejectResponse(id, { code: -32001, message })),
        Effect.as(true)
      )
    })
  const watchUnread = (id: RequestId): Effect.Effect<void> =>
    Effect.sleep(Duration.millis(Math.max(1, unreadRequestMs / 4))).pipe(
      Effect.andThen(giveUpIfUnread(id)),
      Effect.repeat({ until: (done) => done }),
      Effect.asVoid
    )

  const route = (messages: ReadonlyArray<EncodedMessage>): Effect.Effect<void> =>
    Effect.suspend(() => {
      const requests = messages.map(routeOne).filter((request) => request !== undefined)
      for (const request of requests) unanswered.set(request.id, { on: request.on, sentAt: Date.now() })
      return Effect.forEach(requests, (request) => Effect.forkIn(watchUnread(request.id), scope), { discard: true })
    })

  const context = yield* Layer.buildWithScope(
    sessionLayer(options, OutgoingSender.layerMessages(Sink.forEach(route)), Layer.succeedContext(agent)),
    scope
  )
  const router = Context.get(context, Router)
  sender = Context.get(context, OutgoingSender)

  const settle = (key: string) => {
    takenIds.delete(key)
    const waiter = waiting.get(key)
    waiting.delete(key)
    if (waiter !== undefined) Deferred.doneUnsafe(waiter, Exit.succeed(undefined))
    const stream = streams.get(key)
    if (stream !== undefined && !stream.isFinished) {
      streams.delete(key)
      stream.close()
    }
  }

  const openedAt = Date.now()
  let lastActive = openedAt
  let used = false
  const session: HttpSession = {
    id: randomUUID(),
    events,
    protocolVersion: undefined,
    client,
    openedAt,
    receive: (message) =>
      Effect.suspend(() => {
        // The client answered one of ours: no longer watched for a client that is gone.
        if ((message._tag === "Response" || message._tag === "ErrorResponse") && message.id !== null) unanswered.delete(message.id)
        return router.receive(message).pipe(Effect.provideContext(context))
      }),
    expectAnswer: (id) =>
      Effect.sync(() => {
        const waiter = Deferred.makeUnsafe<Answer>()
        waiting.set(requestKey(id), waiter)
        takenIds.set(requestKey(id), id)
        return Deferred.await(waiter)
      }),
    openStream: (id) =>
      Effect.sync(() => {
        takenIds.set(requestKey(id), id)
        return makeStream(requestKey(id)).open(undefined)
      }),
    answeredStream: (id, answer) =>
      Effect.sync(() => {
        const stream = makeStream(requestKey(id))
        stream.finish(answer.json)
        return stream.open(undefined)
      }),
    resume: (lastEventId) => {
      const onGet = events.parseId(lastEventId)
      if (onGet !== undefined) return events.open(onGet)
      for (const stream of streams.values()) {
        const after = stream.parseId(lastEventId)
        if (after !== undefined) return stream.open(after)
      }
      return undefined
    },
    touch: () => {
      lastActive = Date.now()
      used = true
    },
    wasUsed: () => used,
    isIdle: (idleMs) =>
      waiting.size === 0 && !events.hasReader && [...streams.values()].every((stream) => stream.isFinished && !stream.hasReader) &&
      Date.now() - lastActive > idleMs,
    dropAnswer: (id) => Effect.sync(() => settle(requestKey(id))),
    awaited,
    // Shutdown only: checks again until the last answer is out, since a request may still come in meanwhile.
    drain: Effect.gen(function*() {
      while (awaited() > 0) yield* Effect.sleep(Duration.millis(DRAIN_CHECK_MS))
    }),
    failWaiting: (message) =>
      Effect.sync(() => {
        for (const [key, id] of [...takenIds]) {
          const error: OutgoingMessage = { jsonrpc: JSONRPC_VERSION, id, error: { code: -32000, message } }
          const answer: EncodedMessage = { message: error, json: JSON.stringify(error) }
          takenIds.delete(key)
          const waiter = waiting.get(key)
          waiting.delete(key)
          if (waiter !== undefined) Deferred.doneUnsafe(waiter, Exit.succeed(answer))
          const stream = streams.get(key)
          if (stream !== undefined && !stream.isFinished) stream.finish(answer.json)
        }
      }),
    close: Effect.suspend(() => {
      events.close()
      for (const key of [...waiting.keys(), ...streams.keys()]) settle(key)
      // A stream whose answer is logged (`failWaiting` before a DELETE) stays readable to that answer.
      for (const stream of streams.values()) if (!stream.isFinished) stream.close()
      streams.clear()
      return router.interruptAll.pipe(Effect.andThen(Scope.close(scope, Exit.void)))
    })
  }
  return session
})
