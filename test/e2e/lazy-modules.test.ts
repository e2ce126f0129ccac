/**
 * Code a server may never need is not loaded at startup: the MCP client SDK (with zod and ajv) waits
 * for the first `mcp_servers` entry, the HTTP server for `--http`, the cluster engine and PostgreSQL
 * driver for `--cluster`; and the agent (conversations, tools, model client, auth) and the handlers
 * of every method but the MCP lifecycle ones wait until `initialize` is answered. The tests run a copy
 * of the built server with those chunks removed, so loading any of them anyway fails the start or the call.
 */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { useServerCleanup } from "../support/AgentServer.js"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, ServerProcess } from "../support/ServerProcess.js"

const DIST = resolve(import.meta.dirname, "../../dist")

/** A copy of the built server without the chunks that hold the `markers`; none may be the main one. */
const distWithout = (markers: ReadonlyArray<string | RegExp>) => {
  const copy = makeTempDir("dist-")
  cpSync(DIST, copy, { recursive: true })
  for (const marker of markers) {
    const chunks = readdirSync(join(copy, "cli")).filter((name) => name.endsWith(".mjs"))
    const holds = (text: string) => typeof marker === "string" ? text.includes(marker) : marker.test(text)
    const holding = chunks.filter((name) => holds(readFileSync(join(copy, "cli", name), "utf8")))
    expect(holding, String(marker)).toHaveLength(1)
    expect(holding[0], String(marker)).not.toBe("main.mjs")
    rmSync(join(copy, "cli", holding[0]!), { force: true })
  }
  return join(copy, "codex-effect.mjs")
}

const track = useServerCleanup()

describe("lazily loaded code", () => {
  it("a stdio server without mcp_servers loads neither the MCP client SDK, the HTTP server nor the cluster", async () => {
    const bin = distWithout([
      "StreamableHTTPClientTransport", // the MCP client SDK
      "serving MCP at", // the HTTP server
      "codex_conversations" // the cluster's conversation store
    ])
    const model = await startMockModelServer([MockTurn.message("done"), MockTurn.message("again")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url))
    const server = new ServerProcess({ codexHome, command: { file: process.execPath, args: [bin, "mcp"] } })
    track({ server, model })
    await server.initialize()
    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "hello" } })
    expect(first.result.content).toEqual([{ type: "text", text: "done" }])
    const threadId = first.result.structuredContent.threadId
    const reply = await server.request("tools/call", { name: "codex-reply", arguments: { threadId, prompt: "more" } })
    expect(reply.result.content).toEqual([{ type: "text", text: "again" }])
  })

  it("a stdio server answers initialize and the other MCP lifecycle methods without the agent's code", async () => {
    const bin = distWithout([
      // A service's key, however the minifier quotes it.
      /codex-effect\/ConversationManager["'`]/, // the agent: conversations, tools, model client
      /codex-effect\/AuthManager["'`]/, // auth
      /codex-effect\/RequestHandlers["'`]/ // every handler but the lifecycle ones
    ])
    const model = await startMockModelServer([])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url))
    const server = new ServerProcess({ codexHome, command: { file: process.execPath, args: [bin, "mcp"] } })
    track({ server, model })
    const init = await server.initialize()
    expect(init.result.serverInfo.name).toBe("codex-effect")
    expect((await server.request("tools/list")).result.tools.map((tool: { name: string }) => tool.name)).toEqual(["codex", "codex-reply"])
    expect((await server.request("ping")).result).toEqual({})
    expect((await server.request("resources/list")).result).toEqual({ resources: [] })
    expect((await server.request("prompts/list")).result).toEqual({ prompts: [] })
    expect((await server.request("logging/setLevel", { level: "error" })).result).toEqual({})
    // The agent's code is missing from this copy: a request that needs it gets an error, not a hang.
    const call = await server.request("tools/call", { name: "codex", arguments: { prompt: "hello" } })
    expect(call.error).toMatchObject({ code: -32603, message: expect.stringContaining("the agent could not be started") })
  })
})
