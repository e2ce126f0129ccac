/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, HTTP only) against the built
 * server over streamable HTTP: every server scenario that needs no fixture tools of the suite's own
 * (those call tools like `test_simple_text` that a coding agent does not have). Each scenario must
 * report no failure and at least one success; `server-sse-polling`, whose fixture tool we lack, must pass
 * its checks of the POST stream (priming event, retry field) without a warning. The suite talks to the server through a proxy that adds the
 * bearer token the server requires.
 */
import { execFile } from "node:child_process"
import { createServer, request } from "node:http"
import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { TEST_AUTHORIZATION, useHttpAgentServer } from "../support/HttpAgentServer.js"

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

/**
 * The suite cannot send a header of its own, and the server needs its bearer token: a pass-through proxy on
 * loopback adds it to every request (Host and Origin go through unchanged, so the rebinding checks still bite).
 */
const startAuthorizingProxy = (target: string) =>
  new Promise<{ readonly url: string; readonly close: () => void }>((resolve) => {
    const upstream = new URL(target)
    const proxy = createServer((incoming, outgoing) => {
      const forwarded = request(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, ...TEST_AUTHORIZATION } },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
        }
      )
      forwarded.on("error", () => outgoing.destroy())
      outgoing.on("close", () => forwarded.destroy())
      incoming.pipe(forwarded)
    })
    proxy.listen(0, "127.0.0.1", () => {
      const { port } = proxy.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}${upstream.pathname}`,
        close: () => {
          proxy.close()
          proxy.closeAllConnections()
        }
      })
    })
  })

describe("MCP conformance suite (server scenarios)", () => {
  const { start } = useHttpAgentServer()
  const proxies: Array<() => void> = []
  afterEach(() => {
    for (const close of proxies.splice(0)) close()
  })

  it.each(SCENARIOS)("%s", async (scenario) => {
    const server = await start([])
    const proxy = await startAuthorizingProxy(server.url)
    proxies.push(proxy.close)
    const output = await runScenario(proxy.url, scenario)
    const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(output)
    expect(summary, output).not.toBeNull()
    const [, passed, , failed] = summary!.map(Number)
    expect({ passed: passed! > 0, failed }, output).toEqual({ passed: true, failed: 0 })
  }, 90_000)

  // The scenario calls the suite's `test_reconnection` fixture tool, which a coding agent lacks: that call's
  // isError result is its one failure. What it checks of the server's streams must pass without a warning.
  it("server-sse-polling: POST streams have a priming event and a retry field", async () => {
    const server = await start([])
    const proxy = await startAuthorizingProxy(server.url)
    proxies.push(proxy.close)
    const output = (await runScenario(proxy.url, "server-sse-polling")).replace(/\u001b\[[0-9;]*m/g, "")
    expect(output).toMatch(/\[server-sse-priming-event\s*\] SUCCESS/)
    expect(output).toMatch(/\[server-sse-retry-field\s*\] SUCCESS/)
    expect(output).toMatch(/Passed: \d+\/\d+, 1 failed, 0 warnings/)
    expect(output).toContain("Error: Tool call failed")
  }, 90_000)
})
