/**
 * `codex-effect app-server` (v2: threads, turns, items) end to end: the built binary driven over raw
 * JSON-RPC on stdio against the mock model. Every message the server sends is checked against the
 * reference's generated JSON Schema for its method (see test/support/AppServerSchema.ts).
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type AppServerClient, useAppServers } from "../support/AppServerClient.js"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { DEVICE, startMockIssuer } from "../support/MockIssuer.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { waitForProcessExit } from "../support/Processes.js"
import { type JsonRpcMessage, makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const { launch, track } = useAppServers()
let model: MockModelServer | undefined

afterEach(async () => {
  await model?.close()
  model = undefined
})

const setup = async (
  turns: ReadonlyArray<MockTurn>,
  approvalPolicy = "untrusted",
  toml: Parameters<typeof mockConfigToml>[1] = {}
) => {
  model = await startMockModelServer(turns)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy, ...toml }))
  return { model, codexHome, cwd: makeTempDir("app-server-work-") }
}

type Client = AppServerClient

const textInput = (text: string) => [{ type: "text", text, text_elements: [] }]

const startThread = async (client: Client, cwd: string) => {
  // Fields outside the subset (here the reference's own) are ignored, as the reference ignores unknown ones.
  const started = await client.request("thread/start", { cwd, serviceName: "e2e", personality: null, experimentalRawEvents: false })
  expect(started.error).toBeUndefined()
  return started.result.thread.id as string
}

const startTurn = async (client: Client, threadId: string, text: string) => {
  const answer = await client.request("turn/start", { threadId, input: textInput(text) })
  expect(answer.error).toBeUndefined()
  return answer.result.turn.id as string
}

/** The messages of one turn, from its `turn/started` to its `turn/completed`. */
const turnMessages = (server: ServerProcess, turnId: string) => {
  const start = server.messages.findIndex((m) => m.method === "turn/started" && m.params.turn.id === turnId)
  const end = server.messages.findIndex((m) => m.method === "turn/completed" && m.params.turn.id === turnId)
  return server.messages.slice(start, end + 1)
}

const kinds = (messages: ReadonlyArray<JsonRpcMessage>) =>
  messages
    .filter((m) => m.method !== "thread/tokenUsage/updated" && m.method !== "thread/status/changed")
    .map((m) => (m.params?.item !== undefined ? `${m.method} ${m.params.item.type}` : m.method ?? `answer ${m.id}`))

