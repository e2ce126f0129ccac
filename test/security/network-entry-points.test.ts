/**
 * Invariant: every network entry point authenticates, a sandboxed command cannot reach the server's own
 * endpoint even with network access, the server's secrets never enter a command's environment whatever
 * their names, and every client-controlled size on the HTTP transport is capped before it is buffered.
 *
 * Against the built binary with the real sandbox: raw peers on a cluster runner's port (over a throwaway
 * PostgreSQL), commands that try the server's own `/mcp`, and clients that flood the HTTP transport.
 */
import { connect as netConnect, type Socket } from "node:net"
import { connect as tlsConnect } from "node:tls"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { freePort, type Postgres, postgresBinDir, startPostgres } from "../support/Postgres.js"
import { makeTempDir, ServerProcess } from "../support/ServerProcess.js"

const hasPostgres = postgresBinDir() !== undefined
if (!hasPostgres && process.env.CI === "true") {
  throw new Error("PostgreSQL is missing: the cluster tests need it on CI (.ci/run installs the postgresql package)")
}

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

  it("keeps the cluster's key in the database, not in any file or argument a command could read", () => {
    const stored = pg.query("SELECT length(secret) FROM codex_cluster_secret")
    assert.strictEqual(stored, "64", "one 32-byte key, hex")
    assert.notInclude(runner.stderr, pg.query("SELECT secret FROM codex_cluster_secret"))
  })
})
