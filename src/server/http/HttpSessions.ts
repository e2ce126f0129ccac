/**
 * The open sessions of the HTTP transport, by `Mcp-Session-Id`. Each is built on the agent context
 * given here (shared by every session); closing the registry (server shutdown) closes every session,
 * which interrupts its requests and ends its streams.
 *
 * Sessions are capped in all and per remote client (the peer's address: every local client has the
 * same loopback address, so the per-client cap is for remote peers), and one client cannot lock others
 * out by opening them: when a cap is reached, a new session takes the place of one nobody uses (never
 * used after `initialize`, else idle for `EVICTABLE_IDLE_MS`), the client's own first when its cap is
 * the one reached. Only when every session is in use is `initialize` refused. Sessions never used after
 * `initialize` also close after `UNUSED_SESSION_MS`, idle ones after `SESSION_IDLE_MS`.
 */
import { type Context as EffectContext, Context, Duration, Effect, Layer, Schedule, Semaphore } from "effect"
import type { AgentServices } from "../ServerLayer.js"
import { type HttpSession, type HttpSessionOptions, makeHttpSession } from "./HttpSession.js"

/** Open sessions at most: each holds a router, a replay log and a little state. */
export const MAX_HTTP_SESSIONS = 256
/** Open sessions of one remote client (one peer address that is not loopback) at most. */
export const MAX_SESSIONS_PER_CLIENT = 64
/** A session nobody has used for this long is closed (its client gets 404 and initializes again). */
export const SESSION_IDLE_MS = 30 * 60 * 1000
/** A session idle this long may give its place to a new one when the sessions are at a cap. */
export const EVICTABLE_IDLE_MS = 60 * 1000
/** A session its client never used after `initialize` closes after this long (real clients use it at once). */
export const UNUSED_SESSION_MS = 30 * 1000

/** Loopback peers, as Node reports them (IPv4, IPv6, IPv4-mapped IPv6). */
const isLoopbackPeer = (address: string) => address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.")

/** The session to close to make room among `candidates`: a never-used one first (oldest), else the longest idle. */
const evictionCandidate = (candidates: ReadonlyArray<HttpSession>): HttpSession | undefined => {
  const unused = candidates.filter((session) => !session.wasUsed() && session.isIdle(0))
  if (unused.length > 0) return unused.reduce((a, b) => (a.openedAt <= b.openedAt ? a : b))
  return candidates.find((session) => session.isIdle(EVICTABLE_IDLE_MS))
}

export class HttpSessions extends Context.Service<HttpSessions, {
  /** A new session for `client`, or undefined when the caps are reached and every session is in use. */
  readonly create: (client: string) => Effect.Effect<HttpSession | undefined>
  readonly get: (id: string) => HttpSession | undefined
  /** Closes and forgets a session; false when there was none. */
  readonly remove: (id: string) => Effect.Effect<boolean>
  /** Closes every session (shutdown). */
  readonly closeAll: Effect.Effect<void>
  /**
   * Shutdown's first step: refuse new sessions and requests from now on (`draining`), and return once every
   * request taken has its answer, or after `timeoutMs`, answering those still running with an error.
   */
  readonly drain: (timeoutMs: number) => Effect.Effect<void>
  /** Whether a drain has begun: new requests are refused. */
  readonly draining: () => boolean
}>()("codex-effect/HttpSessions") {
  static readonly layer = (
    options: HttpSessionOptions & {
      /** `SESSION_IDLE_MS` unless given (tests shorten it). */
      readonly sessionIdleMs?: number | undefined
    },
    agent: EffectContext.Context<AgentServices>
  ) =>
    Layer.effect(HttpSessions, Effect.gen(function*() {
      // In order of last use (a used session moves to the end), so the longest idle come first.
      const sessions = new Map<string, HttpSession>()
      const creating = Semaphore.makeUnsafe(1)
      const closeAll = Effect.suspend(() => {
        const open = [...sessions.values()]
        sessions.clear()
        return Effect.forEach(open, (session) => session.close, { concurrency: "unbounded", discard: true })
      })
      yield* Effect.addFinalizer(() => closeAll)
      const remove = (id: string) =>
        Effect.suspend(() => {
          const session = sessions.get(id)
          if (session === undefined) return Effect.succeed(false)
          sessions.delete(id)
          return Effect.as(session.close, true)
        })
      const closeBecause = (session: HttpSession, reason: string) =>
        Effect.logInfo(`closing HTTP session ${session.id}: ${reason}`).pipe(Effect.andThen(remove(session.id)))
      // Clients that vanish without DELETE must not hold sessions (and their tasks) forever.
      const idleMs = options.sessionIdleMs ?? SESSION_IDLE_MS
      const closeIdle = Effect.suspend(() => {
        const now = Date.now()
        const stale = [...sessions.values()].filter((session) =>
          session.isIdle(idleMs) || (!session.wasUsed() && session.isIdle(0) && now - session.openedAt > UNUSED_SESSION_MS)
        )
        return Effect.forEach(stale, (session) => closeBecause(session, session.wasUsed() ? "idle" : "never used"), { discard: true })
      })
      yield* closeIdle.pipe(Effect.repeat(Schedule.spaced(Duration.millis(Math.min(10_000, idleMs)))), Effect.forkScoped)

      /** Makes room for one more session of `client`; false when every candidate is in use. */
      const makeRoom = Effect.fnUntraced(function*(client: string) {
        const open = [...sessions.values()]
        const own = isLoopbackPeer(client) ? [] : open.filter((session) => session.client === client)
        if (own.length >= MAX_SESSIONS_PER_CLIENT) {
          const victim = evictionCandidate(own)
          if (victim === undefined) return false
          yield* closeBecause(victim, "its client opened a new one at the per-client cap")
        }
        if (sessions.size >= MAX_HTTP_SESSIONS) {
          const victim = evictionCandidate([...sessions.values()])
          if (victim === undefined) return false
          yield* closeBecause(victim, "a new session needed its place")
        }
        return true
      })

      let draining = false
      const drain = (timeoutMs: number) =>
        Effect.gen(function*() {
          draining = true
          const open = [...sessions.values()]
          yield* Effect.logInfo(`draining: new requests are refused, ${open.reduce((n, session) => n + session.awaited(), 0)} calls to answer`)
          const drained = yield* Effect.forEach(open, (session) => session.drain, { concurrency: "unbounded", discard: true }).pipe(
            Effect.interruptible,
            Effect.timeoutOption(timeoutMs)
          )
          if (drained._tag === "Some") return
          const message = `server shutting down: the call did not finish within the drain timeout (${timeoutMs} ms)`
          yield* Effect.logWarning(`drain timeout (${timeoutMs} ms) ran out; answering the calls still running with an error`)
          yield* Effect.forEach(open, (session) => session.failWaiting(message), { discard: true })
        })

      return HttpSessions.of({
        // One at a time, so concurrent `initialize`s all see the sessions opened before them.
        create: (client) =>
          creating.withPermit(Effect.gen(function*() {
            if (!(yield* makeRoom(client))) return undefined
            const session = yield* makeHttpSession(options, agent, client)
            sessions.set(session.id, session)
            return session
          })),
        get: (id) => {
          const session = sessions.get(id)
          if (session !== undefined) {
            session.touch()
            sessions.delete(id)
            sessions.set(id, session)
          }
          return session
        },
        remove,
        closeAll,
        drain,
        draining: () => draining
      })
    }))
}
