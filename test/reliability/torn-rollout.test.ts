/**
 * A rollout whose last line was cut (a crash mid-write) is resumed, a message is sent, and it is
 * resumed again: the cut line is the only thing lost. Nothing written after the first resume is
 * glued onto the fragment and dropped with it.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const launch = async (codexHome: string) => {
  const server = spawnServer({ codexHome, env: { CODEX_EFFECT_LOG: "error" } })
  cleanups.push(() => server.kill())
  await server.initialize()
  return server
}

const text = (value: string) => [{ type: "text", data: { text: value } }]

/** Sends a message to a listened-to conversation and waits for its turn to complete. */
const say = async (server: ServerProcess, conversationId: string, message: string) => {
  await server.request("sendUserMessage", { conversationId, items: text(message) })
  await server.waitFor(
    (m) => m.method === "codex/event/task_complete" && m.params.conversationId === conversationId,
    `the turn for "${message}" to complete`
  )
}

/** Resumes the rollout, checks the server answers promptly after it, and starts listening. */
const resume = async (server: ServerProcess, path: string) => {
  const resumed = await server.request("resumeConversation", { path })
  expect(resumed.error).toBeUndefined()
  expect(await server.request("ping", undefined, 1_000)).toMatchObject({ result: {} })
  await server.request("addConversationListener", { conversationId: resumed.result.conversationId })
  return resumed.result as { conversationId: string; initialMessages: Array<{ type: string; message: string }> }
}

/** Cuts the file's last line in half, leaving no newline at the end: what a crash mid-append leaves. */
const tearLastLine = (path: string) => {
  const contents = readFileSync(path, "utf8")
  const lastLineStart = contents.lastIndexOf("\n", contents.length - 2) + 1
  const cut = contents.slice(0, lastLineStart + Math.floor((contents.length - lastLineStart) / 2))
  writeFileSync(path, cut)
  return contents.slice(lastLineStart)
}

describe("a torn rollout", () => {
  it("loses only the torn line, across two resumes", async () => {
    const model: MockModelServer = await startMockModelServer([
      MockTurn.message("first answer"),
      MockTurn.message("second answer"),
      MockTurn.message("third answer")
    ])
    cleanups.push(() => model.close())
    const codexHome = makeTempDir("codex-home-")
    cleanups.push(() => rmSync(codexHome, { recursive: true, force: true }))
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never" }))

    const first = await launch(codexHome)
    const created = (await first.request("newConversation", {})).result
    await first.request("addConversationListener", { conversationId: created.conversationId })
    await say(first, created.conversationId, "first question")
    expect(await first.closeAndWait()).toEqual({ code: 0, signal: null })
    expect(tearLastLine(created.rolloutPath)).toContain("first answer")

    const second = await launch(codexHome)
    const afterTear = await resume(second, created.rolloutPath)
    expect(afterTear.initialMessages).toEqual([{ type: "user_message", message: "first question" }])
    await say(second, created.conversationId, "second question")
    expect(await second.closeAndWait()).toEqual({ code: 0, signal: null })

    const third = await launch(codexHome)
    const afterRepair = await resume(third, created.rolloutPath)
    expect(afterRepair.initialMessages).toEqual([
      { type: "user_message", message: "first question" },
      { type: "user_message", message: "second question" },
      { type: "agent_message", message: "second answer" }
    ])
    await say(third, created.conversationId, "third question")
    const sent = (model.requests.at(-1)!.body.messages as Array<{ role: string; content: unknown }>).slice(-4)
    expect(sent).toEqual([
      { role: "user", content: "first question" },
      { role: "user", content: "second question" },
      { role: "assistant", content: "second answer" },
      { role: "user", content: "third question" }
    ])
  })
})
