/**
 * `codex-reply` across server processes: a conversation started by one server continues in the next
 * (as after a restart, or with the Inspector's process per call), resumed from its rollout, and the
 * model sees the whole earlier history. The id may come as `sessionId`, `threadId` or `conversationId`.
 */
import { afterEach, describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const start = useAgentServer()
const extra: Array<ServerProcess> = []
afterEach(async () => {
  for (const server of extra.splice(0)) {
    server.kill()
    await server.exited
  }
})

describe("codex-reply in a new server process", () => {
  it("resumes the first process's conversation from its rollout and sends the model the earlier history", async () => {
    const { server: first, model, codexHome } = await start([MockTurn.message("first answer"), MockTurn.message("second answer")])
    const started = await first.request("tools/call", { name: "codex", arguments: { prompt: "first question" } })
    const threadId = started.result.structuredContent.threadId
    expect(await first.closeAndWait()).toMatchObject({ code: 0 })

    const second = spawnServer({ codexHome })
    extra.push(second)
    await second.initialize()
    const reply = await second.request("tools/call", { name: "codex-reply", arguments: { threadId, prompt: "second question" } })
    expect(reply.result).toEqual({
      content: [{ type: "text", text: "second answer" }],
      structuredContent: { threadId, content: "second answer" }
    })
    const messages = model.requests[1]!.body.messages as Array<{ role: string; content: unknown }>
    expect(messages.slice(-3)).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "second question" }
    ])
    await second.waitForStderr(new RegExp(`resuming conversation ${threadId}`))
  })

  it("asks for exactly one id", async () => {
    const { server } = await start([])
    const none = await server.request("tools/call", { name: "codex-reply", arguments: { prompt: "p" } })
    expect(none.result).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/^Missing session id for codex-reply/) }] })
    const two = await server.request("tools/call", { name: "codex-reply", arguments: { prompt: "p", sessionId: "a", threadId: "b" } })
    expect(two.result).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/^Conflicting session ids/) }] })
  })
})
