/**
 * A client of the built `codex-effect app-server` for e2e tests: raw JSON-RPC on stdio, written as the
 * reference's clients write it (no `"jsonrpc"`), initialized at launch. `useAppServers` registers the hooks
 * that end every server a test launched and check every message it sent against the reference's generated
 * JSON Schema (for answers, the schema of the method they answer).
 */
import { afterEach, beforeAll, expect } from "vitest"
import { type AppServerSchema, loadAppServerSchema } from "./AppServerSchema.js"
import { type JsonRpcMessage, type ServerProcess, spawnServer } from "./ServerProcess.js"

export interface AppServerClient {
  readonly server: ServerProcess
  /** Sends a request and waits (20 s) for its answer. */
  readonly request: (method: string, params?: unknown) => Promise<JsonRpcMessage>
  /** Answers a request the server sent. */
  readonly answer: (request: JsonRpcMessage, result: unknown) => void
  readonly turnCompleted: (turnId: string) => Promise<JsonRpcMessage>
}

export const useAppServers = () => {
  let schema: AppServerSchema
  /** `methods`: the method of each request id the test sent; none for a server of another protocol (not checked). */
  const servers: Array<{ readonly server: ServerProcess; readonly methods: Map<unknown, string> | undefined }> = []

  beforeAll(() => {
    schema = loadAppServerSchema()
  }, 600_000)

  afterEach(() => {
    const checked = servers.splice(0)
    for (const { server } of checked) server.kill()
    const problems = checked.flatMap(({ server, methods }) =>
      methods === undefined ? [] : server.messages.flatMap((message) => schema.problems(message, methods.get(message.id)))
    )
    expect(problems).toEqual([])
  })

  const launch = async (codexHome: string, env?: Record<string, string | undefined>): Promise<AppServerClient> => {
    const server = spawnServer({ codexHome, args: ["app-server"], ...(env === undefined ? {} : { env }) })
    const methods = new Map<unknown, string>()
    servers.push({ server, methods })
    let nextId = 1
    const request = (method: string, params?: unknown) => {
      const id = nextId++
      methods.set(id, method)
      server.sendLine(JSON.stringify(params === undefined ? { id, method } : { id, method, params }))
      return server.waitFor((m) => m.id === id && m.method === undefined, `answer to ${method} (id ${id})`, 20_000)
    }
    const initialized = await request("initialize", { clientInfo: { name: "e2e", title: null, version: "1.0.0" }, capabilities: null })
    expect(initialized.result.codexHome).toBe(codexHome)
    server.sendLine(JSON.stringify({ method: "initialized" }))
    return {
      server,
      request,
      answer: (message, result) => server.sendLine(JSON.stringify({ id: message.id, result })),
      turnCompleted: (turnId) =>
        server.waitFor((m) => m.method === "turn/completed" && m.params.turn.id === turnId, `turn/completed of ${turnId}`, 20_000)
    }
  }

  /** Ends `server` with the test; its messages are checked when `methods` is given (app-server's protocol). */
  const track = (server: ServerProcess, methods?: Map<unknown, string>) => {
    servers.push({ server, methods })
    return server
  }

  return { launch, track }
}