describe("app-server v2", () => {
  it("initializes, answers model/list, account/read and config/read, and -32601 for a method outside the subset", async () => {
    const { codexHome } = await setup([])
    const client = await launch(codexHome)
    const models = await client.request("model/list", {})
    expect(models.result.data[0]).toMatchObject({ model: "mock-model", isDefault: true })
    const account = await client.request("account/read", {})
    expect(account.result).toEqual({ account: null, requiresOpenaiAuth: false })
    const config = await client.request("config/read", {})
    expect(config.result.config).toMatchObject({ model: "mock-model", approval_policy: "untrusted" })
    const unknown = await client.request("thread/goal/set", { threadId: "x" })
    expect(unknown.error?.code).toBe(-32601)
    const badParams = await client.request("thread/read", {})
    expect(badParams.error?.code).toBe(-32602)
    expect(client.server.messages[0]).not.toHaveProperty("jsonrpc")
  })

  it("answers -32600 before initialize and to a second one; accepts requests that carry \"jsonrpc\"", async () => {
    const { codexHome } = await setup([])
    const server = spawnServer({ codexHome, args: ["app-server"] })
    const methods = new Map<unknown, string>([[1, "thread/list"], [2, "initialize"], [3, "initialize"], [4, "thread/list"]])
    track(server, methods)
    server.send({ id: 1, method: "thread/list", params: {} })
    expect((await server.waitFor((m) => m.id === 1, "answer 1")).error).toEqual({ code: -32600, message: "Not initialized" })
    server.send({ id: 2, method: "initialize", params: { clientInfo: { name: "e2e", version: "1" } } })
    expect((await server.waitFor((m) => m.id === 2, "answer 2")).result.platformFamily).toBe("unix")
    server.send({ id: 3, method: "initialize", params: { clientInfo: { name: "e2e", version: "1" } } })
    expect((await server.waitFor((m) => m.id === 3, "answer 3")).error?.code).toBe(-32600)
    server.send({ id: 4, method: "thread/list", params: {} })
    expect((await server.waitFor((m) => m.id === 4, "answer 4")).result).toEqual({ data: [], nextCursor: null })
  })

  it("account: an API key login, account/updated, account/read, logout, rate limits, cancel of an unknown login", async () => {
    const { codexHome } = await setup([])
    const client = await launch(codexHome)
    expect((await client.request("account/login/start", { type: "apiKey", apiKey: "sk-test-123" })).result).toEqual({ type: "apiKey" })
    expect((await client.server.waitForNotification("account/updated")).params).toEqual({ authMode: "apikey" })
    expect((await client.request("account/read", {})).result.account).toEqual({ type: "apiKey" })
    expect((await client.request("account/rateLimits/read")).result.rateLimits.primary).toBeNull()
    expect((await client.request("account/login/cancel", { loginId: "nope" })).result).toEqual({ status: "notFound" })
    expect((await client.request("account/logout")).result).toEqual({})
    expect((await client.server.waitForNotification("account/updated")).params).toEqual({ authMode: null })
    expect((await client.request("account/read", {})).result.account).toBeNull()
  })

  it("account: a ChatGPT device-code login answers the code, then account/login/completed and account/updated once it is entered", async () => {
    const issuer = await startMockIssuer()
    try {
      const { codexHome } = await setup([], "untrusted", { extra: `auth_issuer = "${issuer.url}"` })
      const client = await launch(codexHome)
      const started = await client.request("account/login/start", { type: "chatgptDeviceCode" })
      expect(started.result).toEqual({
        type: "chatgptDeviceCode",
        loginId: expect.any(String),
        verificationUrl: `${issuer.url}/codex/device`,
        userCode: DEVICE.userCode
      })
      issuer.approveDevice()
      expect((await client.server.waitForNotification("account/login/completed", 10_000)).params)
        .toEqual({ loginId: started.result.loginId, success: true, error: null })
      expect((await client.server.waitForNotification("account/updated")).params).toEqual({ authMode: "chatgpt" })
      expect((await client.request("account/read", {})).result.account).toMatchObject({ type: "chatgpt" })
    } finally {
      await issuer.close()
    }
  })

  it("a plain turn: the answers come before thread/started and turn/started, items in order, deltas adding up to the text", async () => {
    const { codexHome, cwd } = await setup([MockTurn.deltas(["Hel", "lo ", "there"])])
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "say hello")
    const completed = await client.turnCompleted(turnId)
    expect(completed.params.turn.status).toBe("completed")

    const all = client.server.messages
    const index = (predicate: (m: JsonRpcMessage) => boolean) => all.findIndex(predicate)
    expect(index((m) => m.id === 2 && m.result !== undefined)).toBeLessThan(index((m) => m.method === "thread/started"))
    expect(index((m) => m.id === 3 && m.result !== undefined)).toBeLessThan(index((m) => m.method === "turn/started"))
    const messages = turnMessages(client.server, turnId)
    expect(kinds(messages)).toEqual([
      "turn/started",
      "item/started userMessage",
      "item/completed userMessage",
      "item/started agentMessage",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed agentMessage",
      "turn/completed"
    ])
    const deltas = messages.filter((m) => m.method === "item/agentMessage/delta").map((m) => m.params.delta).join("")
    const final = messages.find((m) => m.method === "item/completed" && m.params.item.type === "agentMessage")!
    expect(deltas).toBe("Hello there")
    expect(final.params.item.text).toBe("Hello there")
    for (const m of all.filter((m) => m.method !== undefined && m.id === undefined)) expect(typeof (m as { emittedAtMs?: unknown }).emittedAtMs).toBe("number")
  })

  for (const [decision, done] of [["accept", "accepted"], ["decline", "declined"]] as const) {
    it(`a command with approval, ${done}: item/started, the request, serverRequest/resolved, then item/completed`, async () => {
      const { codexHome, cwd } = await setup([
        MockTurn.shell(["bash", "-lc", "echo hi > made.txt; echo out"], { callId: "call-cmd" }),
        MockTurn.message("done")
      ])
      const client = await launch(codexHome)
      const threadId = await startThread(client, cwd)
      const turnId = await startTurn(client, threadId, "run it")
      const approval = await client.server.waitForServerRequest("item/commandExecution/requestApproval", 20_000)
      expect(approval.id).toBe(0)
      expect(approval.params).toMatchObject({ threadId, turnId, itemId: "call-cmd" })
      client.answer(approval, { decision })
      await client.turnCompleted(turnId)

      const messages = turnMessages(client.server, turnId)
      const ofItem = kinds(messages.filter((m) =>
        m.params?.item?.id === "call-cmd" || m.params?.itemId === "call-cmd" || m.method === "serverRequest/resolved"
      ))
      const completed = messages.find((m) => m.method === "item/completed" && m.params.item.id === "call-cmd")!
      if (decision === "accept") {
        expect(ofItem[0]).toBe("item/started commandExecution")
        expect(ofItem[1]).toBe("item/commandExecution/requestApproval")
        expect(ofItem[2]).toBe("serverRequest/resolved")
        expect(ofItem.at(-1)).toBe("item/completed commandExecution")
        expect(ofItem).toContain("item/commandExecution/outputDelta")
        expect(completed.params.item).toMatchObject({ status: "completed", exitCode: 0 })
        expect(completed.params.item.aggregatedOutput).toContain("out")
        expect(readFileSync(join(cwd, "made.txt"), "utf8")).toBe("hi\n")
      } else {
        expect(ofItem).toEqual([
          "item/started commandExecution",
          "item/commandExecution/requestApproval",
          "serverRequest/resolved",
          "item/completed commandExecution"
        ])
        expect(completed.params.item.status).toBe("declined")
        expect(existsSync(join(cwd, "made.txt"))).toBe(false)
      }
      const resolved = messages.find((m) => m.method === "serverRequest/resolved")!
      expect(resolved.params).toEqual({ threadId, requestId: 0 })
    })
  }

  it("a file change with approval: fileChange item, the request, then turn/diff/updated", async () => {
    const { codexHome, cwd } = await setup([
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: new.txt\n+hello\n*** End Patch", { callId: "call-patch" }),
      MockTurn.message("patched")
    ])
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "patch")
    const approval = await client.server.waitForServerRequest("item/fileChange/requestApproval", 20_000)
    expect(approval.params).toMatchObject({ threadId, turnId, itemId: "call-patch" })
    client.answer(approval, { decision: "accept" })
    await client.turnCompleted(turnId)
    const messages = turnMessages(client.server, turnId)
    const started = messages.find((m) => m.method === "item/started" && m.params.item.id === "call-patch")!
    expect(started.params.item.changes).toEqual([{ path: join(cwd, "new.txt"), kind: { type: "add" }, diff: "hello\n" }])
    expect(kinds(messages.filter((m) =>
      m.params?.item?.id === "call-patch" || m.params?.itemId === "call-patch" || m.method === "serverRequest/resolved"
    ))).toEqual([
      "item/started fileChange",
      "item/fileChange/requestApproval",
      "serverRequest/resolved",
      "item/fileChange/outputDelta",
      "item/completed fileChange"
    ])
    const diff = messages.find((m) => m.method === "turn/diff/updated")
    expect(diff?.params.diff).toContain("+hello")
    expect(readFileSync(join(cwd, "new.txt"), "utf8")).toBe("hello\n")
  })

  it("turn/interrupt during a long command ends the turn as interrupted and leaves no process", async () => {
    const marker = `sleep 31.${process.pid}`
    const { codexHome, cwd } = await setup([MockTurn.shell(["bash", "-lc", marker], { callId: "call-long" })], "never")
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "wait")
    await client.server.waitFor(
      (m) => m.method === "item/started" && m.params.item.id === "call-long",
      "the long command's item/started",
      20_000
    )
    const wrongTurn = await client.request("turn/interrupt", { threadId, turnId: "another" })
    expect(wrongTurn.error?.code).toBe(-32600)
    const interrupted = await client.request("turn/interrupt", { threadId, turnId })
    expect(interrupted.result).toEqual({})
    const completed = await client.turnCompleted(turnId)
    expect(completed.params.turn.status).toBe("interrupted")
    expect((await client.request("turn/interrupt", { threadId, turnId })).result).toEqual({})
    const ends = kinds(turnMessages(client.server, turnId)).slice(-2)
    expect(ends).toEqual(["item/completed commandExecution", "turn/completed"])
    const running = readdirSync("/proc").filter((pid) => {
      try {
        return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)
      } catch {
        return false
      }
    })
    for (const pid of running) await waitForProcessExit(Number(pid))
  })

  it("a model failure sends error (willRetry false), then turn/completed failed", async () => {
    const { codexHome, cwd } = await setup([MockTurn.status(500)])
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "fail")
    const completed = await client.turnCompleted(turnId)
    expect(completed.params.turn.status).toBe("failed")
    const messages = kinds(turnMessages(client.server, turnId))
    expect(messages.slice(-2)).toEqual(["error", "turn/completed"])
    const error = client.server.messages.find((m) => m.method === "error")!
    expect(error.params).toMatchObject({ threadId, turnId, willRetry: false })
  })

  it("resumes a saved thread in a new process with its history and token count; lists, reads, archives and unarchives it", async () => {
    // The Responses API, whose responses carry token usage.
    const { codexHome, cwd, model } = await setup([MockTurn.message("noted"), MockTurn.message("it was 42")], "untrusted", {
      wireApi: "responses"
    })
    const first = await launch(codexHome)
    const threadId = await startThread(first, cwd)
    await first.turnCompleted(await startTurn(first, threadId, "remember 42"))
    await first.server.closeAndWait()

    const second = await launch(codexHome)
    const resumed = await second.request("thread/resume", { threadId })
    expect(resumed.result.thread.id).toBe(threadId)
    const turns = resumed.result.thread.turns
    expect(turns).toHaveLength(1)
    expect(turns[0].items.map((item: { type: string }) => item.type)).toEqual(["userMessage", "agentMessage"])
    const turnId = await startTurn(second, threadId, "what was it?")
    await second.turnCompleted(turnId)
    expect(JSON.stringify(model.requests.at(-1)?.body)).toContain("remember 42")
    // The thread's count goes on from what the first process used (each response: 15 tokens).
    const usage = second.server.messages.filter((m) => m.method === "thread/tokenUsage/updated" && m.params.turnId === turnId)
    expect(usage.at(-1)?.params.tokenUsage).toMatchObject({ last: { totalTokens: 15 }, total: { totalTokens: 30, inputTokens: 20 } })

    const list = await second.request("thread/list", {})
    expect(list.result.data.map((thread: { id: string; preview: string }) => [thread.id, thread.preview])).toEqual([[
      threadId,
      "remember 42"
    ]])
    const read = await second.request("thread/read", { threadId, includeTurns: true })
    expect(read.result.thread.turns).toHaveLength(2)
    expect((await second.request("thread/archive", { threadId })).result).toEqual({})
    await second.server.waitForNotification("thread/archived")
    expect((await second.request("thread/list", {})).result.data).toEqual([])
    expect((await second.request("thread/list", { archived: true })).result.data).toHaveLength(1)
    // Archived, it can still be read, as the reference reads it.
    const archivedRead = await second.request("thread/read", { threadId, includeTurns: true })
    expect(archivedRead.result.thread.turns).toHaveLength(2)
    const unarchived = await second.request("thread/unarchive", { threadId })
    expect(unarchived.result.thread.id).toBe(threadId)
    expect((await second.request("thread/list", {})).result.data).toHaveLength(1)
  })

  it("compaction runs as a turn with a contextCompaction item and thread/compacted; a fork continues from a copy", async () => {
    const { codexHome, cwd, model } = await setup([
      MockTurn.message("noted"),
      MockTurn.message("SUMMARY OF IT ALL"),
      MockTurn.message("from the fork")
    ])
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const firstTurn = await startTurn(client, threadId, "remember 42")
    await client.turnCompleted(firstTurn)

    const compact = await client.request("thread/compact/start", { threadId })
    expect(compact.result).toEqual({})
    const started = await client.server.waitFor(
      (m) => m.method === "turn/started" && m.params.turn.id !== firstTurn,
      "the compaction's turn/started"
    )
    const turnId = started.params.turn.id as string
    const completed = await client.turnCompleted(turnId)
    expect(completed.params.turn.status).toBe("completed")
    expect(kinds(turnMessages(client.server, turnId))).toEqual([
      "turn/started",
      "item/started contextCompaction",
      "item/completed contextCompaction",
      "thread/compacted",
      "turn/completed"
    ])

    const fork = await client.request("thread/fork", { threadId })
    const forkId = fork.result.thread.id as string
    expect(forkId).not.toBe(threadId)
    expect(fork.result.thread.forkedFromId).toBe(threadId)
    await client.turnCompleted(await startTurn(client, forkId, "and now?"))
    expect(JSON.stringify(model.requests.at(-1)?.body)).toContain("SUMMARY OF IT ALL")
  })

  it("turn/steer adds input to the running turn, echoed as a userMessage item", async () => {
    // A tool call in flight: the steered input goes with its output to the model.
    const { codexHome, cwd, model } = await setup(
      [MockTurn.held(MockTurn.shell(["echo", "x"])), MockTurn.message("second")],
      "never"
    )
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "start")
    await model.waitForRequests(1)
    const second = await client.request("turn/start", { threadId, input: textInput("a second turn") })
    expect(second.error?.code).toBe(-32600)
    const wrong = await client.request("turn/steer", { threadId, expectedTurnId: "another", input: textInput("x") })
    expect(wrong.error?.code).toBe(-32600)
    const steer = await client.request("turn/steer", { threadId, expectedTurnId: turnId, input: textInput("also this") })
    expect(steer.result).toEqual({ turnId })
    model.release()
    await client.turnCompleted(turnId)
    const echoed = turnMessages(client.server, turnId).filter((m) => m.method === "item/completed" && m.params.item.type === "userMessage")
    expect(echoed.map((m) => m.params.item.content[0].text)).toEqual(["start", "also this"])
    expect(JSON.stringify(model.requests.at(-1)?.body)).toContain("also this")
  })

  it("threads are the conversations of the other faces: codex-reply continues an app-server thread, thread/resume a codex call's", async () => {
    const { codexHome, cwd, model } = await setup([
      MockTurn.message("noted"),
      MockTurn.message("it was 42"),
      MockTurn.message("hello from mcp"),
      MockTurn.message("and back")
    ], "never")
    const app = await launch(codexHome)
    const threadId = await startThread(app, cwd)
    await app.turnCompleted(await startTurn(app, threadId, "remember 42"))
    await app.server.closeAndWait()

    // The MCP server's messages follow its own protocol, not app-server's.
    const mcp = track(spawnServer({ codexHome }))
    await mcp.initialize()
    const reply = await mcp.request("tools/call", { name: "codex-reply", arguments: { threadId, prompt: "what was it?" } }, 20_000)
    expect(reply.result.structuredContent).toEqual({ threadId, content: "it was 42" })
    expect(JSON.stringify(model.requests.at(-1)?.body)).toContain("remember 42")
    const call = await mcp.request("tools/call", { name: "codex", arguments: { prompt: "from mcp", cwd } }, 20_000)
    const mcpThread = call.result.structuredContent.threadId as string
    await mcp.closeAndWait()

    const again = await launch(codexHome)
    const resumed = await again.request("thread/resume", { threadId: mcpThread })
    expect(resumed.result.thread.turns[0].items[0].content[0].text).toBe("from mcp")
    await again.turnCompleted(await startTurn(again, mcpThread, "back here"))
    expect(JSON.stringify(model.requests.at(-1)?.body)).toContain("hello from mcp")
  })

  it("reasoning streams as a reasoning item with summary deltas, before the agent message", async () => {
    const { codexHome, cwd } = await setup([MockTurn.message("the answer", "thinking hard")], "never", {
      wireApi: "responses",
      extra: `model_supports_reasoning_summaries = true\nmodel_reasoning_summary = "detailed"`
    })
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "think")
    await client.turnCompleted(turnId)
    const messages = turnMessages(client.server, turnId)
    expect(kinds(messages).filter((kind) => kind.includes("reasoning") || kind.includes("agentMessage"))).toEqual([
      "item/started reasoning",
      "item/reasoning/summaryTextDelta",
      "item/completed reasoning",
      "item/started agentMessage",
      "item/agentMessage/delta",
      "item/completed agentMessage"
    ])
    const reasoning = messages.find((m) => m.method === "item/completed" && m.params.item.type === "reasoning")!
    expect(reasoning.params.item.summary).toEqual(["thinking hard"])
  })

  it("a broken config.toml is said once as configWarning after initialize", async () => {
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), "model = [broken\n")
    const client = await launch(codexHome)
    const warning = await client.server.waitForNotification("configWarning")
    expect(warning.params.summary).toMatch(/config\.toml/)
    expect(client.server.messages.indexOf(warning)).toBe(1)
  })

  it("an approval left unanswered past approval_timeout_ms: warning, serverRequest/resolved, the item declined", async () => {
    const { codexHome, cwd } = await setup(
      [MockTurn.shell(["bash", "-lc", "echo hi > made.txt"], { callId: "call-late" }), MockTurn.message("ok then")],
      "untrusted",
      { extra: "approval_timeout_ms = 300" }
    )
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "run it")
    const approval = await client.server.waitForServerRequest("item/commandExecution/requestApproval", 20_000)
    await client.turnCompleted(turnId)
    const messages = turnMessages(client.server, turnId)
    expect(messages.find((m) => m.method === "serverRequest/resolved")?.params).toEqual({ threadId, requestId: approval.id })
    expect(messages.find((m) => m.method === "warning")?.params.message).toMatch(/approval_timeout_ms/)
    const item = messages.find((m) => m.method === "item/completed" && m.params.item.id === "call-late")!
    expect(item.params.item.status).toBe("declined")
    expect(existsSync(join(cwd, "made.txt"))).toBe(false)
  })

  it("an MCP server's tool call is an mcpToolCall item with its result", async () => {
    const { codexHome, cwd } = await setup(
      [MockTurn.functionCall("everything__echo", { message: "hello mcp" }, "call-mcp"), MockTurn.message("done")],
      "never",
      { extra: mcpServerToml("everything", everythingStdio()) }
    )
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "echo")
    await client.turnCompleted(turnId)
    const messages = turnMessages(client.server, turnId)
    expect(kinds(messages.filter((m) => m.params?.item?.id === "call-mcp"))).toEqual([
      "item/started mcpToolCall",
      "item/completed mcpToolCall"
    ])
    const item = messages.find((m) => m.method === "item/completed" && m.params.item.id === "call-mcp")!.params.item
    expect(item).toMatchObject({ server: "everything", tool: "echo", status: "completed", arguments: { message: "hello mcp" } })
    expect(JSON.stringify(item.result.content)).toContain("hello mcp")
  })

  it("an MCP tool call that needs approval is denied at once, the model told why", async () => {
    const { codexHome, cwd, model } = await setup(
      [MockTurn.functionCall("everything__echo", { message: "hello mcp" }, "call-mcp"), MockTurn.message("denied then")],
      "untrusted",
      { extra: mcpServerToml("everything", everythingStdio()) }
    )
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "echo")
    expect((await client.turnCompleted(turnId)).params.turn.status).toBe("completed")
    expect(JSON.stringify(model.requests.at(-1)?.body)).toContain("not supported over app-server")
  })

  it("fuzzyFileSearch: paths under the roots matching the query in order, best first, .git skipped, bounded", async () => {
    const { codexHome, cwd } = await setup([])
    for (const dir of ["src/sub", ".git/objects", "many"]) mkdirSync(join(cwd, dir), { recursive: true })
    for (const file of ["src/main.ts", "src/sub/mainly.txt", "README.md", ".git/objects/main", "other.js"]) {
      writeFileSync(join(cwd, file), "")
    }
    for (let i = 0; i < 80; i++) writeFileSync(join(cwd, "many", `main-${i}.txt`), "")
    const client = await launch(codexHome)
    const search = async (query: string, roots = [cwd]) =>
      (await client.request("fuzzyFileSearch", { query, roots, cancellationToken: null })).result.files
    const files = await search("main.ts")
    expect(files[0]).toEqual({ root: cwd, path: "src/main.ts", match_type: "file", file_name: "main.ts", score: expect.any(Number), indices: [4, 5, 6, 7, 8, 9, 10] })
    const scattered = await search("smly")
    expect(scattered.map((f: { path: string }) => f.path)).toEqual(["src/sub/mainly.txt"])
    expect(scattered[0].indices).toEqual([0, 8, 12, 13])
    const dirs = await search("sub")
    expect(dirs[0]).toMatchObject({ path: "src/sub", match_type: "directory", file_name: "sub" })
    const many = await search("main")
    expect(many.length).toBe(50)
    expect(many.some((f: { path: string }) => f.path.startsWith(".git"))).toBe(false)
    expect(await search("")).toEqual([])
    expect(await search("zzzz")).toEqual([])
  })

  it("config/value/write: sets, merges and removes keys of config.toml, checks the version and the result, and new threads use it", async () => {
    const { codexHome, cwd } = await setup([])
    const path = join(codexHome, "config.toml")
    const client = await launch(codexHome)
    const write = (params: Record<string, unknown>) => client.request("config/value/write", { mergeStrategy: "replace", ...params })
    const first = await write({ keyPath: "model", value: "written-model" })
    expect(first.result).toEqual({ status: "ok", version: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), filePath: path, overriddenMetadata: null })
    const nested = await write({ keyPath: "sandbox_workspace_write.network_access", value: true, mergeStrategy: "upsert", expectedVersion: first.result.version })
    expect(nested.error).toBeUndefined()
    expect((await write({ keyPath: "model", value: "x", expectedVersion: first.result.version })).error?.message).toContain("modified since last read")
    const before = readFileSync(path, "utf8")
    expect((await write({ keyPath: "approval_policy", value: "sometimes" })).error?.code).toBe(-32600)
    expect((await write({ keyPath: "model", value: "y", filePath: join(cwd, "config.toml") })).error?.code).toBe(-32600)
    expect(readFileSync(path, "utf8")).toBe(before)
    await write({ keyPath: "sandbox_workspace_write", value: { exclude_slash_tmp: true }, mergeStrategy: "upsert" })
    await write({ keyPath: "approval_policy", value: null })
    const text = readFileSync(path, "utf8")
    expect(text).toContain('model = "written-model"')
    expect(text).toMatch(/\[sandbox_workspace_write\]\s*network_access = true\s*exclude_slash_tmp = true/)
    expect(text).not.toContain("approval_policy")
    expect(text).toContain("mock") // the provider settings are kept
    const started = await client.request("thread/start", { cwd })
    expect(started.result).toMatchObject({ model: "written-model", approvalPolicy: "on-request" })
  })

  it("fuzzyFileSearch: leaves out what .gitignore (nested, negated, above the root), .ignore, .git/info/exclude and the global excludes ignore, as the reference", async () => {
    const { codexHome, cwd } = await setup([])
    execFileSync("git", ["init", "-q", cwd])
    const files = [
      "src/main.ts", "src/sub/main.py", "node_modules/pkg/main.js", "build/main.o", ".hidden/main.cfg", ".mainrc", "dist/main.d.ts",
      "nested/main.txt", "nested/secret.txt", "nested/keep.log", "nested/x.log", "app.log", "nested/deep/main.rs", "vendored/main.c",
      "excluded.md", "README.md"
    ]
    for (const file of files) {
      mkdirSync(dirname(join(cwd, file)), { recursive: true })
      writeFileSync(join(cwd, file), "")
    }
    writeFileSync(join(cwd, ".gitignore"), "build/\n*.log\nnode_modules\n")
    writeFileSync(join(cwd, "nested/.gitignore"), "secret.txt\n!keep.log\n")
    writeFileSync(join(cwd, ".ignore"), "vendored/\n")
    writeFileSync(join(cwd, ".git/info/exclude"), "excluded.md\n")
    // A HOME of its own: the user's global git excludes must not change the answers.
    const home = makeTempDir("home-")
    const client = await launch(codexHome, { HOME: home, XDG_CONFIG_HOME: undefined })
    const search = async (query: string, root = cwd) =>
      ((await client.request("fuzzyFileSearch", { query, roots: [root], cancellationToken: null })).result.files as Array<{ path: string }>)
        .map((file) => file.path).sort()
    // Each set as `codex app-server` 0.153.4 answers it for this tree (it also lists the insides of .git).
    expect(await search("main")).toEqual(
      [".hidden/main.cfg", ".mainrc", "dist/main.d.ts", "nested/deep/main.rs", "nested/main.txt", "src/main.ts", "src/sub/main.py"]
    )
    expect(await search("log")).toEqual(["nested/keep.log"])
    expect(await search("md")).toEqual(["README.md", "dist/main.d.ts"])
    expect(await search("ignore")).toEqual([".gitignore", ".ignore", "nested/.gitignore"])
    expect(await search("secret")).toEqual([])
    expect(await search("build")).toEqual([])
    // A root below the repository's top: the .gitignore files above it still hold.
    expect(await search("log", join(cwd, "nested"))).toEqual(["keep.log"])
    // git's global excludes file counts too: the default one, or core.excludesFile (with `~/`).
    mkdirSync(join(home, ".config/git"), { recursive: true })
    writeFileSync(join(home, ".config/git/ignore"), "README.md\n")
    expect(await search("md")).toEqual(["dist/main.d.ts"])
    writeFileSync(join(home, ".gitconfig"), "[user]\n\tname = x\n[core]\n\texcludesFile = ~/my-excludes\n")
    writeFileSync(join(home, "my-excludes"), "*.ts\n")
    expect(await search("md")).toEqual(["README.md"])
    // Outside a git repository .gitignore files do not count; .ignore files do.
    rmSync(join(cwd, ".git"), { recursive: true })
    expect(await search("log")).toEqual(["app.log", "nested/keep.log", "nested/x.log"])
    expect(await search("vendored")).toEqual([])
    expect((await search("main")).filter((path) => path.startsWith("node_modules/") || path.startsWith("build/"))).toEqual(["build/main.o", "node_modules/pkg/main.js"])
  })

  it("config/value/write: edits config.toml in place, keeping comments, blank lines and key order, with the reference's errors and versions", async () => {
    const { codexHome, model } = await setup([])
    const path = join(codexHome, "config.toml")
    const original = `# my settings\n${mockConfigToml(model.url)}`
      .replace("[model_providers.mock_provider]", "# the mock\n[model_providers.mock_provider] # note")
      .concat("\n# the TUI\n[tui]\n# keep me\nnotifications = false # why\n\n# the end\n")
    writeFileSync(path, original)
    const client = await launch(codexHome)
    const write = (params: Record<string, unknown>) => client.request("config/value/write", { mergeStrategy: "replace", ...params })
    let expected = original.replace('model = "mock-model"', 'model = "written"')
    const first = await write({ keyPath: "model", value: "written" })
    expect(first.result).toMatchObject({ status: "ok", filePath: path })
    expect(readFileSync(path, "utf8")).toBe(expected)
    expected = expected.replace("notifications = false # why", "notifications = true # why")
    await write({ keyPath: "tui.notifications", value: true })
    expect(readFileSync(path, "utf8")).toBe(expected)
    expected = expected.replace("# why\n", "# why\nanimations = [\"a\", \"b\"]\n")
    await write({ keyPath: "tui.animations", value: ["a", "b"], mergeStrategy: "upsert" })
    expect(readFileSync(path, "utf8")).toBe(expected)
    expected = expected.replace("\n# the end\n", "\n[sandbox_workspace_write]\nnetwork_access = true\nwritable_roots = [\"/w\"]\n\n# the end\n")
    const added = await write({ keyPath: "sandbox_workspace_write", value: { network_access: true, writable_roots: ["/w"] } })
    expect(readFileSync(path, "utf8")).toBe(expected)
    expected = expected.replace(/approval_policy = .*\n/, "")
    await write({ keyPath: "approval_policy", value: null, expectedVersion: added.result.version })
    expect(readFileSync(path, "utf8")).toBe(expected)
    // The version is of the values, not the text: a comment added by hand does not make it stale.
    const latest = await write({ keyPath: "model", value: "written" })
    writeFileSync(path, `${expected}# added by hand\n`)
    expect((await write({ keyPath: "model", value: "again", expectedVersion: latest.result.version })).error).toBeUndefined()
    expect((await write({ keyPath: "model", value: "x", expectedVersion: latest.result.version })).error).toMatchObject({
      code: -32600, data: { config_write_error_code: "configVersionConflict" }, message: "Configuration was modified since last read. Fetch latest version and retry."
    })
    const before = readFileSync(path, "utf8")
    const refused = async (params: Record<string, unknown>) => (await write(params)).error
    expect(await refused({ keyPath: "approval_policy", value: "sometimes" })).toMatchObject({ code: -32600, data: { config_write_error_code: "configValidationError" } })
    expect(await refused({ keyPath: "model.x", value: 1 })).toMatchObject({ code: -32600, message: "cannot set value on non-table parent" })
    expect(await refused({ keyPath: "a..b", value: 1 })).toMatchObject({ code: -32600, message: "keyPath segments must not be empty" })
    expect(await refused({ keyPath: "__proto__.x", value: 1 })).toMatchObject({ code: -32600, data: { config_write_error_code: "configValidationError" } })
    expect(await refused({ keyPath: "x", value: [null] })).toMatchObject({ code: -32600, message: "invalid value: invalid type: null, expected any valid TOML value" })
    expect(await refused({ keyPath: "model", value: "y", filePath: join(codexHome, "other.toml") })).toMatchObject({
      code: -32600, data: { config_write_error_code: "configLayerReadonly" }, message: "Only writes to the user config are allowed"
    })
    expect(readFileSync(path, "utf8")).toBe(before)
    for (const comment of ["# my settings", "# the mock", "# note", "# the TUI", "# keep me", "# why", "# the end", "# added by hand"]) {
      expect(before).toContain(comment)
    }
  })

  it("config/batchWrite: edits made in order and written together, validated as a whole, or nothing written", async () => {
    const { codexHome, model } = await setup([])
    const path = join(codexHome, "config.toml")
    const original = `# my settings\n${mockConfigToml(model.url)}`
    writeFileSync(path, original)
    const client = await launch(codexHome)
    const batch = (edits: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
      client.request("config/batchWrite", { edits: edits.map((edit) => ({ mergeStrategy: "replace", ...edit })), ...extra })
    // An invalid value on the way is fine when a later edit fixes it, as the reference.
    const written = await batch([
      { keyPath: "model", value: "first" },
      { keyPath: "approval_policy", value: "sometimes" },
      { keyPath: "approval_policy", value: "never" },
      { keyPath: "tui.notifications", value: true }
    ], { reloadUserConfig: true })
    expect(written.result).toMatchObject({ status: "ok", filePath: path, overriddenMetadata: null })
    const expected = `${original.replace('model = "mock-model"', 'model = "first"').replace(/approval_policy = .*/, 'approval_policy = "never"')}\n[tui]\nnotifications = true\n`
    expect(readFileSync(path, "utf8")).toBe(expected)
    expect((await batch([{ keyPath: "model", value: "second" }, { keyPath: "approval_policy", value: "sometimes" }])).error)
      .toMatchObject({ code: -32600, data: { config_write_error_code: "configValidationError" } })
    expect((await batch([{ keyPath: "model", value: "second" }, { keyPath: "a..b", value: 1 }])).error)
      .toMatchObject({ code: -32600, message: "keyPath segments must not be empty" })
    expect((await batch([{ keyPath: "model", value: "second" }], { expectedVersion: "sha256:0" })).error)
      .toMatchObject({ code: -32600, data: { config_write_error_code: "configVersionConflict" } })
    expect(readFileSync(path, "utf8")).toBe(expected)
    expect((await batch([])).result.version).toBe(written.result.version)
  })

  it("command/exec: runs one command in the sandbox of the given policy, with its exit code, output cap, env and timeout", async () => {
    const { codexHome, cwd } = await setup([])
    const client = await launch(codexHome)
    const exec = async (params: Record<string, unknown>) => {
      const answer = await client.request("command/exec", { cwd, ...params })
      expect(answer.error).toBeUndefined()
      return answer.result
    }
    expect(await exec({ command: ["sh", "-c", "echo out; echo err >&2; echo \"$GREETING\" \"${HOME:-unset}\"; exit 3"], env: { GREETING: "hi", HOME: null } }))
      .toEqual({ exitCode: 3, stdout: "out\nhi unset\n", stderr: "err\n" })
    const readOnly = await exec({ command: ["sh", "-c", "touch made-read-only"], sandboxPolicy: { type: "readOnly" } })
    expect(readOnly.exitCode).not.toBe(0)
    expect(existsSync(join(cwd, "made-read-only"))).toBe(false)
    const writable = { type: "workspaceWrite", writableRoots: [], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false }
    expect((await exec({ command: ["sh", "-c", "touch made-writable"], sandboxPolicy: writable })).exitCode).toBe(0)
    expect(existsSync(join(cwd, "made-writable"))).toBe(true)
    expect((await exec({ command: ["sh", "-c", "cat $CODEX_HOME/config.toml 2>/dev/null || ls " + codexHome], sandboxPolicy: writable, env: { CODEX_HOME: codexHome } })).stdout)
      .not.toContain("mock")
    expect(await exec({ command: ["sh", "-c", "yes | head -c 100000"], outputBytesCap: 10 })).toEqual({ exitCode: 0, stdout: "y\ny\ny\ny\ny\n", stderr: "" })
    const started = Date.now()
    const slow = await exec({ command: ["sleep", "30"], timeoutMs: 300 })
    expect(slow.exitCode).toBe(124)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect((await client.request("command/exec", { command: [] })).error).toMatchObject({ code: -32600, message: "command must not be empty" })
    expect((await client.request("command/exec", { command: ["true"], tty: true })).error?.code).toBe(-32600)
    expect((await client.request("command/exec", { command: ["no-such-program-here"] })).error?.message).toContain("no-such-program-here")
  })

  it("thread/name/set: thread/name/updated, and the name in thread/read, thread/list and a resume in a new process", async () => {
    const { codexHome, cwd } = await setup([])
    const first = await launch(codexHome)
    const threadId = await startThread(first, cwd)
    expect((await first.request("thread/name/set", { threadId, name: "  Fix the parser " })).result).toEqual({})
    expect((await first.server.waitForNotification("thread/name/updated")).params).toEqual({ threadId, threadName: "Fix the parser" })
    expect((await first.request("thread/read", { threadId })).result.thread.name).toBe("Fix the parser")
    expect((await first.request("thread/name/set", { threadId, name: " " })).error).toMatchObject({ code: -32600, message: "thread name must not be empty" })
    expect((await first.request("thread/name/set", { threadId: "00000000-0000-0000-0000-000000000000", name: "x" })).error).toBeDefined()
    await first.server.closeAndWait()
    const second = await launch(codexHome)
    const listed = await second.request("thread/list", {})
    expect(listed.result.data.map((t: { id: string; name: string | null }) => [t.id, t.name])).toEqual([[threadId, "Fix the parser"]])
    expect((await second.request("thread/resume", { threadId })).result.thread.name).toBe("Fix the parser")
    expect(readFileSync(join(codexHome, "session_index.jsonl"), "utf8")).toContain(`"thread_name":"Fix the parser"`)
  })

  it("thread/rollback drops the last turns from the thread, its saved history and what the model sees next", async () => {
    const { codexHome, cwd, model } = await setup([
      MockTurn.message("one done"),
      MockTurn.message("two done"),
      MockTurn.message("three done"),
      MockTurn.message("four done")
    ])
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    for (const text of ["first ask", "second ask", "third ask"]) {
      expect((await client.turnCompleted(await startTurn(client, threadId, text))).params.turn.status).toBe("completed")
    }
    expect((await client.request("thread/rollback", { threadId, numTurns: 0 })).error?.code).toBe(-32600)
    const rolled = await client.request("thread/rollback", { threadId, numTurns: 2 })
    expect(rolled.error).toBeUndefined()
    const userTexts = (thread: { turns: Array<{ items: Array<{ type: string; content?: Array<{ text: string }> }> }> }) =>
      thread.turns.map((turn) => turn.items.filter((item) => item.type === "userMessage").map((item) => item.content![0]!.text))
    expect(userTexts(rolled.result.thread)).toEqual([["first ask"]])
    expect(userTexts((await client.request("thread/read", { threadId, includeTurns: true })).result.thread)).toEqual([["first ask"]])
    expect((await client.turnCompleted(await startTurn(client, threadId, "fourth ask"))).params.turn.status).toBe("completed")
    const sent = JSON.stringify(model.requests.at(-1)?.body)
    expect(sent).toContain("first ask")
    expect(sent).toContain("one done")
    expect(sent).not.toContain("second ask")
    expect(sent).not.toContain("three done")
  })
})

