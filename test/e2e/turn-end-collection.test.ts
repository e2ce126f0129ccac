/**
 * A server bounds the dead data V8's old generation may hold (`TurnEndCollection`): when a turn ends and
 * the old generation has grown past the slack since the last collection, the server collects it. What it
 * saves is measured by the bench (RSS growth per turn of a long conversation); here, that the launcher,
 * the server and the conversation are wired so it happens, and that the conversation goes on after it.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"

const start = useAgentServer()
const COLLECTED = "old generation collected between turns"

describe("the old generation between turns", () => {
  it("is collected once a long conversation's turns have grown it past the slack, and the conversation goes on", async () => {
    const turns = 40
    const { server } = await start(
      Array.from({ length: turns + 1 }, (_, n) => MockTurn.message(`answer ${n}`)),
      { approvalPolicy: "never" },
      { CODEX_EFFECT_LOG: "debug" }
    )
    // 100 KiB a turn: the history alone passes the 2 MiB slack within the turns given.
    const prompt = (turn: number) => `${turn} `.padEnd(100 * 1024, "x")
    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: prompt(0) } }, 30_000)
    const threadId = first.result.structuredContent.threadId
    for (let turn = 1; turn < turns && !server.stderr.includes(COLLECTED); turn++) {
      await server.request("tools/call", { name: "codex-reply", arguments: { threadId, prompt: prompt(turn) } }, 30_000)
    }
    const line = await server.waitForStderr(new RegExp(`${COLLECTED}[^\\n]*`))
    const [before, after] = [/before_kib=(\d+)/, /after_kib=(\d+)/].map((field) => Number(field.exec(line)?.[1]))
    expect(before).toBeGreaterThan(after!)
    const next = await server.request("tools/call", { name: "codex-reply", arguments: { threadId, prompt: "and then?" } }, 30_000)
    expect(next.result.structuredContent).toMatchObject({ threadId })
  })
})
