/**
 * The streamable HTTP transport of MCP (2025-06-18 and 2025-11-25) at `/mcp`:
 * - POST one JSON-RPC message. A request is answered in the response body, as JSON or, when the client
 *   accepts it, as an event stream carrying the request's notifications and elicitations, then its
 *   answer; notifications and answers to our requests get 202. `initialize`
 *   opens a session and returns its `Mcp-Session-Id`; every later request must carry it (an `initialize`
 *   carrying it is that session's second, -32600).
 * - GET opens the session's event stream: notifications and our requests not tied to a request; with
 *   `Last-Event-ID` it resumes the stream that event was on (the GET stream, or a POST's: the rest of
 *   that request's messages and its answer).
 * - DELETE ends the session: its calls still running are answered with an error.
 * Every request first passes the `Origin` check and the bearer token (`RequestGuards`).
 */
import { Effect, Option, type Semaphore, Stream } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { classifyMessage, type IncomingMessage, JSONRPC_VERSION, type JsonRpcErrorObject } from "../../rpc/JsonRpc.js"
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../rpc/Mcp.js"
import type { Answer, HttpSession } from "./HttpSession.js"
import { HttpSessions } from "./HttpSessions.js"
import { MAX_BODY_BYTES, makeBodyBudget, readBody } from "./RequestBodies.js"
import { hasBearerToken, isAllowedOrigin } from "./RequestGuards.js"

export const MCP_PATH = "/mcp"

export interface McpHttpOptions {
  /** The host the server listens on: an `Origin` naming it is allowed besides loopback. */
  readonly listenHost: string
  /**
   * Every request needs `Authorization: Bearer <token>`: an agent that runs commands is never served
   * unauthenticated, not even on loopback, where any local process (a sandboxed command with network
   * access included) could otherwise drive it. Commands never see the token (`CommandIsolation`).
   */
  readonly authToken: string
}

/** An HTTP error whose body is a JSON-RPC error, as MCP clients expect. */
const failure = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe({ jsonrpc: JSONRPC_VERSION, id: null, error: { code, message } satisfies JsonRpcErrorObject }, {
    status,
    headers
  })

const SSE_HEADERS = { "cache-control": "no-cache", connection: "keep-alive" }

const accepts = (request: HttpServerRequest.HttpServerRequest, type: string) =>
  (request.headers.accept ?? "").toLowerCase().includes(type)

/**
 * Versions a request may name in `MCP-Protocol-Version`: the ones `initialize` negotiates, and 2025-03-26,
 * the revision that introduced this transport (its requests are the same on the wire; clients send it
 * when they were built for it, as the official conformance suite does).
 */
const HEADER_PROTOCOL_VERSIONS: ReadonlyArray<string> = ["2025-03-26", ...SUPPORTED_PROTOCOL_VERSIONS]

const isSupportedVersion = (version: string) => HEADER_PROTOCOL_VERSIONS.includes(version)

/** The session named by `Mcp-Session-Id`, or the error response for a missing or unknown one. */
const sessionOf = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
  const sessions = yield* HttpSessions
  const id = request.headers["mcp-session-id"]
  if (id === undefined) return failure(400, -32000, "Bad Request: the Mcp-Session-Id header is required")
  const session = sessions.get(id)
  if (session === undefined) return failure(404, -32001, "Session not found")
  const version = request.headers["mcp-protocol-version"]
  if (version !== undefined && !isSupportedVersion(version)) {
    return failure(400, -32000, `Bad Request: unsupported MCP-Protocol-Version "${version}"`)
  }
  return session
})

/** An SSE response carrying `events`. */
const eventStream = (events: Stream.Stream<Uint8Array>, headers: Record<string, string> = {}) =>
  HttpServerResponse.stream(events, { contentType: "text/event-stream", headers: { ...SSE_HEADERS, ...headers } })

/** The answer to a POSTed request as a JSON body; 202 when it gets none (cancelled). */
const jsonAnswer = (answer: Answer, headers: Record<string, string> = {}) =>
  answer === undefined
    ? HttpServerResponse.empty({ status: 202, headers })
    : HttpServerResponse.text(answer.json, { contentType: "application/json", headers })

const handleInitialize = Effect.fnUntraced(function*(
  request: HttpServerRequest.HttpServerRequest,
  message: Extract<IncomingMessage, { readonly _tag: "Request" }>
) {
  const sessions = yield* HttpSessions
  const session = yield* sessions.create(Option.getOrElse(request.remoteAddress, () => "unknown"))
  if (session === undefined) return failure(503, -32000, "Too many open sessions, all in use", { "retry-after": "5" })
  const answer = yield* session.expectAnswer(message.id)
  yield* session.receive(message)
  const encoded = yield* answer
  if (encoded === undefined || !("result" in encoded.message)) {
    yield* sessions.remove(session.id)
    return encoded === undefined
      ? failure(500, -32603, "initialize got no answer")
      : HttpServerResponse.text(encoded.json, { status: 400, contentType: "application/json" })
  }
  session.protocolVersion = (encoded.message.result as { readonly protocolVersion?: string }).protocolVersion
  const headers = { "mcp-session-id": session.id }
  return accepts(request, "text/event-stream")
    ? eventStream(yield* session.answeredStream(message.id, encoded), headers)
    : jsonAnswer(encoded, headers)
})

