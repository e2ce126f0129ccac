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

/**
 * Stops every server and mock model handed to the returned function after each test, and removes the
 * CODEX_HOME given with them: for tests that start the server their own way.
 */
export const useServerCleanup = () => {
  const running: Array<{ readonly server: ServerProcess; readonly model: MockModelServer; readonly codexHome?: string }> = []
  afterEach(async () => {
    for (const { server, model, codexHome } of running.splice(0)) {
      server.kill()
      await server.exited
      await model.close()
      if (codexHome !== undefined) rmSync(codexHome, { recursive: true, force: true })
    }
  })
  return (entry: { readonly server: ServerProcess; readonly model: MockModelServer; readonly codexHome?: string }) => {
    running.push(entry)
  }
}

export const useAgentServer = () => {
  const track = useServerCleanup()
  return async (
    turns: ReadonlyArray<MockTurn>,
    config: Parameters<typeof mockConfigToml>[1] = {},
    env: Record<string, string | undefined> = {}
  ): Promise<AgentServer> => {
    const model = await startMockModelServer(turns)
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, config))
    const server = spawnServer({ codexHome, env })
    track({ server, model, codexHome })
    await server.initialize()
    return { server, model, codexHome }
  }
}
