/**
 * MCP protocol negotiation (see docs/differences.md, Protocol negotiation) and the MCP lifecycle handlers run in-process: one
 * `initialize` only, the codex tools listed, unknown tools answered as error results, the empty
 * resource and prompt lists, and `logging/setLevel` reaching the client log level.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { CODEX_REPLY_TOOL, CODEX_TOOL } from "../../src/rpc/CodexTools.js"
import { type CallToolParams, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "../../src/rpc/Mcp.js"
import type { RequestContext } from "../../src/server/Handlers.js"
import { ClientCapabilities } from "../../src/faces/mcp/ClientCapabilities.js"
import { ClientLogLevel } from "../../src/server/Logging.js"
import { CodexToolCalls } from "../../src/faces/mcp/CodexToolRunner.js"
import { McpHandlers } from "../../src/faces/mcp/McpHandlers.js"
import { McpLifecycleHandlers, negotiateProtocolVersion } from "../../src/faces/mcp/McpLifecycle.js"
import { OutgoingSender } from "../../src/server/OutgoingSender.js"
import { TaskStore } from "../../src/faces/mcp/tasks/TaskStore.js"

describe("negotiateProtocolVersion", () => {
  it.each([
    ["2025-06-18", "2025-06-18"],
    ["2025-11-25", "2025-11-25"],
    ["2024-11-05", "2025-11-25"],
    ["2025-03-26", "2025-11-25"],
    ["2099-01-01", "2025-11-25"],
    ["", "2025-11-25"],
    ["2025-06-18 ", "2025-11-25"]
  ])("%j → %s", (requested, answered) => {
    assert.strictEqual(negotiateProtocolVersion(requested), answered)
  })

  it("answers every supported version with itself, and the newest is the fallback", () => {
    for (const version of SUPPORTED_PROTOCOL_VERSIONS) assert.strictEqual(negotiateProtocolVersion(version), version)
    assert.strictEqual(LATEST_PROTOCOL_VERSION, "2025-11-25")
  })
})

describe("McpHandlers", () => {
  const toolCalls: Array<readonly [CallToolParams, RequestContext]> = []
  const layer = McpHandlers.layer.pipe(
    Layer.provide(McpLifecycleHandlers.layer),
    Layer.provideMerge(Layer.mergeAll(
      ClientLogLevel.layer,
      ClientCapabilities.layer,
      TaskStore.layer.pipe(Layer.provide(OutgoingSender.layerWith(() => Effect.void))),
      Layer.succeed(CodexToolCalls, {
        call: (params, request) =>
          Effect.sync(() => toolCalls.push([params, request])).pipe(
            Effect.as({ content: [{ type: "text" as const, text: "ran" }] })
          )
      })
    ))
  )
  const request: RequestContext = { id: 1, progressToken: undefined }
  const initializeParams = (protocolVersion: string) => ({
    protocolVersion,
    capabilities: {},
    clientInfo: { name: "test-client", version: "1.0.0" }
  })

  it.effect("initialize answers the negotiated version once, then fails with -32600", () =>
    Effect.gen(function*() {
      const handlers = yield* McpHandlers
      const first = yield* handlers.initialize(initializeParams("2025-06-18"), request)
      assert.strictEqual(first.protocolVersion, "2025-06-18")
      assert.deepStrictEqual(first.capabilities, { tools: { listChanged: true }, logging: {} })
      assert.strictEqual(first.serverInfo.name, "codex-effect")
      const second = yield* handlers.initialize(initializeParams("2025-11-25"), request).pipe(Effect.flip)
      assert.deepStrictEqual([second._tag, second.code], ["InvalidRequest", -32600])
    }).pipe(Effect.provide(layer)))

  it.effect("initialize with an unsupported version answers the newest, with tasks", () =>
    Effect.gen(function*() {
      const handlers = yield* McpHandlers
      const answer = yield* handlers.initialize(initializeParams("2024-11-05"), request)
      assert.strictEqual(answer.protocolVersion, "2025-11-25")
      assert.deepStrictEqual(answer.capabilities.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } })
    }).pipe(Effect.provide(layer)))

  it.effect("lists the two codex tools and empty resources, templates and prompts", () =>
    Effect.gen(function*() {
      const handlers = yield* McpHandlers
      assert.deepStrictEqual(yield* handlers["tools/list"](undefined, request), { tools: [CODEX_TOOL, CODEX_REPLY_TOOL] })
      assert.deepStrictEqual(yield* handlers["resources/list"](undefined, request), { resources: [] })
      assert.deepStrictEqual(yield* handlers["resources/templates/list"](undefined, request), { resourceTemplates: [] })
      assert.deepStrictEqual(yield* handlers["prompts/list"](undefined, request), { prompts: [] })
      assert.deepStrictEqual(yield* handlers.ping(undefined, request), {})
    }).pipe(Effect.provide(layer)))

  it.effect("tools/call runs codex and codex-reply through CodexToolCalls and answers unknown tools with isError", () =>
    Effect.gen(function*() {
      toolCalls.length = 0
      const handlers = yield* McpHandlers
      const context: RequestContext = { id: "call", progressToken: 3 }
      assert.deepStrictEqual(yield* handlers["tools/call"]({ name: "codex", arguments: { prompt: "p" } }, context), {
        content: [{ type: "text", text: "ran" }]
      })
      yield* handlers["tools/call"]({ name: "codex-reply", arguments: { prompt: "p", sessionId: "s" } }, context)
      assert.deepStrictEqual(toolCalls.map(([params, seen]) => [params.name, seen]), [["codex", context], ["codex-reply", context]])
      assert.deepStrictEqual(yield* handlers["tools/call"]({ name: "shell" }, context), {
        content: [{ type: "text", text: "Unknown tool 'shell'" }],
        isError: true
      })
      assert.strictEqual(toolCalls.length, 2)
    }).pipe(Effect.provide(layer)))

  it.effect("logging/setLevel sets the client log level", () =>
    Effect.gen(function*() {
      const handlers = yield* McpHandlers
      const level = yield* ClientLogLevel
      assert.isUndefined(level.get())
      assert.deepStrictEqual(yield* handlers["logging/setLevel"]({ level: "warning" }, request), {})
      assert.strictEqual(level.get(), "warning")
    }).pipe(Effect.provide(layer)))
})