/** A POSTed body as a message, or why it is not one: parsed once, while the body still holds its budget. */
const parseBody = (body: string) => {
  try {
    return { _tag: "Message", message: classifyMessage(JSON.parse(body)) } as const
  } catch (error) {
    return { _tag: "ParseError", message: error instanceof Error ? error.message : String(error) } as const
  }
}

const handlePost = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest, budget: Semaphore.Semaphore) {
  const body = yield* readBody(request, budget, parseBody)
  switch (body._tag) {
    case "TooLarge":
      return failure(413, -32600, `Invalid Request: message exceeds the ${MAX_BODY_BYTES / (1024 * 1024)} MiB limit`)
    case "Busy":
      return failure(503, -32000, "Server busy: too many large requests at once; retry later", { "retry-after": "5" })
    case "TooSlow":
      return failure(408, -32000, "Request Timeout: the body took too long to arrive")
    case "Unreadable":
      return failure(400, -32600, "Invalid Request: the body could not be read")
  }
  const parsed = body.value
  if (parsed._tag === "ParseError") return failure(400, -32700, `Parse error: ${parsed.message}`)
  const message = parsed.message
  if (message._tag === "Invalid") {
    return HttpServerResponse.jsonUnsafe({ jsonrpc: JSONRPC_VERSION, id: message.id, error: { code: -32600, message: message.reason } }, {
      status: 400
    })
  }
  // A draining server finishes the calls it has (answers to its elicitations included) but takes no new one.
  if (message._tag === "Request" && (yield* HttpSessions).draining()) {
    return failure(503, -32000, "Server shutting down: it takes no new requests; retry on another server", { "retry-after": "1" })
  }
  if (message._tag === "Request" && message.method === "initialize") {
    // In a session already open, `initialize` is that session's second one (-32600), not a new session.
    const named = request.headers["mcp-session-id"]
    const open = named === undefined ? undefined : (yield* HttpSessions).get(named)
    if (open === undefined) return yield* handleInitialize(request, message)
  }

  const found = yield* sessionOf(request)
  if (HttpServerResponse.isHttpServerResponse(found)) return found
  const session: HttpSession = found
  if (message._tag !== "Request") {
    yield* session.receive(message)
    if (message._tag === "Notification" && message.method === "notifications/cancelled") {
      const requestId = (message.params as { readonly requestId?: unknown } | undefined)?.requestId
      if (typeof requestId === "string" || typeof requestId === "number") yield* session.dropAnswer(requestId)
    }
    return HttpServerResponse.empty({ status: 202 })
  }
  if (accepts(request, "text/event-stream")) {
    // The request's messages and then its answer; a client that drops the stream resumes it with `Last-Event-ID`.
    const events = yield* session.openStream(message.id)
    yield* session.receive(message)
    return eventStream(events)
  }
  const answer = yield* session.expectAnswer(message.id)
  yield* session.receive(message)
  // A JSON response has no stream to resume: a client that drops it loses the answer (never sent on GET).
  return jsonAnswer(yield* answer.pipe(Effect.onInterrupt(() => session.dropAnswer(message.id))))
})

const handleGet = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
  if (!accepts(request, "text/event-stream")) return failure(406, -32000, "Not Acceptable: the client must accept text/event-stream")
  const found = yield* sessionOf(request)
  if (HttpServerResponse.isHttpServerResponse(found)) return found
  const lastEventId = request.headers["last-event-id"]
  if (lastEventId === undefined) return eventStream(found.events.open(undefined))
  const resumed = found.resume(lastEventId)
  // A stream read to the end (or evicted) has nothing more. A GET gets an event stream or 405, nothing else:
  // 405 is also what the official SDK client takes as "no stream here" without retrying (it resumes a POST
  // stream whose answer was a JSON-RPC error, not seeing it as the answer).
  return resumed === undefined
    ? failure(405, -32000, `Method Not Allowed: no stream to resume after event ${JSON.stringify(lastEventId)}`, {
      allow: "POST, DELETE"
    })
    : eventStream(resumed)
})

const handleDelete = Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
  const found = yield* sessionOf(request)
  if (HttpServerResponse.isHttpServerResponse(found)) return found
  // The calls still running end with an error answer, not a silently closed response.
  yield* found.failWaiting("Session closed: the client ended it (DELETE) before the call finished")
  yield* (yield* HttpSessions).remove(found.id)
  return HttpServerResponse.empty({ status: 200 })
})

/** The whole HTTP app: guards, then the method's handler. */
export const mcpHttpApp = (options: McpHttpOptions) => {
  const budget = makeBodyBudget()
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (new URL(request.url, "http://localhost").pathname !== MCP_PATH) return failure(404, -32000, `Not found: MCP is served at ${MCP_PATH}`)
    if (!isAllowedOrigin(request.headers.origin, options.listenHost)) {
      return failure(403, -32000, "Forbidden: this Origin may not use the server")
    }
    if (!hasBearerToken(request.headers.authorization, options.authToken)) {
      return failure(401, -32000, "Unauthorized: a bearer token is required", { "www-authenticate": "Bearer" })
    }
    switch (request.method) {
      case "POST":
        return yield* handlePost(request, budget)
      case "GET":
        return yield* handleGet(request)
      case "DELETE":
        return yield* handleDelete(request)
      default:
        return failure(405, -32000, "Method not allowed", { allow: "GET, POST, DELETE" })
    }
  })
}
