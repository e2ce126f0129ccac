/**
 * `CODEX_HOME/history.jsonl`: user messages sent to the built server are appended as
 * `{session_id, ts, text}` (mode 0600) and counted in the next `session_configured`; two processes
 * appending at once lose and tear nothing; `max_bytes` drops the oldest lines; `persistence = "none"`
 * writes nothing; the `add_to_history` / `get_history_entry_request` ops (library only) round-trip.
 */
import { spawn } from "node:child_process"
import { existsSync, readFileSync, statSync } from "node:fs"
import { resolve } from "node:path"
import { Effect, Logger, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { appendHistoryEntry, historyFilePath } from "../../src/persistence/MessageHistory.js"
import { CodexLayer } from "../../src/services/CodexLayer.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { makeTempDir } from "../support/ServerProcess.js"

const startAgent = useAgentServer()

const lines = (codexHome: string) =>
  readFileSync(historyFilePath(codexHome), "utf8").split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))

const APPENDER = resolve(import.meta.dirname, "../support/append-history.ts")

/** Runs the appender script; resolves with its exit code, rejecting loudly if it outlives `timeoutMs`. */
const appendFromAnotherProcess = (codexHome: string, sessionId: string, count: number, maxBytes?: number, timeoutMs = 30_000) =>
  new Promise<number | null>((done, fail) => {
    const args = [APPENDER, codexHome, sessionId, String(count), ...(maxBytes !== undefined ? [String(maxBytes)] : [])]
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += String(chunk)))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      fail(new Error(`appender ${sessionId} did not finish within ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.once("exit", (code) => {
      clearTimeout(timer)
      if (code !== 0) fail(new Error(`appender ${sessionId} exited with ${code}\n${stderr}`))
      else done(code)
    })
  })

describe("message history", () => {
  it("appends each user message of the server and counts them in the next session_configured", async () => {
    const { server, codexHome } = await startAgent([MockTurn.message("one"), MockTurn.message("two"), MockTurn.message("three")])
    const { conversationId } = (await server.request("newConversation", {})).result
    await server.request("addConversationListener", { conversationId })
    for (const text of ["first message", "second message"]) {
      await server.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text } }] })
      await server.waitForNotification("codex/event/task_complete")
    }
    const file = historyFilePath(codexHome)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const entries = lines(codexHome)
    expect(entries).toEqual([
      { session_id: conversationId, ts: expect.any(Number), text: "first message" },
      { session_id: conversationId, ts: expect.any(Number), text: "second message" }
    ])
    expect(Math.abs(entries[0].ts - Date.now() / 1000)).toBeLessThan(600)

    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "third message" } } })
    const configured = await server.waitFor(
      (m) => m.method === "codex/event" && m.params?.msg?.type === "session_configured",
      "session_configured of the codex call"
    )
    expect(configured.params.msg).toMatchObject({ history_log_id: statSync(file).ino, history_entry_count: 2 })
    await server.waitFor((m) => m.id === 1, "the codex call's answer")
    expect(lines(codexHome)).toHaveLength(3)
  })

  it("loses and tears nothing when two processes append at once", async () => {
    const codexHome = makeTempDir("codex-home-")
    const count = 300
    await Promise.all([appendFromAnotherProcess(codexHome, "alpha", count), appendFromAnotherProcess(codexHome, "beta", count)])
    const entries = lines(codexHome)
    expect(entries).toHaveLength(2 * count)
    for (const session of ["alpha", "beta"]) {
      expect(entries.filter((entry) => entry.session_id === session).map((entry) => entry.text)).toEqual(
        Array.from({ length: count }, (_, index) => `${session} line ${index}`)
      )
    }
    expect(existsSync(`${historyFilePath(codexHome)}.lock`)).toBe(false)
  })

  it("keeps each process's newest lines, in order and without gaps, when two processes append and trim at once", async () => {
    const codexHome = makeTempDir("codex-home-")
    const count = 300
    await Promise.all([
      appendFromAnotherProcess(codexHome, "alpha", count, 3000),
      appendFromAnotherProcess(codexHome, "beta", count, 3000)
    ])
    const entries = lines(codexHome)
    expect(statSync(historyFilePath(codexHome)).size).toBeLessThanOrEqual(3000)
    for (const session of ["alpha", "beta"]) {
      const kept = entries.filter((entry) => entry.session_id === session).map((entry) => Number(entry.text.split(" ").at(-1)))
      // A trim that raced an append would leave a gap (or lose the last line).
      expect(kept).toEqual(Array.from({ length: kept.length }, (_, index) => count - kept.length + index))
    }
  })

  it("drops the oldest lines past max_bytes and writes nothing with persistence = none", async () => {
    const codexHome = makeTempDir("codex-home-")
    const settings = { persistence: "save-all", maxBytes: 400 } as const
    for (let index = 0; index < 20; index++) {
      await Effect.runPromise(appendHistoryEntry(codexHome, settings, { sessionId: "s", text: `message number ${index}` }))
    }
    const kept = lines(codexHome)
    expect(statSync(historyFilePath(codexHome)).size).toBeLessThanOrEqual(400)
    expect(statSync(historyFilePath(codexHome)).mode & 0o777).toBe(0o600)
    expect(kept.at(-1).text).toBe("message number 19")
    expect(kept.map((entry) => Number(entry.text.split(" ").at(-1)))).toEqual(
      Array.from({ length: kept.length }, (_, index) => 20 - kept.length + index)
    )

    const silent = makeTempDir("codex-home-")
    await Effect.runPromise(appendHistoryEntry(silent, { persistence: "none", maxBytes: undefined }, { sessionId: "s", text: "x" }))
    expect(existsSync(historyFilePath(silent))).toBe(false)
  })

  it("add_to_history and get_history_entry_request round-trip through a conversation (library)", async () => {
    const codexHome = makeTempDir("codex-home-")
    const events = await Effect.runPromise(Effect.gen(function*() {
      const manager = yield* ConversationManager
      const { conversation } = yield* manager.newConversation({})
      const stream = yield* conversation.subscribe
      yield* conversation.submit({ type: "add_to_history", text: "remember me" })
      // Ops run in order: once this one is answered, the entry above is in the file.
      yield* conversation.submit({ type: "get_history_entry_request", offset: 0, log_id: 0 })
      yield* stream.pipe(Stream.take(1), Stream.runDrain)
      const inode = statSync(historyFilePath(codexHome)).ino
      yield* conversation.submit({ type: "get_history_entry_request", offset: 0, log_id: inode })
      yield* conversation.submit({ type: "get_history_entry_request", offset: 5, log_id: inode })
      yield* conversation.submit({ type: "get_history_entry_request", offset: 0, log_id: inode + 1 })
      const answers = yield* stream.pipe(Stream.take(3), Stream.runCollect)
      return { answers, inode, conversationId: conversation.id }
    }).pipe(
      Effect.scoped,
      Effect.provide(CodexLayer({ codexHome, cwd: codexHome, env: {} })),
      // The agent's log lines go to stderr, as the server's do.
      Effect.provideService(Logger.LogToStderr, true)
    ))
    const { answers, inode, conversationId } = events
    expect(answers.map((event) => event.msg)).toEqual([
      {
        type: "get_history_entry_response",
        offset: 0,
        log_id: inode,
        entry: { session_id: conversationId, ts: expect.any(Number), text: "remember me" }
      },
      { type: "get_history_entry_response", offset: 5, log_id: inode },
      { type: "get_history_entry_response", offset: 0, log_id: inode + 1 }
    ])
  })
})
