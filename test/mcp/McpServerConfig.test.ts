/**
 * `[mcp_servers]` entries: stdio and HTTP forms, defaults, the name rule, mixed-up fields and unknown
 * keys, through the same resolution every conversation uses.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { resolveConfig } from "../../src/config/ResolveConfig.js"
import { unknownKeys } from "../../src/config/UnknownKeys.js"
import { ConfigToml } from "../../src/config/ResolveConfig.js"

const resolve = (mcp_servers: Record<string, unknown>) =>
  resolveConfig({ mcp_servers } as never, {}, { codexHome: "/home/me/.codex", processCwd: "/work", env: {} })

const failure = (mcp_servers: Record<string, unknown>) => {
  const result = resolve(mcp_servers)
  assert.isTrue(Result.isFailure(result))
  return Result.isFailure(result) ? result.failure : ""
}

describe("mcp_servers", () => {
  it("reads a stdio server with defaults and an HTTP server with its options", () => {
    const result = resolve({
      docs: { command: "docs-server", args: ["--fast"], env: { TOKEN: "x" } },
      web: { url: "https://example.com/mcp", bearer_token_env_var: "WEB_TOKEN", http_headers: { "X-A": "b" }, tool_timeout_sec: 5 }
    })
    assert.isTrue(Result.isSuccess(result))
    if (!Result.isSuccess(result)) return
    assert.deepStrictEqual(result.success.mcpServers, [
      {
        name: "docs",
        transport: { type: "stdio", command: "docs-server", args: ["--fast"], env: { TOKEN: "x" }, envVars: undefined, cwd: undefined },
        startupTimeoutMs: 10_000,
        toolTimeoutMs: 60_000,
        enabledTools: undefined,
        disabledTools: []
      },
      {
        name: "web",
        transport: {
          type: "http",
          url: "https://example.com/mcp",
          bearerTokenEnvVar: "WEB_TOKEN",
          headers: { "X-A": "b" },
          envHeaders: undefined
        },
        startupTimeoutMs: 10_000,
        toolTimeoutMs: 5_000,
        enabledTools: undefined,
        disabledTools: []
      }
    ])
  })

  it("reads the Codex CLI's startup_timeout_ms, env_vars and env_http_headers", () => {
    const result = resolve({
      s: { command: "x", startup_timeout_ms: 2500, env_vars: ["API_KEY"] },
      h: { url: "http://h/mcp", env_http_headers: { "X-Key": "KEY_VAR" } }
    })
    assert.isTrue(Result.isSuccess(result))
    if (!Result.isSuccess(result)) return
    const [h, s] = result.success.mcpServers
    assert.strictEqual(s!.startupTimeoutMs, 2500)
    assert.deepStrictEqual(s!.transport.type === "stdio" ? s!.transport.envVars : undefined, ["API_KEY"])
    assert.deepStrictEqual(h!.transport.type === "http" ? h!.transport.envHeaders : undefined, { "X-Key": "KEY_VAR" })
  })

  it("reads env_vars as the current Codex CLI writes them: names and { name, source } tables, local only", () => {
    const result = resolve({
      s: { command: "x", env_vars: ["A", { name: "B", source: "local" }, { name: "C" }, { name: "D", source: "remote" }] }
    })
    assert.isTrue(Result.isSuccess(result))
    if (!Result.isSuccess(result)) return
    const [s] = result.success.mcpServers
    assert.deepStrictEqual(s!.transport.type === "stdio" ? s!.transport.envVars : undefined, ["A", "B", "C"])
  })

  it("leaves out a server with enabled = false", () => {
    const result = resolve({ off: { command: "x", enabled: false } })
    assert.deepStrictEqual(Result.isSuccess(result) ? result.success.mcpServers : undefined, [])
  })

  const bad: ReadonlyArray<readonly [string, Record<string, unknown>, RegExp]> = [
    ["a name with a dot", { "my.server": { command: "x" } }, /^invalid config: mcp_servers\.my\.server: server names may only use/],
    ["neither command nor url", { empty: {} }, /mcp_servers\.empty: set exactly one of `command`/],
    ["both command and url", { both: { command: "x", url: "http://h/mcp" } }, /mcp_servers\.both: set exactly one/],
    ["HTTP options on a stdio server", { s: { command: "x", http_headers: {} } }, /mcp_servers\.s: `bearer_token_env_var`, `http_headers` and `env_http_headers` need `url`/],
    ["stdio options on an HTTP server", { h: { url: "http://h/mcp", args: [] } }, /mcp_servers\.h: `args`, `env`, `env_vars` and `cwd` need `command`/],
    ["a url that is not one", { h: { url: "not a url" } }, /mcp_servers\.h: `url` is not a URL/],
    ["a zero time-out", { z: { command: "x", startup_timeout_sec: 0 } }, /mcp_servers\.z\.startup_timeout_sec/]
  ]
  for (const [name, servers, message] of bad) {
    it(`rejects ${name}, naming the entry`, () => {
      assert.match(failure(servers), message)
    })
  }

  it("knows its keys: only a typo inside an entry is reported", () => {
    const found = unknownKeys(ConfigToml, { mcp_servers: { docs: { command: "x", tool_timeout_sec: 1, comand: "y" } } })
    assert.deepStrictEqual(found, [{ path: ["mcp_servers", "docs", "comand"], suggestion: "command" }])
  })
})
