/**
 * An end-to-end test's usual setup: a mock model provider scripted with turns, a CODEX_HOME whose
 * config.toml points at it, and the built server spawned and initialized. `useAgentServer()` also
 * registers the cleanup, so each test only says what the model does.
 */
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach } from "vitest"
import { type MockModelServer, type MockTurn, mockConfigToml, startMockModelServer } from "./MockModelServer.js"
import { makeTempDir, type ServerProcess, spawnServer } from "./ServerProcess.js"

export interface AgentServer {
  readonly server: ServerProcess
  readonly model: MockModelServer
  readonly codexHome: string
}

export const useAgentServer = () => {
  const running: Array<AgentServer> = []
  afterEach(async () => {
    for (const { server, model, codexHome } of running.splice(0)) {
      server.kill()
      await server.exited
      await model.close()
      rmSync(codexHome, { recursive: true, force: true })
    }
  })
  return async (
    turns: ReadonlyArray<MockTurn>,
    config: Parameters<typeof mockConfigToml>[1] = {},
    env: Record<string, string> = {}
  ): Promise<AgentServer> => {
    const model = await startMockModelServer(turns)
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, config))
    const server = spawnServer({ codexHome, env })
    running.push({ server, model, codexHome })
    await server.initialize()
    return { server, model, codexHome }
  }
}
