/**
 * `codex-effect app-server`: the model catalogue of `model/list` (presets, hidden entries, the configured
 * model, paging as the reference pages), `item/mcpToolCall/progress` from a configured MCP server, and
 * `thread/rollback` on a saved thread that this process has not loaded (the reference's error, then a
 * rollback once resumed). The built binary over raw JSON-RPC on stdio, against the mock model; every
 * message the server sends is checked against the reference's generated JSON Schema.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { useAppServers } from "../support/AppServerClient.js"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { type JsonRpcMessage, makeTempDir } from "../support/ServerProcess.js"

const { launch: launchIn } = useAppServers()
let model: MockModelServer | undefined

afterEach(async () => {
  await model?.close()
  model = undefined
})

const homeWith = (toml: string) => {
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), toml)
  return codexHome
}

const launch = async (codexHome: string) => {
  const client = await launchIn(codexHome)
  const turn = async (threadId: string, text: string) => {
    const answer = await client.request("turn/start", { threadId, input: [{ type: "text", text, text_elements: [] }] })
    const turnId = answer.result.turn.id as string
    expect((await client.turnCompleted(turnId)).params.turn.status).toBe("completed")
    return turnId
  }
  return { ...client, turn }
}

const ids = (answer: JsonRpcMessage) => answer.result.data.map((entry: { id: string }) => entry.id)

/** The reference's picker (0.153.4), in its order; its `max`/`ultra` efforts are beyond what our agent sends. */
const REFERENCE_VISIBLE = ["gpt-6-astra", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.2"]

describe("app-server model/list", () => {
  it("with a custom provider: the configured model first and default, the reference's presets, hidden families on request", async () => {
    model = await startMockModelServer([])
    const client = await launch(homeWith(mockConfigToml(model.url)))
    const all = await client.request("model/list", {})
    expect(ids(all)).toEqual(["mock-model", ...REFERENCE_VISIBLE])
    expect(all.result.nextCursor).toBeNull()
    expect(all.result.data.filter((entry: { isDefault: boolean }) => entry.isDefault).map((entry: { id: string }) => entry.id)).toEqual(["mock-model"])
    expect(all.result.data[0]).toMatchObject({ model: "mock-model", displayName: "mock-model", hidden: false, supportedReasoningEfforts: [] })
    expect(all.result.data[2]).toMatchObject({
      id: "gpt-5.6-sol",
      displayName: "GPT-5.6-Sol",
      description: "Latest frontier agentic coding model.",
      defaultReasoningEffort: "low",
      supportedReasoningEfforts: ["low", "medium", "high", "xhigh"].map((effort) => ({ reasoningEffort: effort, description: expect.any(String) }))
    })

    const hidden = await client.request("model/list", { includeHidden: true })
    const hiddenIds = hidden.result.data.filter((entry: { hidden: boolean }) => entry.hidden).map((entry: { id: string }) => entry.id)
    expect(hiddenIds).toEqual(expect.arrayContaining(["gpt-5.4", "gpt-5", "o3", "o4-mini", "codex-mini-latest", "gpt-oss-120b", "gpt-4.1", "gpt-4o"]))
    expect(hidden.result.data.find((entry: { id: string }) => entry.id === "gpt-5.4")).toMatchObject({ upgrade: "gpt-5.6-terra" })
    expect(hidden.result.data.find((entry: { id: string }) => entry.id === "gpt-oss-120b")).toMatchObject({
      inputModalities: ["text"],
      supportedReasoningEfforts: []
    })
  })

  it("pages with limit and cursor as the reference does: offsets as cursors, a limit of 0 as 1, bad cursors -32600", async () => {
    model = await startMockModelServer([])
    const client = await launch(homeWith(mockConfigToml(model.url)))
    const everything = ids(await client.request("model/list", { includeHidden: true }))
    const paged: Array<string> = []
    let cursor: string | null = null
    do {
      const page: JsonRpcMessage = await client.request("model/list", { includeHidden: true, limit: 3, cursor })
      expect(page.result.data.length).toBeLessThanOrEqual(3)
      paged.push(...ids(page))
      cursor = page.result.nextCursor
    } while (cursor !== null)
    expect(paged).toEqual(everything)
    const one = await client.request("model/list", { limit: 0 })
    expect(one.result).toMatchObject({ nextCursor: "1" })
    expect(ids(one)).toEqual(["mock-model"])
    expect((await client.request("model/list", { cursor: "7" })).result).toEqual({ data: [], nextCursor: null })
    expect((await client.request("model/list", { cursor: "abc" })).error).toEqual({ code: -32600, message: "invalid cursor: abc" })
    expect((await client.request("model/list", { cursor: "-1" })).error).toEqual({ code: -32600, message: "invalid cursor: -1" })
    expect(ids(await client.request("model/list", { cursor: "+6" }))).toEqual(["gpt-5.2"])
    expect((await client.request("model/list", { cursor: "99" })).error).toEqual({ code: -32600, message: "cursor 99 exceeds total models 7" })
  })

  it("with an API key login and a preset configured: that preset is the default, nothing added", async () => {
    const client = await launch(homeWith(`model = "gpt-5.2"\n`))
    expect((await client.request("account/login/start", { type: "apiKey", apiKey: "sk-test-123" })).result).toEqual({ type: "apiKey" })
    const all = await client.request("model/list", {})
    expect(ids(all)).toEqual(REFERENCE_VISIBLE)
    expect(all.result.data.filter((entry: { isDefault: boolean }) => entry.isDefault).map((entry: { id: string }) => entry.id)).toEqual(["gpt-5.2"])
  })

  it("a hidden family configured is shown, in its place, as the default", async () => {
    const client = await launch(homeWith(`model = "o3"\n`))
    const all = await client.request("model/list", {})
    const o3 = all.result.data.find((entry: { id: string }) => entry.id === "o3")
    expect(o3).toMatchObject({ hidden: false, isDefault: true, supportedReasoningEfforts: [{ reasoningEffort: "low" }, { reasoningEffort: "medium" }, { reasoningEffort: "high" }] })
    expect(ids(all).slice(0, REFERENCE_VISIBLE.length)).toEqual(REFERENCE_VISIBLE)
  })
})

describe("app-server item/mcpToolCall/progress", () => {
  it("a configured MCP server's progress during the tool call, between the item's start and its completion", async () => {
    model = await startMockModelServer([
      MockTurn.functionCall("everything__trigger-long-running-operation", { duration: 0.3, steps: 3 }, "call-long"),
      MockTurn.message("done")
    ])
    const client = await launch(homeWith(mockConfigToml(model.url, { approvalPolicy: "never", extra: mcpServerToml("everything", everythingStdio()) })))
    const threadId = (await client.request("thread/start", { cwd: makeTempDir("app-server-work-") })).result.thread.id
    const turnId = await client.turn(threadId, "run the long operation")
    const ofCall = client.server.messages.filter((m) => m.params?.itemId === "call-long" || m.params?.item?.id === "call-long")
    expect(ofCall.map((m) => m.method)).toEqual([
      "item/started",
      "item/mcpToolCall/progress",
      "item/mcpToolCall/progress",
      "item/mcpToolCall/progress",
      "item/completed"
    ])
    expect(ofCall.filter((m) => m.method === "item/mcpToolCall/progress").map((m) => m.params)).toEqual(
      [1, 2, 3].map((step) => ({ threadId, turnId, itemId: "call-long", message: `working (${step}/3)` }))
    )
    expect(ofCall.at(-1)!.params.item).toMatchObject({ type: "mcpToolCall", tool: "trigger-long-running-operation", status: "completed" })
  })
})

describe("app-server thread/rollback of a saved thread", () => {
  it("not loaded in this process: the reference's -32600 and the rollout untouched; once resumed it rolls back for good", async () => {
    model = await startMockModelServer([MockTurn.message("one done"), MockTurn.message("two done")])
    const codexHome = homeWith(mockConfigToml(model.url))
    const first = await launch(codexHome)
    const threadId = (await first.request("thread/start", { cwd: makeTempDir("app-server-work-") })).result.thread.id
    await first.turn(threadId, "first ask")
    await first.turn(threadId, "second ask")
    await first.server.closeAndWait()

    const userTexts = (answer: JsonRpcMessage) =>
      answer.result.thread.turns.map((turn: { items: Array<{ type: string; content?: Array<{ text: string }> }> }) =>
        turn.items.filter((item) => item.type === "userMessage").map((item) => item.content![0]!.text))
    const second = await launch(codexHome)
    const refused = await second.request("thread/rollback", { threadId, numTurns: 1 })
    expect(refused.error).toEqual({ code: -32600, message: `thread not found: ${threadId}` })
    const notice = second.server.messages.findIndex((m) => m.method === "deprecationNotice")
    expect(notice).toBeGreaterThanOrEqual(0)
    expect(notice).toBeLessThan(second.server.messages.indexOf(refused))
    expect(userTexts(await second.request("thread/read", { threadId, includeTurns: true }))).toEqual([["first ask"], ["second ask"]])

    expect((await second.request("thread/resume", { threadId })).error).toBeUndefined()
    const rolled = await second.request("thread/rollback", { threadId, numTurns: 1 })
    expect(userTexts(rolled)).toEqual([["first ask"]])
    await second.server.closeAndWait()

    const third = await launch(codexHome)
    expect(userTexts(await third.request("thread/read", { threadId, includeTurns: true }))).toEqual([["first ask"]])
  })
})
