/**
 * The Router wired for in-process tests: the server's router (`routerLayer`) over `OutgoingSender.layerWith` a memory sink
 * and a `RequestHandlers` the test builds, plus the request lines and the gated `tools/call` handler
 * (started / release / interrupted Deferreds) the Router tests share.
 */
import { Deferred, Effect, Layer } from "effect"
import { ClientRequests } from "../../src/rpc/Groups.js"
import type { CallToolResult } from "../../src/rpc/Mcp.js"
import { type RequestContext, RequestHandlers } from "../../src/server/Handlers.js"
import { decodeLine, type IncomingLine } from "../../src/server/LineReader.js"
import { Router } from "../../src/server/Router.js"
import { routerLayer } from "../../src/server/ServerLayer.js"
import { routeLine } from "../../src/server/StdioServer.js"
import { OutgoingSender } from "../../src/server/OutgoingSender.js"
import { makeMemorySink, type MemorySink } from "./MemorySink.js"

export type Handlers = RequestHandlers["Service"]

export interface Peer {
  readonly router: Router["Service"]
  readonly sender: OutgoingSender["Service"]
  readonly memory: MemorySink
  /** Hands one JSON value to the router as a line. */
  readonly send: (message: unknown) => Effect.Effect<void>
  /** Hands raw text to the router as a line. */
  readonly sendText: (text: string) => Effect.Effect<void>
  /** Hands a line as the stdio transport reads it (text, or an oversized line's size) to the router. */
  readonly sendLine: (line: IncomingLine) => Effect.Effect<void>
}

/** Every method dies if called, except `ping`, unless the test overrides it. */
const handlersWith = (overrides: Partial<Handlers>): Handlers => {
  const all: Record<string, unknown> = {}
  for (const method of ClientRequests.requests.keys()) {
    all[method] = () => Effect.die(new Error(`unexpected call to ${method}`))
  }
  return { ...all, ping: () => Effect.succeed({}), ...overrides } as unknown as Handlers
}

export const withRouter = <A, E>(overrides: Partial<Handlers>, use: (peer: Peer) => Effect.Effect<A, E>) => {
  const memory = makeMemorySink()
  const layer = routerLayer.pipe(
    Layer.provideMerge(Layer.mergeAll(
      OutgoingSender.layerWith(memory.sink),
      Layer.succeed(RequestHandlers, handlersWith(overrides))
    ))
  )
  return Effect.gen(function*() {
    const router = yield* Router
    const sender = yield* OutgoingSender
    const route = routeLine(router, sender)
    const sendLine = (line: IncomingLine) => route(decodeLine(line))
    const sendText = (text: string) => sendLine({ _tag: "Line", text })
    return yield* use({ router, sender, memory, sendLine, sendText, send: (message) => sendText(JSON.stringify(message)) })
  }).pipe(Effect.provide(layer))
}

export const toolResult = (text: string): CallToolResult => ({ content: [{ type: "text", text }] })
export const callTool = (id: number | string, name = "codex") => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: { prompt: "hi" } }
})
export const ping = (id: number | string) => ({ jsonrpc: "2.0", id, method: "ping" })
export const cancel = (requestId: number | string) => ({
  jsonrpc: "2.0",
  method: "notifications/cancelled",
  params: { requestId, reason: "user cancelled" }
})

/** A `tools/call` handler that signals when it starts and answers only when released. */
export const gatedTool = () => {
  const started = Deferred.makeUnsafe<RequestContext>()
  const release = Deferred.makeUnsafe<string>()
  const interrupted = Deferred.makeUnsafe<void>()
  const handler: Handlers["tools/call"] = (_params, request) =>
    Deferred.succeed(started, request).pipe(
      Effect.andThen(Deferred.await(release)),
      Effect.map(toolResult),
      Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
    )
  return { started, release, interrupted, handler }
}

/** Pings with `id` and waits for the answer: everything written before it has been written. */
export const settle = (peer: Peer, id: string) =>
  peer.send(ping(id)).pipe(Effect.andThen(peer.memory.waitForId(id)), Effect.andThen(peer.sender.flush))

