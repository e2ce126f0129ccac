/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, HTTP only) against the built
 * server over streamable HTTP: every server scenario that needs no fixture tools of the suite's own
 * (those call tools like `test_simple_text` that a coding agent does not have). Each scenario must
 * report no failure and at least one success.
 */
import { execFile } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { useHttpAgentServer } from "../support/HttpAgentServer.js"

const suiteBin = join(
  dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/package.json")),
  "dist/index.js"
)

/** The scenarios that apply to a server without the suite's fixture tools, resources and prompts. */
const SCENARIOS = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "tools-list",
  "resources-list",
  "prompts-list",
  "server-sse-multiple-streams",
  "dns-rebinding-protection"
]

const runScenario = (url: string, scenario: string) =>
  new Promise<string>((done) => {
    execFile(
      process.execPath,
      [suiteBin, "server", "--url", url, "--scenario", scenario],
      { timeout: 60_000 },
      (_error, stdout, stderr) => done(`${stdout}\n${stderr}`)
    )
  })

describe("MCP conformance suite (server scenarios)", () => {
  const { start } = useHttpAgentServer()

  it.each(SCENARIOS)("%s", async (scenario) => {
    const { url } = await start([])
    const output = await runScenario(url, scenario)
    const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(output)
    expect(summary, output).not.toBeNull()
    const [, passed, , failed] = summary!.map(Number)
    expect({ passed: passed! > 0, failed }, output).toEqual({ passed: true, failed: 0 })
  }, 90_000)
})
