/**
 * `codex-effect mcp --http [HOST:]PORT`: the same server as stdio, over MCP's streamable HTTP transport.
 * One agent (conversations, auth, config, model) is shared by every HTTP session; each session has its
 * own router and client state. On SIGTERM (an interrupt) the server drains: it refuses new requests (503)
 * while the requests it has get their answers (or, after the drain timeout, an error); then the sessions
 * close (their streams end), then the listener, then the agent (which kills running commands).
 */
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Data, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { agentLayer, type ServerOptions } from "../ServerLayer.js"
import { DEFAULT_DRAIN_TIMEOUT_MS } from "../Router.js"
import { HttpSessions } from "./HttpSessions.js"
import type { ListenAddress } from "../../config/ListenAddress.js"
import { MCP_PATH, mcpHttpApp } from "./McpHttpApp.js"

/** Undocumented, for tests: a positive integer from the environment, so a test need not wait the real time. */
const testMillis = (name: string) => ((value) => (Number.isInteger(value) && value > 0 ? value : undefined))(Number(process.env[name]))

export interface HttpServeOptions extends ServerOptions {
  readonly listen: ListenAddress
  /** Every request needs `Authorization: Bearer <token>`. */
  readonly authToken: string
}

/** The listener could not open its port: taken, or an address this host does not have. */
export class ListenError extends Data.TaggedError("ListenError")<{ readonly message: string }> {}

/** `cannot listen on HOST:PORT (CODE)`, from the error `listen` reported (wrapped in a `ServeError`). */
const listenError = (listen: ListenAddress, error: { readonly cause: unknown }) => {
  const cause = error.cause as { readonly code?: unknown; readonly message?: unknown } | undefined
  const code = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : String(cause)
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host
  return new ListenError({ message: `cannot listen on ${host}:${listen.port} (${code})` })
}

export const serveHttp = (options: HttpServeOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const agent = yield* Layer.build(agentLayer(options))
    const context = yield* Layer.build(
      HttpSessions.layer({
        ...options,
        sessionIdleMs: testMillis("CODEX_EFFECT_HTTP_SESSION_IDLE_MS"),
        unreadRequestMs: testMillis("CODEX_EFFECT_HTTP_UNREAD_REQUEST_MS")
      }, agent).pipe(
        Layer.provideMerge(NodeHttpServer.layer(createServer, {
          host: options.listen.host,
          port: options.listen.port,
          gracefulShutdownTimeout: "300 millis"
        }))
      )
    ).pipe(Effect.catchTag("ServeError", (error) => Effect.fail(listenError(options.listen, error))))
    yield* HttpServer.serveEffect()(mcpHttpApp({ listenHost: options.listen.host, authToken: options.authToken })).pipe(
      Effect.provideContext(context)
    )
    const sessions = yield* HttpSessions.pipe(Effect.provideContext(context))
    // Runs before the listener's own finalizer (the listener stays open for the answers to elicitations while
    // draining); open streams end after, so closing the listener does not wait for them.
    yield* Effect.addFinalizer(() =>
      sessions.drain(options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS).pipe(Effect.andThen(sessions.closeAll))
    )
    yield* HttpServer.addressFormattedWith((address) => Effect.logInfo(`serving MCP at ${address}${MCP_PATH}`)).pipe(
      Effect.provideContext(context)
    )
    return yield* Effect.never
  }))
