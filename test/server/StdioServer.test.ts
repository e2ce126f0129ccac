/**
 * The whole stdio server in-process: `serveStdio` over a `Stdio` test layer (stdin from a queue, stdout
 * into a memory sink) with the real router, handlers and agent on a scripted model. Covers the line
 * reader on the real path (a request split across chunks, two in one chunk, garbage), a `codex` call
 * to its result, and EOF ending the server.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import { type Cause, Effect, Fiber, Layer, Queue, Sink, Stdio, Stream } from "effect"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import { stdioServerLayer } from "../../src/server/StdioSession.js"
import { serveStdio } from "../../src/server/StdioServer.js"
import { makeTempDir } from "../support/TempDirs.js"
import { makeMemorySink, within } from "./MemorySink.js"

const line = (message: unknown) => `${JSON.stringify(message)}\n`
const initialize = line({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "0" } }
})
const codexCall = line({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name: "codex", arguments: { prompt: "say hi", "approval-policy": "never" } }
})

describe("serveStdio in-process", () => {
  it.effect("frames stdin into requests, runs a codex call on the scripted model, and ends on EOF", () =>
    Effect.gen(function*() {
      const home = makeTempDir("codex-stdio-")
      const memory = makeMemorySink()
      const stdin = yield* Queue.unbounded<Uint8Array, Cause.Done>()
      const stdio = Stdio.layerTest({
        stdin: Stream.fromQueue(stdin),
        stdout: () =>
          Sink.forEach((chunk: string | Uint8Array) => memory.sink(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)))
      })
      const layer = stdioServerLayer({
        stderrLogLevel: "None",
        codexHome: home,
        cwd: home,
        env: {},
        model: ScriptedModel.layer([ScriptedTurn.text("hi there")])
      }).pipe(Layer.provideMerge(stdio), Layer.provide(NodeServices.layer))
      const server = yield* serveStdio().pipe(Effect.provide(layer), Effect.forkChild)

      const send = (text: string) => Queue.offer(stdin, new TextEncoder().encode(text))
      // initialize split inside its JSON; then garbage and the codex call in one chunk.
      yield* send(initialize.slice(0, 20))
      yield* send(initialize.slice(20))
      const init = yield* memory.waitForId(1)
      assert.strictEqual((init.result as { protocolVersion: string }).protocolVersion, "2025-06-18")
      yield* send(`{not json\n${codexCall}`)
      const result = yield* memory.waitForId(2)
      assert.deepStrictEqual(memory.withId(null).map((message) => (message.error as { code: number }).code), [-32700])
      const structured = (result.result as { structuredContent: { content: string } }).structuredContent
      assert.strictEqual(structured.content, "hi there")

      yield* Queue.end(stdin)
      yield* within("the server to stop after EOF", Fiber.join(server))
    }))
})
