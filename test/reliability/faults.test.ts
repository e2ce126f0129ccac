/**
 * Faults from every side: a failing or stalling model provider never hangs a turn, the
 * client vanishing mid-turn leaves no process behind, and many concurrent conversations each get
 * exactly their own answers.
 */
import { describe, expect, it } from "vitest"
import { processesWith } from "../exec/support.js"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { waitForProcessExit } from "../support/Processes.js"
import { makeTempDir, type ServerProcess } from "../support/ServerProcess.js"

const startServer = useAgentServer()

const start = (turns: ReadonlyArray<MockTurn>, provider = "") =>
  startServer(turns, {
    approvalPolicy: "never",
    wireApi: "responses",
    provider: `request_max_retries = 2\nstream_max_retries = 2\n${provider}`
  }, { CODEX_EFFECT_LOG: "warn" })

const codex = (server: ServerProcess, prompt: string, timeoutMs = 20_000) =>
  server.request("tools/call", { name: "codex", arguments: { prompt } }, timeoutMs)

const streamErrors = (server: ServerProcess) =>
  server.messages.filter((m) => m.method === "codex/event" && m.params.msg.type === "stream_error")

describe("model provider faults", () => {
  it("recovers from two 500s", async () => {
    const { server } = await start([MockTurn.status(500), MockTurn.status(500), MockTurn.message("third time")])
    expect((await codex(server, "x")).result.content[0].text).toBe("third time")
    expect(streamErrors(server)).toHaveLength(2)
  })

  it("waits out a 429 with Retry-After", async () => {
    const { server } = await start([MockTurn.status(429, "1"), MockTurn.message("patient")])
    expect((await codex(server, "x")).result.content[0].text).toBe("patient")
    expect(streamErrors(server)[0]!.params.msg.message).toMatch(/429.*in 1\.0s/)
  })

  it("retries a stream cut mid-event", async () => {
    const { server } = await start([MockTurn.cut(), MockTurn.message("whole")])
    expect((await codex(server, "x")).result.content[0].text).toBe("whole")
  })

  it("ends a stalled stream after the idle timeout with an error result, never hanging", async () => {
    const { server } = await start([MockTurn.stall(), MockTurn.stall(), MockTurn.stall()], "stream_idle_timeout_ms = 300")
    const answer = await codex(server, "x")
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toMatch(/idle timeout/)
    expect(streamErrors(server)).toHaveLength(2)
  })

  it("ends an exhausted retry budget with an error result", async () => {
    const { server } = await start([MockTurn.status(503), MockTurn.status(503), MockTurn.status(503)])
    const answer = await codex(server, "x")
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toMatch(/503/)
  })
})

describe("client disconnects", () => {
  it("exits when stdin closes mid-turn and leaves no child process behind", async () => {
    const workdir = makeTempDir("codex-work-")
    // The command runs in its own PID namespace, so its `$!` means nothing here: find the child by its argv.
    const duration = `${30 + (process.pid % 1000) / 1000}`
    const { server } = await start([MockTurn.shell(["bash", "-c", `sleep ${duration} & wait`], { workdir, timeoutMs: 60_000 })])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "sleep" } } })
    await server.waitFor((m) => m.method === "codex/event" && m.params.msg.type === "exec_command_begin", "the command to start")
    const deadline = Date.now() + 5000
    while (processesWith(`sleep\0${duration}`).length === 0) {
      if (Date.now() > deadline) throw new Error(`sleep ${duration} never started`)
      await new Promise((resolve) => setImmediate(resolve))
    }
    const [pid] = processesWith(`sleep\0${duration}`)
    expect(await server.closeAndWait(2_000)).toEqual({ code: 0, signal: null })
    await waitForProcessExit(pid!)
  })
})

describe("concurrency", () => {
  it("runs 50 conversations × 3 turns, every call getting exactly its own answer", async () => {
    const { server, model } = await start([])
    const conversations = 50
    // The mock answers in arrival order, so each answer names the prompt it saw instead of being scripted per call.
    model.push(...Array.from({ length: conversations * 3 }, () => MockTurn.message("ECHO")))
    const answers = await Promise.all(
      Array.from({ length: conversations }, async (_, n) => {
        const first = await codex(server, `c${n} t0`, 60_000)
        const sessionId = first.result.structuredContent.threadId
        const replies = [first]
        for (const turn of [1, 2]) {
          replies.push(
            await server.request("tools/call", { name: "codex-reply", arguments: { sessionId, prompt: `c${n} t${turn}` } }, 60_000)
          )
        }
        return { n, sessionId, replies }
      })
    )
    expect(new Set(answers.map((answer) => answer.sessionId)).size).toBe(conversations)
    for (const answer of answers) {
      expect(answer.replies.map((reply) => reply.result.structuredContent.threadId)).toEqual([answer.sessionId, answer.sessionId, answer.sessionId])
    }
    // Each conversation's requests carried its own history, in order.
    const histories = model.requests.map((request) =>
      (request.body.input as Array<{ role?: string; content?: Array<{ text?: string }> }>)
        .filter((item) => item.role === "user")
        .map((item) => item.content?.[0]?.text ?? "")
        .filter((text) => /^c\d+ t\d$/.test(text))
    )
    for (const history of histories) {
      const owner = history[0]!.split(" ")[0]
      expect(history).toEqual(history.map((_, turn) => `${owner} t${turn}`))
    }
    expect(histories.filter((history) => history.length === 3)).toHaveLength(conversations)
  }, 120_000)
})
