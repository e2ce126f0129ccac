/**
 * The open sessions of the HTTP transport, by `Mcp-Session-Id`. Each is built on the agent context
 * given here (shared by every session); closing the registry (server shutdown) closes every session,
 * which interrupts its requests and ends its streams.
 */
import { type Context as EffectContext, Context, Effect, Layer, Schedule } from "effect"
import type { AgentServices, ServerOptions } from "../ServerLayer.js"
import { type HttpSession, makeHttpSession } from "./HttpSession.js"

/** Open sessions at most: each holds a router, a replay log and a little state. */
export const MAX_HTTP_SESSIONS = 256
/** A session nobody has used for this long is closed (its client gets 404 and initializes again). */
export const SESSION_IDLE_MS = 30 * 60 * 1000

export class HttpSessions extends Context.Service<HttpSessions, {
  /** A new session, or undefined when `MAX_HTTP_SESSIONS` are open. */
  readonly create: Effect.Effect<HttpSession | undefined>
  readonly get: (id: string) => HttpSession | undefined
  /** Closes and forgets a session; false when there was none. */
  readonly remove: (id: string) => Effect.Effect<boolean>
  /** Closes every session (shutdown). */
  readonly closeAll: Effect.Effect<void>
}>()("codex-effect/HttpSessions") {
  static readonly layer = (
    options: Pick<ServerOptions, "stderrLogLevel" | "progressIntervalMs">,
    agent: EffectContext.Context<AgentServices>
  ) =>
    Layer.effect(HttpSessions, Effect.gen(function*() {
      const sessions = new Map<string, HttpSession>()
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
      // Clients that vanish without DELETE must not hold sessions (and their tasks) forever.
      const closeIdle = Effect.suspend(() => {
        const idle = [...sessions.values()].filter((session) => session.isIdle(SESSION_IDLE_MS))
        return Effect.forEach(idle, (session) =>
          Effect.logInfo(`closing HTTP session ${session.id}: idle`).pipe(Effect.andThen(remove(session.id))), { discard: true })
      })
      yield* closeIdle.pipe(Effect.repeat(Schedule.spaced("1 minute")), Effect.forkScoped)
      return HttpSessions.of({
        create: Effect.suspend(() => {
          if (sessions.size >= MAX_HTTP_SESSIONS) return Effect.succeed(undefined)
          return makeHttpSession(options, agent).pipe(
            Effect.tap((session) => Effect.sync(() => sessions.set(session.id, session)))
          )
        }),
        get: (id) => {
          const session = sessions.get(id)
          session?.touch()
          return session
        },
        remove,
        closeAll
      })
    }))
}
