/**
 * The MCP lifecycle and discovery methods: `initialize` (with protocol negotiation, see docs/differences.md),
 * `ping`, `tools/list`, the empty resource and prompt lists and `logging/setLevel`. None needs the agent,
 * so the stdio server answers them while the agent is still loading (see `StdioSession`); `McpHandlers`
 * adds `tools/call` to them.
 */
import { Context, Effect, Layer } from "effect"
import { CODEX_REPLY_TOOL, CODEX_TOOL } from "../../rpc/CodexTools.js"
import { invalidRequest } from "../../rpc/JsonRpc.js"
import { type InitializeResult, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "../../rpc/Mcp.js"
import { VERSION } from "../../version.js"
import type { McpLifecycleHandlerMap } from "../../server/Handlers.js"
import { ClientCapabilities } from "./ClientCapabilities.js"
import { ClientLogLevel } from "../../server/Logging.js"

/** Answers the client's version when we speak it, else our newest. */
export const negotiateProtocolVersion = (requested: string): string =>
  (SUPPORTED_PROTOCOL_VERSIONS as ReadonlyArray<string>).includes(requested) ? requested : LATEST_PROTOCOL_VERSION

/** The first protocol revision with MCP tasks. */
const TASKS_PROTOCOL_VERSION = "2025-11-25"

export class McpLifecycleHandlers extends Context.Service<McpLifecycleHandlers, McpLifecycleHandlerMap>()(
  "codex-effect/McpLifecycleHandlers"
) {
  static readonly layer = Layer.effect(McpLifecycleHandlers, Effect.gen(function*() {
    const clientLogLevel = yield* ClientLogLevel
    const clientCapabilities = yield* ClientCapabilities
    let initialized = false

    return McpLifecycleHandlers.of({
      initialize: (params) =>
        Effect.suspend(() => {
          if (initialized) return Effect.fail(invalidRequest("initialize called more than once"))
          initialized = true
          const protocolVersion = negotiateProtocolVersion(params.protocolVersion)
          const result: InitializeResult = {
            protocolVersion,
            capabilities: {
              tools: { listChanged: true },
              logging: {},
              // Tasks came with 2025-11-25; older clients are not told about them.
              ...(protocolVersion >= TASKS_PROTOCOL_VERSION ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {})
            },
            serverInfo: { name: "codex-effect", title: "Codex", version: VERSION }
          }
          return clientCapabilities.record(params.capabilities).pipe(
            Effect.andThen(Effect.logInfo(`initialize from ${params.clientInfo.name} ${params.clientInfo.version}`)),
            Effect.as(result)
          )
        }),
      ping: () => Effect.succeed({}),
      "tools/list": () => Effect.succeed({ tools: [CODEX_TOOL, CODEX_REPLY_TOOL] }),
      "resources/list": () => Effect.succeed({ resources: [] }),
      "resources/templates/list": () => Effect.succeed({ resourceTemplates: [] }),
      "prompts/list": () => Effect.succeed({ prompts: [] }),
      "logging/setLevel": (params) => clientLogLevel.set(params.level).pipe(Effect.as({}))
    })
  }))
}
