/**
 * A client that stops reading stdout: the server stops handling input once 1 MiB of answers wait to
 * be written, so its memory stays bounded (peak RSS under 160 MiB for 50,000 `tools/list`), every
 * request is still answered once the client reads again, and after stdin EOF it exits within a second.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { peakRssMiB } from "../support/Processes.js"
import { spawnServer, type ServerProcess } from "../support/ServerProcess.js"

const PAUSED_PEAK_RSS_BOUND_MIB = 160
const start = useAgentServer()

const toolsListRequests = (count: number) =>
  Array.from({ length: count }, (_, id) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list" }) + "\n").join("")

/** Resolves once the server logs that its outgoing queue is full (it then waits for the client). */
const backedUp = (server: ServerProcess) => server.waitForStderr("waiting for the client to read", 20_000)

describe("a client that stops reading stdout", () => {
  it("keeps the server's memory bounded and still answers every request afterwards", async () => {
    const server = spawnServer({ env: { CODEX_EFFECT_LOG: "debug" } })
    try {
      await server.initialize()
      server.child.stdout.pause()
      const count = 50_000
      const drained = new Promise<void>((resolve) => server.child.stdin.once("drain", resolve))
      server.child.stdin.write(toolsListRequests(count))
      // Either the server backs up (fixed) or it swallows every request (unbounded): measure both.
      await Promise.race([backedUp(server), drained])
      const pausedPeak = peakRssMiB(server.child.pid!)
      server.child.stdout.resume()
      await server.waitFor((m) => m.id === count - 1, "the last tools/list answer", 60_000)
      expect(server.messages.filter((m) => typeof m.id === "number" && m.id < count && Array.isArray(m.result?.tools))).toHaveLength(count)
      expect(pausedPeak).toBeLessThan(PAUSED_PEAK_RSS_BOUND_MIB)
    } finally {
      server.kill()
    }
  }, 120_000)

  // The server gives itself 400 ms to write what is queued and 400 ms to flush; the test allows a
  // loaded machine's scheduling on top, and fails on the old behaviour, which never exited.
  it("exits within a second of stdin EOF while its output is backed up by a flooding command", async () => {
    const { server } = await start([MockTurn.shell(["yes"], { timeoutMs: 60_000 })], { approvalPolicy: "never" }, {
      CODEX_EFFECT_LOG: "debug"
    })
    server.child.stdout.pause()
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "flood" } } })
    server.child.stdin.write(toolsListRequests(1_000))
    await backedUp(server)
    const closed = Date.now()
    server.child.stdin.end()
    expect(await server.waitForExit(5_000)).toEqual({ code: 0, signal: null })
    expect(Date.now() - closed).toBeLessThan(2_500)
  }, 60_000)
})