describe("app-server v2: the model's questions", () => {
  it("request_user_input goes to the client as item/tool/requestUserInput, and its answers back to the model", async () => {
    const questions = [{
      id: "color",
      header: "Color",
      question: "Which color should the button be?",
      options: [{ label: "Red", description: "Matches the brand" }, { label: "Blue", description: "Calmer" }]
    }]
    const { codexHome, cwd, model } = await setup([MockTurn.functionCall("request_user_input", { questions }, "call-q"), MockTurn.message("noted")])
    // A model family that is offered request_user_input.
    writeFileSync(
      join(codexHome, "config.toml"),
      mockConfigToml(model.url, { approvalPolicy: "never", extra: `model = "gpt-5.1-codex"` }).replace(`model = "mock-model"\n`, "")
    )
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "style it")
    const asked = await client.server.waitForServerRequest("item/tool/requestUserInput", 20_000)
    expect(asked.params).toEqual({
      threadId,
      turnId,
      itemId: "call-q",
      isBlocking: true,
      questions: [{ ...questions[0], isOther: true, isSecret: false }]
    })
    client.answer(asked, { answers: { color: { answers: ["Blue"] } } })
    await client.turnCompleted(turnId)

    expect(client.server.messages.find((m) => m.method === "serverRequest/resolved")?.params).toEqual({ threadId, requestId: asked.id })
    const toolOutput = (model.requests[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content
    expect(toolOutput).toContain("Blue")
  })
})

describe("app-server v2: a configured MCP server's forms", () => {
  it("go to the client as mcpServer/elicitation/request, and its answer back to the server", async () => {
    const { codexHome, cwd, model } = await setup(
      [MockTurn.functionCall("everything__trigger-elicitation-request", {}, "call-mcp"), MockTurn.message("done")],
      "never",
      { extra: mcpServerToml("everything", everythingStdio()) }
    )
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "ask me")
    const asked = await client.server.waitForServerRequest("mcpServer/elicitation/request", 30_000)
    expect(asked.params).toMatchObject({ threadId, turnId, serverName: "everything", mode: "form" })
    expect(asked.params.requestedSchema.properties.name).toMatchObject({ type: "string" })
    client.answer(asked, { action: "accept", content: { name: "Ada Lovelace", check: true } })
    await client.turnCompleted(turnId)

    expect(client.server.messages.find((m) => m.method === "serverRequest/resolved")?.params).toEqual({ threadId, requestId: asked.id })
    const toolOutput = (model.requests[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content
    expect(toolOutput).toContain("Ada Lovelace")
  }, 60_000)

  it("a page to open (URL mode) goes as mcpServer/elicitation/request with mode url, and its answer back", async () => {
    const { codexHome, cwd, model } = await setup(
      [
        MockTurn.functionCall("everything__trigger-url-elicitation", { url: "https://example.com/authorize", elicitationId: "e-7" }, "call-url"),
        MockTurn.message("done")
      ],
      "never",
      { extra: mcpServerToml("everything", everythingStdio()) }
    )
    const client = await launch(codexHome)
    const threadId = await startThread(client, cwd)
    const turnId = await startTurn(client, threadId, "authorize")
    const asked = await client.server.waitForServerRequest("mcpServer/elicitation/request", 30_000)
    expect(asked.params).toMatchObject({ threadId, turnId, serverName: "everything", mode: "url", url: "https://example.com/authorize", elicitationId: "e-7" })
    client.answer(asked, { action: "accept", content: null })
    await client.turnCompleted(turnId)
    const toolOutput = (model.requests[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content
    expect(toolOutput).toMatch(/accept/i)
  }, 60_000)
})
