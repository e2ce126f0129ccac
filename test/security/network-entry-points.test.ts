/**
 * Invariant: every network entry point authenticates, a sandboxed command cannot reach the server's own
 * endpoint even with network access, the server's secrets never enter a command's environment whatever
 * their names, and every client-controlled size on the HTTP transport is capped before it is buffered.
 *
 * Against the built binary with the real sandbox: raw peers on a cluster runner's port (over a throwaway
 * PostgreSQL), commands that try the server's own `/mcp`, and clients that flood the HTTP transport.
 */
import { writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { connect as netConnect, type Socket } from "node:net"
import { networkInterfaces } from "node:os"
import { join } from "node:path"
import { connect as tlsConnect } from "node:tls"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { callCodex, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { TEST_AUTHORIZATION, TEST_HTTP_TOKEN, useHttpAgentServer } from "../support/HttpAgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { freePort, type Postgres, postgresAvailable, startPostgres } from "../support/Postgres.js"
import { peakRssMiB } from "../support/Processes.js"
import { makeTempDir, ServerProcess, spawnServer } from "../support/ServerProcess.js"

const hasPostgres = postgresAvailable()

/** Everything a peer receives on `socket` until the server closes it (or `ms` pass: then the test fails). */
const readUntilClosed = (socket: Socket, ms: number) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the runner kept the connection open for ${ms} ms; received: ${Buffer.concat(chunks).toString("utf8")}`))
    }, ms)
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", () => undefined)
    socket.on("close", () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
  })

/** effect's runner protocol (NDJSON RPC): a `Ping`, which an open runner answers with an `Exit`. */
const PING = `${JSON.stringify({ _tag: "Request", id: "1", tag: "Ping", payload: {}, headers: [] })}\n`

describe.skipIf(!hasPostgres)("cluster runner port", () => {
  let pg: Postgres
  let runner: ServerProcess
  let port: number
  beforeAll(async () => {
    pg = await startPostgres()
    port = await freePort()
    runner = new ServerProcess({ codexHome: makeTempDir("codex-home-"), args: ["mcp", "--cluster", pg.url, "--runner-address", `127.0.0.1:${port}`] })
    await runner.waitForStderr(`Listening on: 127.0.0.1:${port}`, 30_000)
  }, 90_000)
  afterAll(async () => {
    runner?.kill()
    await runner?.waitForExit().catch(() => undefined)
    pg?.stop()
  })

  it("a raw TCP peer that speaks effect's protocol gets no answer and is disconnected", async () => {
    const socket = netConnect(port, "127.0.0.1", () => socket.write(PING))
    const received = await readUntilClosed(socket, 10_000)
    assert.notInclude(received.toString("utf8"), "Exit", "the runner answered a peer without the cluster's key")
    assert.notInclude(received.toString("utf8"), "Pong")
  })

  it("a raw TCP peer that sends an envelope for a conversation is disconnected without a byte of the protocol", async () => {
    const envelope = JSON.stringify({
      _tag: "Request",
      id: "2",
      tag: "Envelope",
      payload: { envelope: { _tag: "Request", requestId: "1", address: { shardId: { group: "default", id: 1 }, entityType: "Conversation", entityId: "x" }, tag: "Read", payload: {}, headers: {}, lastSentChunk: null } },
      headers: []
    })
    const socket = netConnect(port, "127.0.0.1", () => socket.write(`${envelope}\n${PING}`))
    const received = (await readUntilClosed(socket, 10_000)).toString("utf8")
    assert.notMatch(received, /"_tag"/, `the runner spoke its protocol to an unauthenticated peer: ${received}`)
  })

  it("a TLS peer with the right identity but a wrong key fails the handshake", async () => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      minVersion: "TLSv1.3",
      pskCallback: () => ({ psk: Buffer.alloc(32, 1), identity: "codex-effect-runner" }),
      checkServerIdentity: () => undefined
    })
    const handshake = new Promise<"secure" | "refused">((resolve) => {
      socket.once("secureConnect", () => resolve("secure"))
      socket.once("error", () => resolve("refused"))
      socket.once("close", () => resolve("refused"))
    })
    assert.strictEqual(await handshake, "refused")
    socket.destroy()
  })

  it("a TLS peer without a pre-shared key (an ordinary TLS client) fails the handshake", async () => {
    const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false })
    const handshake = new Promise<"secure" | "refused">((resolve) => {
      socket.once("secureConnect", () => resolve("secure"))
      socket.once("error", () => resolve("refused"))
      socket.once("close", () => resolve("refused"))
    })
    assert.strictEqual(await handshake, "refused")
    socket.destroy()
  })

  it("stores one 32-byte key in the database and never logs it", () => {
    const stored = pg.query("SELECT length(secret) FROM codex_cluster_secret")
    assert.strictEqual(stored, "64", "one 32-byte key, hex")
    assert.notInclude(runner.stderr, pg.query("SELECT secret FROM codex_cluster_secret"))
  })
})

/**
 * What a sandboxed command runs to call the server's /mcp the way an MCP client starts (`initialize`), with no
 * token and then with every value of its environment as one; and to reach `other`, to show it has network.
 */
const CALL_MCP = `
const [mcp, other] = process.argv.slice(1)
const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "escape", version: "1" } } }
const attempt = (url, init) => fetch(url, init).then((r) => r.status, (e) => "failed:" + (e.cause?.code ?? e.message))
const call = (authorization) => attempt(mcp, {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...(authorization ? { authorization } : {}) },
  body: JSON.stringify(init)
})
const main = async () => {
  const mcpStatus = await call()
  // What an attacker does next: try every value it can see as the token.
  const guesses = []
  for (const value of Object.values(process.env)) guesses.push(await call("Bearer " + value))
  const otherStatus = other === undefined ? "none" : await attempt(other, {})
  console.log(JSON.stringify({ mcpStatus, guesses: [...new Set(guesses)], otherStatus, env: process.env }))
}
main()
`

interface Probe {
  readonly mcpStatus: number | string
  /** The distinct answers to the command's guesses at the token. */
  readonly guesses: ReadonlyArray<number | string>
  readonly otherStatus: number | string
  readonly env: Record<string, string>
}

const sandboxed = {
  sandboxMode: "workspace-write",
  approvalPolicy: "never",
  extra: "[sandbox_workspace_write]\nnetwork_access = true"
}

describe("the HTTP endpoint and sandboxed commands", () => {
  const http = useHttpAgentServer()

  /** Runs CALL_MCP as the model's command in a `codex` call; what the command saw. */
  const probe = async (
    server: Awaited<ReturnType<typeof http.start>>,
    headers: Record<string, string> | undefined,
    other?: string
  ): Promise<Probe> => {
    server.model.push(MockTurn.shell([process.execPath, "-e", CALL_MCP, server.url, ...(other === undefined ? [] : [other])]), MockTurn.message("done"))
    const client = await http.connect(server.url, headers === undefined ? {} : { headers })
    const result: any = await client.callTool({ name: "codex", arguments: { prompt: "call yourself", cwd: makeTempDir("workspace-") } }, undefined, {
      timeout: 30_000
    })
    assert.notStrictEqual(result.isError, true, JSON.stringify(result))
    const output = String((JSON.parse(toolOutputs(server.model)[0] ?? "{}") as { output?: string }).output)
    const json = /\{"mcpStatus".*\}/.exec(output)
    assert.isNotNull(json, `the command printed its probe: ${output}`)
    return JSON.parse(json![0]) as Probe
  }

  it("with a token, the command keeps its network but gets 401 at /mcp, and the token is under none of its variables", async () => {
    const token = "tok-3f9c1d2e8a7b6c5d4e3f2a1b"
    const server = await http.start([], {
      config: sandboxed,
      args: ["--auth-token-env", "DEPLOY_COLOR"],
      env: { DEPLOY_COLOR: token, BUILD_LABEL: token, GREETING: `hello ${token} there`, PLAIN: "kept" }
    })
    const seen = await probe(server, { authorization: `Bearer ${token}` }, server.model.url)
    assert.strictEqual(seen.mcpStatus, 401)
    assert.deepStrictEqual(seen.guesses, [401], "no value the command can see opens the endpoint")
    assert.isNumber(seen.otherStatus, `the command reaches other addresses: ${JSON.stringify(seen.otherStatus)}`)
    assert.notInclude(JSON.stringify(seen.env), token, "the token reached the command")
    assert.strictEqual(seen.env.PLAIN, "kept", "other variables still reach the command")
  }, 60_000)

  it("the provider key the server reads never reaches a command, not even copied under another name", async () => {
    const key = "sk-proj-0123456789abcdefghijklmnop"
    const server = await http.start([], {
      config: sandboxed,
      args: ["--auth-token-env", "HTTP_TOKEN"],
      env: { HTTP_TOKEN: "another-token-0123456789", OPENAI_API_KEY: key, MODEL_CREDENTIAL_COPY: key, ALSO: `x${key}y` }
    })
    const seen = await probe(server, { authorization: "Bearer another-token-0123456789" })
    assert.deepStrictEqual(seen.guesses, [401])
    assert.notInclude(JSON.stringify(seen.env), key)
    assert.notInclude(JSON.stringify(seen.env), "another-token-0123456789")
  }, 60_000)

  it.each([
    ["on loopback", ["mcp", "--http", "127.0.0.1:0"]],
    ["on any other address", ["mcp", "--http", "0.0.0.0:0"]],
    ["as a cluster front", ["mcp", "--http", "127.0.0.1:0", "--cluster", "postgres://nobody@127.0.0.1:1/none", "--runner-address", "127.0.0.1:1"]]
  ])("refuses to serve HTTP without a token %s", async (_, args) => {
    const server = spawnServer({ args })
    const { code } = await server.waitForExit(10_000)
    assert.strictEqual(code, 2, server.stderr)
    assert.include(server.stderr, "--auth-token-env")
  })
})

/** One raw POST; `body` is written as is (a Buffer is not copied), from `localAddress` when given. */
const post = (url: string, body: string | Buffer, options: { headers?: Record<string, string>; localAddress?: string } = {}) =>
  new Promise<{ readonly status: number; readonly headers: Record<string, string | Array<string> | undefined>; readonly body: string }>(
    (resolve, reject) => {
      const request = httpRequest(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": String(Buffer.byteLength(body)),
          ...TEST_AUTHORIZATION,
          ...options.headers
        },
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress })
      }, (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => (text += chunk))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }))
      })
      request.on("error", reject)
      request.end(body)
    }
  )

const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "flood", version: "1" } } })
const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })

/** `count` tasks, `width` at a time. */
const inBatches = async <A>(count: number, width: number, task: (i: number) => Promise<A>): Promise<Array<A>> => {
  const results: Array<A> = []
  for (let start = 0; start < count; start += width) {
    results.push(...await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, j) => task(start + j))))
  }
  return results
}

describe("HTTP floods", () => {
  const http = useHttpAgentServer()

  it("refuses a declared body over 16 MiB with 413 before reading it", async () => {
    const { url } = await http.start([])
    const answer = await new Promise<number>((resolve, reject) => {
      const headers = { "content-type": "application/json", "content-length": String(64 * 1024 * 1024), ...TEST_AUTHORIZATION }
      const request = httpRequest(url, { method: "POST", headers }, (response) => {
        resolve(response.statusCode ?? 0)
        response.resume()
      })
      request.on("error", reject)
      // Headers only: the answer must come without the body.
      request.flushHeaders()
    })
    assert.strictEqual(answer, 413)
  })

  it("refuses a chunked body once it passes 16 MiB", async () => {
    const { url } = await http.start([])
    const status = await new Promise<number>((resolve, reject) => {
      const headers = { "content-type": "application/json", "transfer-encoding": "chunked", ...TEST_AUTHORIZATION }
      const request = httpRequest(url, { method: "POST", headers }, (response) => {
        resolve(response.statusCode ?? 0)
        response.resume()
      })
      request.on("error", () => undefined)
      const chunk = Buffer.alloc(1024 * 1024, 0x20)
      let sent = 0
      const pump = () => {
        while (sent < 20) {
          sent++
          if (!request.write(chunk)) return request.once("drain", pump)
        }
        request.end()
      }
      request.on("error", reject)
      pump()
    })
    assert.strictEqual(status, 413)
  })

  it("holds memory bounded under 24 concurrent 16 MiB bodies while another session keeps being answered", async () => {
    const { url, server } = await http.start([])
    const client = await http.connect(url)
    // Just under the cap: every body is read and parsed.
    const pad = 16 * 1024 * 1024 - 200
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping", params: { pad: "a".repeat(pad) } }))
    const before = peakRssMiB(server.child.pid!)
    const pings: Array<number> = []
    let flooding = true
    const pinger = (async () => {
      while (flooding) {
        const started = performance.now()
        await client.ping()
        pings.push(performance.now() - started)
      }
    })()
    const statuses = await Promise.all(Array.from({ length: 24 }, () => post(url, body).then((answer) => answer.status)))
    flooding = false
    await pinger
    const peak = peakRssMiB(server.child.pid!)
    // No session: each body is read and parsed, then answered 400 (or 503 when it waited too long for room).
    for (const status of statuses) assert.oneOf(status, [400, 503])
    console.log(`peak RSS ${before.toFixed(0)} -> ${peak.toFixed(0)} MiB; pings during the flood: ${pings.length}, slowest ${Math.max(...pings).toFixed(0)} ms`)
    // Measured here: +150 MiB with the shared budget (slowest ping 0.5 s), +370 MiB and pings stalled 3.4 s without it.
    assert.isBelow(peak - before, 250, `the flood grew the server by ${(peak - before).toFixed(0)} MiB`)
  }, 120_000)

  it("a client flooding `initialize` does not lock another client out", async () => {
    const { url } = await http.start([])
    const statuses = await inBatches(300, 20, () => post(url, INITIALIZE).then((answer) => answer.status))
    assert.include(statuses, 200)
    const client = await http.connect(url)
    const tools = await client.listTools()
    assert.isAbove(tools.tools.length, 0)
  }, 60_000)

  it("a remote address using its sessions is capped, and another client still gets in", async () => {
    // A remote peer: this machine's own non-loopback address, with the server listening on every address.
    const remote = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && !i.internal && i.family === "IPv4")?.address
    if (remote === undefined) return
    const server = spawnServer({ args: ["mcp", "--http", "0.0.0.0:0", "--auth-token-env", "T"], env: { T: TEST_HTTP_TOKEN } })
    try {
      const port = /serving MCP at http:\/\/0\.0\.0\.0:(\d+)/.exec(await server.waitForStderr(/serving MCP at \S+/))![1]
      const url = `http://${remote}:${port}/mcp`
      const fromA = { localAddress: remote }
      const opened = await inBatches(100, 20, async () => {
        const answer = await post(url, INITIALIZE, fromA)
        const id = answer.headers["mcp-session-id"]
        if (typeof id === "string") await post(url, INITIALIZED, { headers: { "mcp-session-id": id }, ...fromA })
        return { status: answer.status, id }
      })
      assert.include(opened.map(({ status }) => status), 503, "the address was refused sessions past its cap")
      const ping = (id: unknown) => JSON.stringify({ jsonrpc: "2.0", id: `ping-${String(id)}`, method: "ping" })
      const alive = await inBatches(opened.length, 20, async (i) => {
        const id = opened[i]!.id
        return typeof id === "string" && (await post(url, ping(id), { headers: { "mcp-session-id": id }, ...fromA })).status === 200
      })
      assert.isAtMost(alive.filter(Boolean).length, 64, "one address holds at most 64 sessions")
      const other = await post(`http://127.0.0.1:${port}/mcp`, INITIALIZE)
      assert.strictEqual(other.status, 200, other.body)
    } finally {
      server.kill()
      await server.waitForExit().catch(() => undefined)
    }
  }, 60_000)
})

