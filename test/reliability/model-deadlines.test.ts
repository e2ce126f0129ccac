/**
 * A provider cannot park or wedge a turn: `Retry-After` values that are not finite fall back to the
 * backoff, every wait is capped (`retry_max_delay_ms`, default 60 s) and announced as `stream_error`,
 * and one model response gets at most `response_deadline_ms` of provider time over all its attempts,
 * so a provider that drips deltas forever or stalls just short of the idle timeout still ends the turn.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import type { ServerProcess } from "../support/ServerProcess.js"

const startServer = useAgentServer()

const start = (turns: ReadonlyArray<MockTurn>, provider = "") =>
  startServer(turns, {
    approvalPolicy: "never",
    wireApi: "responses",
    provider: `request_max_retries = 2\nstream_max_retries = 2\n${provider}`
  }, { CODEX_EFFECT_LOG: "warn" })

const streamErrors = (server: ServerProcess) =>
  server.messages.filter((m) => m.method === "codex/event" && m.params.msg.type === "stream_error").map((m) => m.params.msg.message)

describe("Retry-After", () => {
  it("falls back to the backoff for `Retry-After: 1e308` and says so", async () => {
    const { server } = await start([MockTurn.status(429, "1e308"), MockTurn.message("recovered")])
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "x" } }, 10_000)
    expect(answer.result.content[0].text).toBe("recovered")
    expect(streamErrors(server)).toEqual([expect.stringMatching(/429.*retrying 1\/2 in 0\.\ds/)])
  })

  it("caps `Retry-After: 3600` at retry_max_delay_ms", async () => {
    const { server } = await start([MockTurn.status(503, "3600"), MockTurn.message("soon enough")], "retry_max_delay_ms = 300")
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "x" } }, 10_000)
    expect(answer.result.content[0].text).toBe("soon enough")
    expect(streamErrors(server)).toEqual([expect.stringMatching(/503.*in 0\.3s/)])
  })

  it("announces the default cap of 60 s for `Retry-After: 3600` (then the client cancels)", async () => {
    const { server } = await start([MockTurn.status(429, "3600")])
    server.send({ id: 5, method: "tools/call", params: { name: "codex", arguments: { prompt: "x" } } })
    const announced = await server.waitFor(
      (m) => m.method === "codex/event" && m.params.msg.type === "stream_error",
      "the retry announcement"
    )
    expect(announced.params.msg.message).toMatch(/429.*in 60\.0s/)
    server.send({ method: "notifications/cancelled", params: { requestId: 5 } })
    await server.waitFor((m) => m.method === "codex/event" && m.params.msg.type === "turn_aborted", "turn_aborted")
  })
})

describe("response_deadline_ms", () => {
  it("ends a turn whose provider drips deltas forever", async () => {
    const { server } = await start([MockTurn.drip(20)], "response_deadline_ms = 800")
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "x" } }, 10_000)
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toMatch(/did not complete within 800 ms.*response_deadline_ms/)
  })

  it("ends a turn whose provider stalls just short of the idle timeout on every attempt", async () => {
    const { server } = await startServer(MockTurn.times(10, MockTurn.stall(["."])), {
      approvalPolicy: "never",
      wireApi: "responses",
      provider: "stream_max_retries = 9\nstream_idle_timeout_ms = 400\nresponse_deadline_ms = 1000"
    }, { CODEX_EFFECT_LOG: "warn" })
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "x" } }, 10_000)
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toMatch(/response_deadline_ms/)
    // Two or three idle timeouts fit in the deadline; ten would take four seconds.
    expect(streamErrors(server).length).toBeLessThan(4)
  })
})
