/**
 * A command that floods its output cannot balloon the server or its clients: every delta is at most
 * 8 KiB, a command streams at most 1 MiB (and 10,000 deltas), and the server's peak RSS stays under
 * 256 MiB whatever the command prints and however fast.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { peakRssMiB } from "../support/Processes.js"

const start = useAgentServer()
const MiB = 1024 * 1024
/** The stated bound: peak RSS of the whole server process (idle is ~65 MiB). */
const PEAK_RSS_BOUND_MIB = 256

const flood = async (command: ReadonlyArray<string>, timeoutMs: number) => {
  const { server, model } = await start([MockTurn.shell(command, { timeoutMs }), MockTurn.message("done")], { approvalPolicy: "never" }, {
    CODEX_EFFECT_LOG: "warn"
  })
  let stdoutBytes = 0
  server.child.stdout.on("data", (chunk: string) => (stdoutBytes += chunk.length))
  const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "flood" } }, 60_000)
  expect(answer.result.content[0].text).toBe("done")
  const events = server.messages.filter((m) => m.method === "codex/event").map((m) => m.params.msg)
  const chunks = events.filter((msg) => msg.type === "exec_command_output_delta").map((msg) => Buffer.from(msg.chunk, "base64"))
  const end = events.find((msg) => msg.type === "exec_command_end")
  expect(end).toBeDefined()
  expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(8 * 1024)
  expect(chunks.length).toBeLessThanOrEqual(10_000)
  expect(chunks.reduce((sum, chunk) => sum + chunk.length, 0)).toBeLessThanOrEqual(MiB)
  // Deltas, the end event (head and tail; NUL bytes grow 6× as JSON escapes) and the rest.
  expect(stdoutBytes).toBeLessThan(8 * MiB)
  // The model still reads the head and the tail of what the command printed.
  const toModel = (model.requests[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")!.content
  expect(toModel.length).toBeLessThan(64 * 1024)
  expect(peakRssMiB(server.child.pid!)).toBeLessThan(PEAK_RSS_BOUND_MIB)
  return { events, end }
}

describe("a command flooding its output", () => {
  it("`yes` for three seconds", async () => {
    const { end } = await flood(["yes"], 3_000)
    expect(end.exit_code).toBe(124)
  }, 60_000)

  it("`head -c 200M /dev/zero`", async () => {
    const { events } = await flood(["head", "-c", "200M", "/dev/zero"], 60_000)
    expect(events.some((msg) => msg.type === "background_event" && /not streamed/.test(msg.message))).toBe(true)
  }, 60_000)

  it("many one-byte writes", async () => {
    await flood(["bash", "-c", "while :; do printf x; done"], 3_000)
  }, 60_000)

  it("one giant line (100 MiB without a newline)", async () => {
    const { end } = await flood(["bash", "-c", "head -c 100M /dev/zero | tr '\\0' a"], 60_000)
    expect(end.aggregated_output).toMatch(/^a+\n\[\.\.\. \d+ bytes omitted \.\.\.\]\na+$/)
  }, 60_000)
})
