/**
 * The MCP Inspector's CLI (pinned in scripts/install-test-peers.mjs) as a client of the built server, over
 * stdio and over streamable HTTP with the bearer token: it lists the tools and runs a `codex` call against
 * the mock model, as a user trying the server from a terminal would.
 */
import { execFile, execFileSync } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { TEST_HTTP_TOKEN, useHttpAgentServer } from "../support/HttpAgentServer.js"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, SERVER_BIN } from "../support/ServerProcess.js"

const INSPECTOR = resolve(import.meta.dirname, "../../.test-peers/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js")
const { start } = useHttpAgentServer()

beforeAll(() => {
  if (!existsSync(INSPECTOR)) execFileSync(process.execPath, [resolve(import.meta.dirname, "../../scripts/install-test-peers.mjs")], { stdio: "inherit" })
}, 300_000)

/** Runs the Inspector's CLI; its stdout parsed as the JSON it prints. */
const inspect = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<unknown>((done, fail) => {
    execFile(process.execPath, [INSPECTOR, "--cli", ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) return fail(new Error(`inspector failed: ${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`))
      done(JSON.parse(stdout))
    })
  })

describe("the MCP Inspector CLI", () => {
  it("lists the tools and runs a codex call over streamable HTTP", async () => {
    const { url } = await start([MockTurn.message("hello from the inspector's call")], { config: { approvalPolicy: "never" } })
    const auth = ["--transport", "http", "--header", `Authorization: Bearer ${TEST_HTTP_TOKEN}`]
    const tools = await inspect([url, ...auth, "--method", "tools/list"]) as { tools: Array<{ name: string }> }
    expect(tools.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["codex", "codex-reply"]))
    const call = await inspect([url, ...auth, "--method", "tools/call", "--tool-name", "codex", "--tool-arg", "prompt=say hello"])
    expect(call).toMatchObject({ structuredContent: { content: "hello from the inspector's call" } })
  })

  it("runs a codex call over stdio, starting the server itself", async () => {
    const model = await startMockModelServer([MockTurn.message("hello over stdio")])
    try {
      const codexHome = makeTempDir("codex-home-")
      writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never" }))
      const call = await inspect(
        ["-e", `CODEX_HOME=${codexHome}`, "--method", "tools/call", "--tool-name", "codex", "--tool-arg", "prompt=say hello", "--", process.execPath, SERVER_BIN, "mcp"]
      )
      expect(call).toMatchObject({ structuredContent: { content: "hello over stdio" } })
    } finally {
      await model.close()
    }
  })
})
