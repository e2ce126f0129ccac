/**
 * One MCP session of the HTTP transport: its own client state (capabilities, log level, router,
 * outgoing sender) over the shared agent, so elicitations and notifications go to the session whose
 * call caused them. What the sender emits is routed per message, by the id an answer carries (never by
 * reading its text): an answer goes to the POST waiting for it; everything else to the session's GET
 * stream (`SessionEvents`).
 */
import { randomUUID } from "node:crypto"
import { Context, Deferred, Effect, Exit, Layer, Scope, Sink } from "effect"
import type { RequestId } from "../../rpc/Enums.js"
import { answeredId, type EncodedMessage, type IncomingMessage, JSONRPC_VERSION, type OutgoingMessage } from "../../rpc/JsonRpc.js"
import { OutgoingSender } from "../OutgoingSender.js"
import { Router } from "../Router.js"
import { type ServerOptions, sessionLayer } from "../ServerLayer.js"
import { SessionEvents } from "./SessionEvents.js"

/** Request ids are type-sensitive (`1` ≠ `"1"`), so the key keeps the type. */
const requestKey = (id: RequestId) => `${typeof id}:${id}`

/** The answer to a POSTed request, or undefined when it will get none (cancelled, session closed). */
export type Answer = EncodedMessage | undefined

export interface HttpSession {
  readonly id: string
  readonly events: SessionEvents
  /** The protocol version agreed at `initialize`, once it is answered. */
  protocolVersion: string | undefined
  /** Hands one client message to the session's router. */
  readonly receive: (message: IncomingMessage) => Effect.Effect<void>
  /** Waits for the answer to request `id` (register before handing the request over). */
  readonly expectAnswer: (id: RequestId) => Effect.Effect<Effect.Effect<Answer>>
  /** Stops waiting for the answer to `id`: a cancelled request gets none; a dropped response's goes to the GET stream. */
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
  /** How many POSTed requests wait for their answer. */
  readonly awaited: () => number
  /** Returns once no POSTed request waits for its answer (new ones must be refused meanwhile: a drain). */
  readonly drain: Effect.Effect<void>
  /** Answers every request still waiting with a JSON-RPC error saying `message` (a drain that ran out of time). */
  readonly failWaiting: (message: string) => Effect.Effect<void>
  /** Interrupts the session's requests and ends its streams. */
  readonly close: Effect.Effect<void>
}

export const makeHttpSession = Effect.fnUntraced(function*<A>(
  options: Pick<ServerOptions, "stderrLogLevel" | "progressIntervalMs">,
  agent: Context.Context<A>,
  client: string
) {
  const scope = yield* Scope.make()
  const events = new SessionEvents()
  const waiting = new Map<string, Deferred.Deferred<Answer>>()
  /** The id of each waiting request, to answer it when a drain runs out of time. */
  const waitingIds = new Map<string, RequestId>()

  const route = (messages: ReadonlyArray<EncodedMessage>) =>
    Effect.sync(() => {
      for (const encoded of messages) {
        const id = answeredId(encoded.message)
        const key = id === undefined || id === null ? undefined : requestKey(id)
        const waiter = key === undefined ? undefined : waiting.get(key)
        if (key !== undefined && waiter !== undefined) {
          waiting.delete(key)
          waitingIds.delete(key)
          Deferred.doneUnsafe(waiter, Exit.succeed(encoded))
        } else {
          events.push(encoded.json)
        }
      }
    })

  const context = yield* Layer.buildWithScope(
    sessionLayer(options, OutgoingSender.layerMessages(Sink.forEach(route)), Layer.succeedContext(agent)),
    scope
  )
  const router = Context.get(context, Router)

  const settle = (key: string) => {
    const waiter = waiting.get(key)
    waiting.delete(key)
    waitingIds.delete(key)
    if (waiter !== undefined) Deferred.doneUnsafe(waiter, Exit.succeed(undefined))
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
    receive: (message) => router.receive(message).pipe(Effect.provideContext(context)),
    expectAnswer: (id) =>
      Effect.sync(() => {
        const waiter = Deferred.makeUnsafe<Answer>()
        waiting.set(requestKey(id), waiter)
        waitingIds.set(requestKey(id), id)
        return Deferred.await(waiter)
      }),
    touch: () => {
      lastActive = Date.now()
      used = true
    },
    wasUsed: () => used,
    isIdle: (idleMs) => waiting.size === 0 && !events.hasReader && Date.now() - lastActive > idleMs,
    dropAnswer: (id) => Effect.sync(() => settle(requestKey(id))),
    awaited: () => waiting.size,
    // Awaits the answers waited for now, then looks again: a request may have come in meanwhile.
    drain: Effect.whileLoop({
      while: () => waiting.size > 0,
      body: () => Effect.forEach([...waiting.values()], Deferred.await, { discard: true }),
      step: () => undefined
    }),
    failWaiting: (message) =>
      Effect.sync(() => {
        for (const [key, id] of [...waitingIds]) {
          const error: OutgoingMessage = { jsonrpc: JSONRPC_VERSION, id, error: { code: -32000, message } }
          const waiter = waiting.get(key)
          waiting.delete(key)
          waitingIds.delete(key)
          if (waiter !== undefined) Deferred.doneUnsafe(waiter, Exit.succeed({ message: error, json: JSON.stringify(error) }))
        }
      }),
    close: Effect.suspend(() => {
      events.close()
      for (const key of [...waiting.keys()]) settle(key)
      return router.interruptAll.pipe(Effect.andThen(Scope.close(scope, Exit.void)))
    })
  }
  return session
})