describe("credentials the config names, under names no default exclude matches", () => {
  const { makeStage, start } = useHostileStage()

  it("a provider's env_http_headers and another provider's env_key never reach a command, not even copied", async () => {
    const stage = makeStage()
    const gateway = "gw-7c1e9a3b5d2f4e6a8b0c"
    const spare = "spare-0f1e2d3c4b5a69788796"
    const { server, model } = await start(stage, [MockTurn.shell(["env"]), MockTurn.message("done")], {
      provider: [
        `env_http_headers = { "X-Gateway-Auth" = "GATEWAY_AUTH" }`,
        `[model_providers.spare]`,
        `name = "A second provider, selectable by profile"`,
        `base_url = "http://127.0.0.1:1/v1"`,
        `env_key = "SPARE_LLM_AUTH"`
      ].join("\n"),
      env: { GATEWAY_AUTH: gateway, GATEWAY_COPY: gateway, SPARE_LLM_AUTH: spare, SPARE_COPY: `x${spare}y`, PLAIN: "kept" }
    })
    await callCodex(server, { cwd: stage.work, sandbox: "workspace-write", "approval-policy": "never" })
    assert.strictEqual(model.requests[0]!.headers["x-gateway-auth"], gateway, "the provider sends the header it reads")
    const output = toolOutputs(model)[0] ?? ""
    assert.include(output, "PLAIN=kept")
    assert.notInclude(output, gateway)
    assert.notInclude(output, spare)
  }, 60_000)
})

describe("what CODEX_HOME/.env gives the server", () => {
  const { makeStage, start } = useHostileStage()

  it("its values never reach a command (the file is hidden from commands, so are its keys), short switches still do", async () => {
    const stage = makeStage()
    const secret = "rt-5b8e2c9d1f3a7e6b4c2d"
    writeFileSync(join(stage.codexHome, ".env"), `ACME_ROUTER_AUTH=${secret}\nFEATURE_SWITCH=1\n`)
    const { server, model } = await start(stage, [MockTurn.shell(["env"]), MockTurn.message("done")], {
      env: { ROUTER_COPY: `url?auth=${secret}` }
    })
    await callCodex(server, { cwd: stage.work, sandbox: "workspace-write", "approval-policy": "never" })
    const output = toolOutputs(model)[0] ?? ""
    assert.include(output, "FEATURE_SWITCH=1")
    assert.notInclude(output, secret)
  }, 60_000)
})
