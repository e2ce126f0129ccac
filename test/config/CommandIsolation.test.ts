/**
 * What the server withholds from commands: the secret values it holds (given at its edge, or read from its
 * environment for the provider and MCP servers).
 */
import { assert, describe, it } from "@effect/vitest"
import { commandSecrets, urlPassword } from "../../src/services/CommandIsolation.js"
import type { ResolvedConfig } from "../../src/config/ResolvedConfig.js"

const config = {
  modelProvider: { envKey: "ROUTER" },
  mcpServers: [
    { transport: { type: "http", url: "http://x", headers: {}, bearerTokenEnvVar: "DOCS_BEARER", envHeaders: { "x-api": "DOCS_HEADER" } } },
    { transport: { type: "stdio", command: "x", args: [], env: { NOT_READ: "plain" } } }
  ]
} as unknown as Pick<ResolvedConfig, "modelProvider" | "mcpServers">

describe("commandSecrets", () => {
  it("holds the given secrets and every credential the config has the server read", () => {
    const env = {
      OPENAI_API_KEY: "sk-1",
      CODEX_API_KEY: "",
      ROUTER: "router-key",
      DOCS_BEARER: "bearer",
      DOCS_HEADER: "header",
      NOT_READ: "plain",
      PATH: "/bin"
    }
    assert.deepStrictEqual(
      [...commandSecrets({ secrets: ["http-token"] }, env, config)].sort(),
      ["bearer", "header", "http-token", "router-key", "sk-1"]
    )
  })
})

describe("urlPassword", () => {
  it.each([
    ["postgres://codex:hunter%402@db/codex", ["hunter@2"]],
    ["postgres://codex@db/codex", []],
    ["not a url", []]
  ])("%s", (url, expected) => {
    assert.deepStrictEqual(urlPassword(url), expected)
  })
})
