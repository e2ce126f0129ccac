/**
 * Code a server may never need is not loaded at startup: the MCP client SDK (with zod and ajv) waits
 * for the first `mcp_servers` entry. Each test runs a copy of the built server with that code's chunk
 * removed, so loading it anyway fails the start or the call.
 */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, ServerProcess } from "../support/ServerProcess.js"

const DIST = resolve(import.meta.dirname, "../../dist")

/** A copy of the built server without the chunk that holds `marker`; the chunk must not be the main one. */
const distWithout = (marker: string) => {
  const copy = makeTempDir("dist-")
  cpSync(DIST, copy, { recursive: true })
  const chunks = readdirSync(join(copy, "cli")).filter((name) => name.endsWith(".mjs"))
  const holding = chunks.filter((name) => readFileSync(join(copy, "cli", name), "utf8").includes(marker))
  expect(holding).toHaveLength(1)
  expect(holding[0]).not.toBe("main.mjs")
  rmSync(join(copy, "cli", holding[0]!))
  return join(copy, "codex-effect.mjs")
}

const running: Array<{ server: ServerProcess; model: MockModelServer }> = []
afterEach(async () => {
  for (const { server, model } of running.splice(0)) {
    server.kill()
    await server.exited
    await model.close()
  }
})

describe("lazily loaded code", () => {
  it("a server without mcp_servers never loads the MCP client SDK", async () => {
    const bin = distWithout("StreamableHTTPClientTransport")
    const model = await startMockModelServer([MockTurn.message("done"), MockTurn.message("again")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url))
    const server = new ServerProcess({ codexHome, command: { file: process.execPath, args: [bin, "mcp"] } })
    running.push({ server, model })
    await server.initialize()
    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "hello" } })
    expect(first.result.content).toEqual([{ type: "text", text: "done" }])
    const threadId = first.result.structuredContent.threadId
    const reply = await server.request("tools/call", { name: "codex-reply", arguments: { threadId, prompt: "more" } })
    expect(reply.result.content).toEqual([{ type: "text", text: "again" }])
  })
})
