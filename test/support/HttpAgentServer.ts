/**
 * End-to-end setup for the HTTP transport: a mock model scripted with turns, a CODEX_HOME pointing at it,
 * the built server spawned with `mcp --http 127.0.0.1:0 --auth-token-env …` (the transport needs a token;
 * `TEST_HTTP_TOKEN` unless the test names its own variable), and its URL read from the log line it prints
 * when listening. `connect` opens an official SDK client over `StreamableHTTPClientTransport`, sending
 * `TEST_AUTHORIZATION` unless told other headers, that answers elicitations with the given handler.
 * `useHttpAgentServer()` registers the cleanup.
 */
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from "@modelcontextprotocol/sdk/types.js"
import { afterEach } from "vitest"
import { type MockModelServer, type MockTurn, mockConfigToml, startMockModelServer } from "./MockModelServer.js"
import { makeTempDir, type ServerProcess, spawnServer } from "./ServerProcess.js"

/** The bearer token of every server `start` spawns, unless the test passes its own `--auth-token-env`. */
export const TEST_HTTP_TOKEN = "codex-effect-test-token-5b0c9e1f"
/** The header a client needs for such a server. */
export const TEST_AUTHORIZATION = { authorization: `Bearer ${TEST_HTTP_TOKEN}` }

export interface HttpAgentServer {
  readonly server: ServerProcess
  readonly model: MockModelServer
  readonly codexHome: string
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string
}

export interface ConnectOptions {
  readonly onElicit?: (request: ElicitRequest) => Promise<ElicitResult> | ElicitResult
  readonly headers?: Record<string, string>
}

export const useHttpAgentServer = () => {
  const running: Array<HttpAgentServer> = []
  const clients: Array<Client> = []
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close().catch(() => undefined)
    for (const { server, model, codexHome } of running.splice(0)) {
      server.kill()
      await server.exited
      await model.close()
      rmSync(codexHome, { recursive: true, force: true })
    }
  })

  const start = async (
    turns: ReadonlyArray<MockTurn>,
    options: { config?: Parameters<typeof mockConfigToml>[1]; args?: ReadonlyArray<string>; env?: Record<string, string> } = {}
  ): Promise<HttpAgentServer> => {
    const model = await startMockModelServer(turns)
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, options.config))
    const ownToken = options.args?.includes("--auth-token-env") === true
    const server = spawnServer({
      codexHome,
      env: { CODEX_EFFECT_TEST_HTTP_TOKEN: TEST_HTTP_TOKEN, ...options.env },
      args: ["mcp", "--http", "127.0.0.1:0", ...(ownToken ? [] : ["--auth-token-env", "CODEX_EFFECT_TEST_HTTP_TOKEN"]), ...(options.args ?? [])]
    })
    const entry = { server, model, codexHome, url: "" }
    running.push(entry)
    const line = await server.waitForStderr(/serving MCP at (http:\/\/\S+?)"/)
    const url = /http:\/\/\S+?(?=")/.exec(line)![0]
    return Object.assign(entry, { url })
  }

  const connect = async (url: string, options: ConnectOptions = {}) => {
    const client = new Client(
      { name: "http e2e", version: "0.0.0" },
      { capabilities: options.onElicit === undefined ? {} : { elicitation: {} } }
    )
    if (options.onElicit !== undefined) {
      const onElicit = options.onElicit
      client.setRequestHandler(ElicitRequestSchema, (request) => onElicit(request))
    }
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: options.headers ?? TEST_AUTHORIZATION } })
    await client.connect(transport)
    clients.push(client)
    return client
  }

  return { start, connect }
}

/** A promise with its resolver, for handing a value from a callback to the test. */
export const deferred = <A>() => {
  let resolve!: (value: A) => void
  const promise = new Promise<A>((done) => (resolve = done))
  return { promise, resolve }
}

/** `promise`, or a loud failure naming `what` after `ms`. */
export const within = <A>(what: string, promise: Promise<A>, ms = 10_000): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
