/**
 * The library face: an embedding program passes MCP servers in code (`CodexLayer({ mcpServers })`), and
 * `list_mcp_tools` answers with `mcp_list_tools_response`. Runs in-process against the real
 * server-everything, with the scripted model.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { CodexLayer, ConversationManager, type McpServerConfig, ScriptedModel, ScriptedTurn } from "../../src/index.js"
import type { Event } from "../../src/rpc/Event.js"
import { EVERYTHING_JS } from "../support/McpServers.js"
import { makeTempDir } from "../support/TempDirs.js"

const everything: McpServerConfig = {
  name: "everything",
  transport: { type: "stdio", command: process.execPath, args: [EVERYTHING_JS, "stdio"], env: {} },
  startupTimeoutMs: 20_000,
  toolTimeoutMs: 20_000,
  enabledTools: ["echo", "get-sum"],
  disabledTools: ["get-sum"]
}

describe("MCP servers passed in code", () => {
  it.live("lists the enabled tools and calls one", () =>
    Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({ approvalPolicy: "never" })
      const events = yield* conversation.subscribe
      yield* conversation.submit({ type: "list_mcp_tools" })
      yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "echo" }] })
      const seen: ReadonlyArray<Event> = yield* events.pipe(
        Stream.takeUntil((event) => event.msg.type === "task_complete"),
        Stream.runCollect
      )
      const listed = seen.find((event) => event.msg.type === "mcp_list_tools_response")?.msg
      assert.deepStrictEqual(listed?.type === "mcp_list_tools_response" ? Object.keys(listed.tools) : [], ["everything__echo"])
      const end = seen.find((event) => event.msg.type === "mcp_tool_call_end")?.msg
      assert.deepStrictEqual(end?.type === "mcp_tool_call_end" ? end.result : undefined, {
        Ok: { content: [{ type: "text", text: "Echo: in code" }] }
      })
    }).pipe(
      Effect.scoped,
      Effect.provide(CodexLayer({
        codexHome: makeTempDir("codex-embedded-"),
        env: {},
        mcpServers: [everything],
        model: ScriptedModel.layer([
          ScriptedTurn.functionCall("everything__echo", { message: "in code" }),
          ScriptedTurn.text("done")
        ])
      }))
    ), 60_000)
})
