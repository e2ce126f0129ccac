/**
 * A CODEX_HOME shared with the official Codex CLI: its config.toml may hold keys, tables and values
 * this server does not know, or be broken outright. The server must start, say what it ignores on
 * stderr, and report a broken config on every request (file and line) instead of exiting.
 */
import { type AddressInfo, createServer } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"

const start = useAgentServer()

/** A port that was free a moment ago: listen on any port, then close it. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer()
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })

describe("a config.toml written for the Codex CLI", () => {
  it("starts, warns once about each unknown key and table, and sends the Codex CLI's newer efforts as they are", async () => {
    const { server, model, codexHome } = await start([MockTurn.message("done"), MockTurn.message("again")], {
      wireApi: "responses",
      extra: [
        `model_reasoning_effort = "xhigh"`, // line 5 of mockConfigToml's output
        `sandbox_mod = "read-only"`,
        `[tui]`,
        `notifications = true`
      ].join("\n")
    })
    const file = join(codexHome, "config.toml")
    await server.waitForStderr(/level=WARN .*unknown config key `sandbox_mod` is ignored; did you mean `sandbox_mode`\?/)
    expect(server.stderr).toContain(`${file}:6: unknown config key`)
    expect(server.stderr).toContain(`ignoring config keys codex-effect does not use: \`tui\` (${file}:7)`)
    expect(server.stderr).not.toContain("model_reasoning_effort")

    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "go", model: "gpt-5" } })
    expect(first.result.content).toEqual([{ type: "text", text: "done" }])
    expect(model.requests[0]!.body.reasoning).toMatchObject({ effort: "xhigh" })
    await server.request("tools/call", { name: "codex", arguments: { prompt: "go again" } })
    expect(server.stderr.match(/did you mean `sandbox_mode`/g)).toHaveLength(1)
  })

  it("knows the Codex CLI's built-in ollama provider, and a connection error names its URL and the cause", async () => {
    // CODEX_OSS_PORT points Ollama's address at a port nothing listens on, so the request is refused.
    const port = await closedPort()
    const { server } = await start([], { extra: `profile = "local"\n[profiles.local]\nmodel_provider = "ollama"` }, { CODEX_OSS_PORT: String(port) })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } }, 30_000)
    const expected = new RegExp(`cannot reach the model provider at http://localhost:${port}/v1 \\(ECONNREFUSED`)
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toMatch(expected)
    const error = server.messages.find((m) => m.method === "codex/event" && m.params.msg.type === "error")
    expect(error?.params.msg.message).toMatch(expected)
  })
})

describe("a broken config.toml", () => {
  it("still answers initialize, and every call returns the error with the file and line", async () => {
    const { server, codexHome } = await start([], { extra: `approval_policy = = "never"` })
    const where = `${join(codexHome, "config.toml")}:5:`
    await server.waitForStderr(/level=ERROR .*error loading config/)
    for (const name of ["codex", "codex-reply"]) {
      const answer = await server.request("tools/call", {
        name,
        arguments: name === "codex" ? { prompt: "hi" } : { prompt: "hi", sessionId: "67e55044-10b1-426f-9247-bb680e5fe0c8" }
      })
      expect(answer.result.isError).toBe(true)
      expect(answer.result.content[0].text).toContain(where)
    }
    const created = await server.request("newConversation", {})
    expect(created.error).toMatchObject({ code: -32603, message: expect.stringContaining(where) })
    expect((await server.request("ping")).result).toEqual({})
  })

  it("names the file and line of a value no Codex release accepts", async () => {
    const { server, codexHome } = await start([], { approvalPolicy: "nevr" })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(answer.result.content[0].text).toContain(`${join(codexHome, "config.toml")}:2: approval_policy: Expected "untrusted"`)
  })
})
