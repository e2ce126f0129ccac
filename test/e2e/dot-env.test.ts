/**
 * `CODEX_HOME/.env`, end to end: its variables reach the agent (here a provider's `env_key`, so the
 * model request carries the key), but never override a variable already set and never set `CODEX_*`.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useServerCleanup } from "../support/AgentServer.js"
import { mockConfigToml, MockTurn, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, spawnServer } from "../support/ServerProcess.js"

const track = useServerCleanup()

/** A server whose provider reads its key from `envKey`, with `dotEnv` as CODEX_HOME/.env. */
const start = async (envKey: string, dotEnv: string, env: Record<string, string> = {}) => {
  const model = await startMockModelServer([MockTurn.message("ok")])
  const codexHome = makeTempDir("codex-home-")
  mkdirSync(codexHome, { recursive: true })
  writeFileSync(join(codexHome, ".env"), dotEnv)
  writeFileSync(
    join(codexHome, "config.toml"),
    mockConfigToml(model.url, { provider: `request_max_retries = 0\nstream_max_retries = 0\nenv_key = "${envKey}"` })
  )
  const server = spawnServer({ codexHome, env })
  track({ server, model })
  await server.initialize()
  const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
  return { server, model, answer }
}

describe("CODEX_HOME/.env", () => {
  it("supplies a provider key the environment lacks, and logs only its name", async () => {
    const { server, model, answer } = await start("MOCK_DOTENV_KEY", "# keys\nexport MOCK_DOTENV_KEY=\"sk-from-dotenv\"\n")
    expect(answer.result.isError).toBeUndefined()
    expect(model.requests[0]!.headers.authorization).toBe("Bearer sk-from-dotenv")
    expect(server.stderr).toContain("MOCK_DOTENV_KEY")
    expect(server.stderr).not.toContain("sk-from-dotenv")
  })

  it("never overrides a variable that is already set", async () => {
    const { model } = await start("MOCK_SET_KEY", "MOCK_SET_KEY=sk-from-dotenv\n", { MOCK_SET_KEY: "sk-from-shell" })
    expect(model.requests[0]!.headers.authorization).toBe("Bearer sk-from-shell")
  })

  it("never sets CODEX_* variables, whatever their case", async () => {
    const upper = await start("CODEX_MOCK_KEY", "CODEX_MOCK_KEY=sk-from-dotenv\n")
    expect(upper.answer.result.isError).toBe(true)
    expect(upper.answer.result.content[0].text).toContain("Missing environment variable: `CODEX_MOCK_KEY`")
    expect(upper.model.requests).toHaveLength(0)
    const lower = await start("codex_mock_key", "codex_mock_key=sk-from-dotenv\n")
    expect(lower.answer.result.isError).toBe(true)
    expect(lower.model.requests).toHaveLength(0)
  })
})
