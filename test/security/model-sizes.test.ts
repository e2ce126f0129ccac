/**
 * Every model-controlled size is capped before it is buffered (docs/security.md, the model's side):
 * a tool call's arguments however they stream (one Responses event, Chat deltas, a custom tool's raw
 * input), the steps of a plan, the hunks of a patch, a command's argv, the number of calls in one
 * response, a provider's tool-call index. Each flood gets a clear error — a result the model reads
 * when the call could be read, an `error` event when the response itself was too large — the server's
 * memory stays bounded, and the next conversation works. Built server, mock model.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type AgentServer, useAgentServer } from "../support/AgentServer.js"
import { callCodex, toolOutputs } from "../support/HostileWorkspace.js"
import { MockTurn, mockConfigToml, sse, startMockModelServer } from "../support/MockModelServer.js"
import { createRollout } from "../../src/persistence/Rollout.js"
import { spawnServer } from "../support/ServerProcess.js"
import { makeTempDir } from "../support/TempDirs.js"

const start = useAgentServer()
const MIB = 1024 * 1024

/** The server's peak resident memory so far, in MiB. */
const peakRssMib = (agent: AgentServer) => {
  const line = readFileSync(`/proc/${agent.server.child.pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"))!
  return Number(line.split(/\s+/)[1]) / 1024
}

const resultText = (call: Awaited<ReturnType<typeof callCodex>>) =>
  (call.result.result?.content ?? []).map((part: { text?: string }) => part.text ?? "").join("")

const run = (agent: AgentServer, cwd = makeTempDir("sizes-work-")) =>
  callCodex(agent.server, { cwd, sandbox: "workspace-write", "approval-policy": "never" }, "denied", 60_000)

/** A Responses stream with these output items. */
const responsesItems = (...items: ReadonlyArray<object>) =>
  MockTurn.raw([
    sse({ type: "response.created", response: { id: "r" } }),
    ...items.map((item) => sse({ type: "response.output_item.done", item })),
    sse({ type: "response.completed", response: { id: "r", usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } } })
  ].join(""))

const chatChunk = (delta: object, finish: string | null = null) =>
  sse({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })

/** A chat completion streaming one call's arguments in 64 KiB deltas. */
const chatCallInDeltas = (name: string, args: string, index = 0) => {
  const parts = [chatChunk({ tool_calls: [{ index, id: "flood", type: "function", function: { name, arguments: "" } }] })]
  for (let at = 0; at < args.length; at += 64 * 1024) {
    parts.push(chatChunk({ tool_calls: [{ index, function: { arguments: args.slice(at, at + 64 * 1024) } }] }))
  }
  return MockTurn.raw([...parts, chatChunk({}, "tool_calls"), "data: DONE\n\n"].join(""))
}

/** The model's next request after the flood: small again (the flood was not kept in the history). */
const lastRequestBytes = (agent: AgentServer) => JSON.stringify(agent.model.requests.at(-1)!.body).length

describe("tool-call arguments while they stream", () => {
  it("Responses: one 100 MiB call is cut before it is buffered; an error event, bounded memory, the next call works", async () => {
    const agent = await start([MockTurn.shell(["echo", "x".repeat(100 * MIB)]), MockTurn.message("next")], { wireApi: "responses" })
    const call = await run(agent)
    expect(call.result.result?.isError).toBe(true)
    expect(resultText(call)).toMatch(/an event of the model's response: too large \(16777217 bytes or more, the limit is 16777216\)/)
    expect(peakRssMib(agent)).toBeLessThan(300)
    expect(resultText(await run(agent))).toBe("next")
  })

  it("Responses: a 6 MiB call (under the event cap) is answered with an error result and dropped from the history", async () => {
    const agent = await start([MockTurn.shell(["echo", "x".repeat(6 * MIB)]), MockTurn.message("done")], { wireApi: "responses" })
    const call = await run(agent)
    expect(resultText(call)).toBe("done")
    const outputs = agent.model.requests[1]!.body.input.filter((item: { type: string }) => item.type === "function_call_output")
    expect(outputs[0].output).toMatch(/^the arguments of shell: too large \(\d+ characters or more, the limit is 4194304\); the call was not run/)
    expect(lastRequestBytes(agent)).toBeLessThan(MIB)
  })

  it("Responses: a custom tool's 6 MiB raw input gets the same error result", async () => {
    const agent = await start([
      responsesItems({ type: "custom_tool_call", name: "apply_patch", call_id: "p1", input: "*".repeat(6 * MIB) }),
      MockTurn.message("done")
    ], { wireApi: "responses", extra: "include_apply_patch_tool = true" })
    expect(resultText(await run(agent))).toBe("done")
    const outputs = agent.model.requests[1]!.body.input.filter((item: { type: string }) => item.type === "custom_tool_call_output")
    expect(outputs[0].output).toMatch(/^the input of apply_patch: too large/)
    expect(lastRequestBytes(agent)).toBeLessThan(MIB)
  })

  it("Chat: 30 MiB of argument deltas are kept only to the cap; the model reads an error, memory stays bounded", async () => {
    const args = JSON.stringify({ command: ["echo", "x".repeat(30 * MIB)] })
    const agent = await start([chatCallInDeltas("shell", args), MockTurn.message("done")])
    expect(resultText(await run(agent))).toBe("done")
    expect(toolOutputs(agent.model)[0]).toMatch(/^the arguments of shell: too large/)
    expect(peakRssMib(agent)).toBeLessThan(300)
    expect(lastRequestBytes(agent)).toBeLessThan(MIB)
  })

  it("Chat: 100 MiB of argument deltas pass the whole-response cap: an error event, bounded memory", async () => {
    const args = JSON.stringify({ command: ["echo", "x".repeat(100 * MIB)] })
    const agent = await start([chatCallInDeltas("shell", args), MockTurn.message("next")])
    expect(resultText(await run(agent))).toMatch(/the model's response: too large \(67108865 bytes or more, the limit is 67108864\)/)
    expect(peakRssMib(agent)).toBeLessThan(300)
    expect(resultText(await run(agent))).toBe("next")
  })

  it("Chat: 50 MiB in one chunk is cut like a Responses event", async () => {
    const agent = await start([MockTurn.shell(["echo", "x".repeat(100 * MIB)]), MockTurn.message("next")])
    const call = await run(agent)
    expect(resultText(call)).toMatch(/too large \(16777217 bytes or more/)
    expect(peakRssMib(agent)).toBeLessThan(300)
    expect(resultText(await run(agent))).toBe("next")
  })

  it("Chat: 200 calls in one response, or 9 MiB of text, fail the response with a clear error", async () => {
    const calls = Array.from({ length: 200 }, (_, index) =>
      chatChunk({ tool_calls: [{ index, id: `c${index}`, type: "function", function: { name: "shell", arguments: "{\"command\":[\"true\"]}" } }] })
    )
    const text = Array.from({ length: 9 * 16 }, () => chatChunk({ content: "t".repeat(64 * 1024) }))
    const agent = await start([
      MockTurn.raw([...calls, chatChunk({}, "tool_calls"), "data: DONE\n\n"].join("")),
      MockTurn.raw([...text, chatChunk({}, "stop"), "data: DONE\n\n"].join(""))
    ])
    expect(resultText(await run(agent))).toMatch(/the model's response: too large \(129 tool calls or more, the limit is 128\)/)
    expect(resultText(await run(agent))).toMatch(/the model's message: too large \(\d+ characters, the limit is 8388608\)/)
  })

  it("Chat: a tool-call index of 1e9 costs one call, not a billion-slot array", async () => {
    const agent = await start([
      MockTurn.raw([
        chatChunk({ tool_calls: [{ index: 1_000_000_000, id: "far", type: "function", function: { name: "shell", arguments: "{\"command\":[\"echo\",\"far\"]}" } }] }),
        chatChunk({}, "tool_calls"),
        "data: DONE\n\n"
      ].join("")),
      MockTurn.message("done")
    ])
    const started = performance.now()
    expect(resultText(await run(agent))).toBe("done")
    expect(performance.now() - started).toBeLessThan(3000)
    expect(JSON.parse(toolOutputs(agent.model)[0]!).output).toBe("far\n")
  })
})

describe("whole responses", () => {
  it("Responses: 300 output items, or 70 MiB of text deltas, fail the response with a clear error", async () => {
    const items = Array.from({ length: 300 }, (_, i) => ({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: `m${i}`, annotations: [] }]
    }))
    const delta = sse({ type: "response.output_text.delta", delta: "d".repeat(64 * 1024) })
    const deltas = MockTurn.raw([sse({ type: "response.created", response: { id: "r" } }), delta.repeat(70 * 16)].join(""))
    const agent = await start([responsesItems(...items), deltas, MockTurn.message("next")], { wireApi: "responses" })
    expect(resultText(await run(agent))).toMatch(/the model's response: too large \(257 output items or more, the limit is 256\)/)
    expect(resultText(await run(agent))).toMatch(/the model's response: too large \(67108865 bytes or more, the limit is 67108864\)/)
    expect(resultText(await run(agent))).toBe("next")
  })
})

describe("the whole history", () => {
  it("Responses: 28 MiB of messages in each response: every request stays under the history's cap, oldest contents elided", async () => {
    const big = (n: number) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text: `${n}`.repeat(14 * MIB), annotations: [] }] })
    const call = (n: number) => ({ type: "function_call", name: "shell", call_id: `s${n}`, arguments: JSON.stringify({ command: ["echo", `${n}`] }) })
    const agent = await start([
      responsesItems(big(1), big(2), call(1)),
      responsesItems(big(3), big(4), call(2)),
      MockTurn.message("done")
    ], { wireApi: "responses" })
    expect(resultText(await run(agent))).toBe("done")
    const sizes = agent.model.requests.map((request) => JSON.stringify(request.body).length)
    expect(sizes.length).toBe(3)
    for (const size of sizes) expect(size).toBeLessThan(34 * MIB)
    const last = JSON.stringify(agent.model.requests.at(-1)!.body)
    expect(last).toContain("[elided: the conversation's history passed 33554432 characters")
    // The newest items are whole; every call still has its output.
    expect(last).toContain("4".repeat(1000))
    const input = agent.model.requests.at(-1)!.body.input as Array<{ type: string; call_id?: string }>
    const ids = (type: string) => input.filter((item) => item.type === type).map((item) => item.call_id)
    expect(ids("function_call_output")).toEqual(["s1", "s2"])
    expect(ids("function_call")).toEqual(["s1", "s2"])
  }, 120_000)
})

describe("a client's sizes", () => {
  it("ten 20 MiB local images in one input: refused past what the history holds, naming the item; memory bounded", async () => {
    const agent = await start([MockTurn.message("done")], { approvalPolicy: "never" })
    const { server } = agent
    const work = makeTempDir("sizes-work-")
    const png = Buffer.alloc(20 * MIB, 0x41)
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png)
    writeFileSync(join(work, "big.png"), png)
    const { conversationId } = (await server.request("newConversation", { cwd: work })).result
    const images = Array.from({ length: 10 }, () => ({ type: "localImage", data: { path: "big.png" } }))
    const answer = await server.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "look" } }, ...images] }, 60_000)
    expect(answer.error?.message).toMatch(/^items\[2\]\.data\.path: cannot attach image the input: too large \(\d+ characters, the limit is 33554432\)/)
    expect(agent.model.requests.length).toBe(0)
    expect(peakRssMib(agent)).toBeLessThan(400)
  }, 60_000)

  it("app-server: ten 20 MiB local images in one turn: those past what the history holds are left out; memory bounded", async () => {
    const model = await startMockModelServer([MockTurn.message("done")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never" }))
    const server = spawnServer({ codexHome, args: ["app-server"] })
    try {
      await server.request("initialize", { clientInfo: { name: "sizes", title: null, version: "1" }, capabilities: null })
      server.sendLine(JSON.stringify({ method: "initialized" }))
      const work = makeTempDir("sizes-work-")
      const png = Buffer.alloc(20 * MIB, 0x41)
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png)
      writeFileSync(join(work, "big.png"), png)
      const threadId = (await server.request("thread/start", { cwd: work })).result.thread.id
      const images = Array.from({ length: 10 }, () => ({ type: "localImage", path: "big.png" }))
      const turn = await server.request("turn/start", { threadId, input: [{ type: "text", text: "look", text_elements: [] }, ...images] })
      await server.waitFor((m) => m.method === "turn/completed" && m.params.turn.id === turn.result.turn.id, "turn/completed", 60_000)
      expect(JSON.stringify(model.requests[0]!.body).length).toBeLessThan(34 * MIB)
      const line = readFileSync(`/proc/${server.child.pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"))!
      expect(Number(line.split(/\s+/)[1]) / 1024).toBeLessThan(500)
    } finally {
      server.kill()
      await model.close()
    }
  }, 60_000)

  it("an input of 2,000 items: refused with the request on the app-server (turn/start, no turn left waiting) and the conversation API", async () => {
    const model = await startMockModelServer([MockTurn.message("done")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never" }))
    const appServer = spawnServer({ codexHome, args: ["app-server"] })
    const api = spawnServer({ codexHome })
    try {
      await appServer.request("initialize", { clientInfo: { name: "sizes", title: null, version: "1" }, capabilities: null })
      appServer.sendLine(JSON.stringify({ method: "initialized" }))
      const threadId = (await appServer.request("thread/start", { cwd: makeTempDir("sizes-work-") })).result.thread.id
      const many = Array.from({ length: 2000 }, () => ({ type: "text", text: "x", text_elements: [] }))
      const turn = await appServer.request("turn/start", { threadId, input: many })
      expect(turn.error?.message).toBe("input: the input: too large (2000 items, the limit is 1024)")
      const next = await appServer.request("turn/start", { threadId, input: [{ type: "text", text: "hi", text_elements: [] }] })
      await appServer.waitFor((m) => m.method === "turn/completed" && m.params.turn.id === next.result.turn.id, "the next turn completed")

      await api.initialize()
      const { conversationId } = (await api.request("newConversation", { cwd: makeTempDir("sizes-work-") })).result
      const items = Array.from({ length: 2000 }, () => ({ type: "text", data: { text: "x" } }))
      const answer = await api.request("sendUserMessage", { conversationId, items })
      expect(answer.error?.message).toBe("items: the input: too large (2000 items, the limit is 1024)")
    } finally {
      appServer.kill()
      api.kill()
      await model.close()
    }
  })

  it("a page of 1,000,000 conversations asked for: at most 100, and a cursor to the rest", async () => {
    const agent = await start([])
    for (let i = 0; i < 120; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`
      createRollout(agent.codexHome, { id, cwd: "/", model: "m", originator: "t", instructions: null }, new Date(Date.UTC(2026, 0, 1, 0, 0, i))).close()
    }
    const page = await agent.server.request("listConversations", { pageSize: 1_000_000 })
    expect(page.result.items.length).toBe(100)
    expect(typeof page.result.nextCursor).toBe("string")
    const rest = await agent.server.request("listConversations", { pageSize: 1_000_000, cursor: page.result.nextCursor })
    expect(rest.result.items.length).toBe(20)
  })

  it("input queued while a turn runs: past what the history holds, an error event and the input dropped", async () => {
    const agent = await start([
      // The turn runs until the test says `go`, so every input below is queued.
      MockTurn.functionCall("shell", { command: ["sh", "-c", "while [ ! -e go ]; do sleep 0.1; done"] }, "wait"),
      MockTurn.message("done")
    ], { approvalPolicy: "never" })
    const { server } = agent
    const work = makeTempDir("sizes-work-")
    const { conversationId } = (await server.request("newConversation", { cwd: work })).result
    await server.request("addConversationListener", { conversationId })
    const send = (text: string) => server.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text } }] }, 60_000)
    await send("start")
    await server.waitFor((m) => m.method === "codex/event/exec_command_begin", "the command started")
    for (let i = 0; i < 5; i++) await send(`${i}`.repeat(10 * MIB))
    const error = await server.waitFor((m) => m.method === "codex/event/error", "an error event")
    expect(error.params.msg.message).toMatch(/^the input queued for the running turn: too large \(\d+ characters, the limit is 33554432\): this input was dropped/)
    writeFileSync(join(work, "go"), "")
    await server.waitFor((m) => m.method === "codex/event/task_complete", "task_complete", 60_000)
    const last = JSON.stringify(agent.model.requests.at(-1)!.body)
    expect(last).toContain("2".repeat(1000))
    expect(last).not.toContain("3".repeat(1000))
  }, 120_000)
})

/**
 * A configured streamable-HTTP MCP server whose one tool, `flood`, answers with `mib` MiB of text in one
 * JSON body, written in 1 MiB pieces as a hostile server would.
 */
const startFloodingMcpServer = async (mib: number, toolPages = false) => {
  const server = createServer((request, response) => {
    if (request.method !== "POST") return void response.writeHead(405).end()
    let body = ""
    request.on("data", (chunk: Buffer) => (body += chunk.toString()))
    request.on("end", () => {
      const message = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string } }
      if (message.id === undefined) return void response.writeHead(202).end()
      const answer = (result: object) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }))
      if (message.method === "initialize") {
        return answer({ protocolVersion: message.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "flood", version: "1" } })
      }
      if (message.method === "tools/list" && toolPages) {
        // 500 tools of 20 KiB each, page after page, never a last one.
        const tools = Array.from({ length: 500 }, (_, i) => ({ name: `t${i}`, description: "d".repeat(20 * 1024), inputSchema: { type: "object", properties: {} } }))
        return answer({ tools, nextCursor: "more" })
      }
      if (message.method === "tools/list") return answer({ tools: [{ name: "flood", inputSchema: { type: "object", properties: {} } }] })
      response.writeHead(200, { "content-type": "application/json" })
      response.write(`{"jsonrpc":"2.0","id":${message.id},"result":{"content":[{"type":"text","text":"`)
      const piece = "f".repeat(MIB)
      let left = mib
      const more = () => {
        while (left > 0) {
          left--
          if (!response.write(piece)) return void response.once("drain", more)
        }
        response.end("\"}]}}")
      }
      response.on("error", () => {})
      more()
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/mcp`, close: () => new Promise<void>((done) => server.close(() => done())) }
}

describe("a configured MCP server's answers", () => {
  it("an HTTP MCP server answering with 100 MiB: cut while it arrives, an error result, bounded memory, the turn goes on", async () => {
    const mcp = await startFloodingMcpServer(100)
    try {
      const agent = await start([
        MockTurn.functionCall("flood__flood", {}, "f1"),
        MockTurn.message("done")
      ], { extra: `[mcp_servers.flood]\nurl = "${mcp.url}"\n` })
      expect(resultText(await run(agent))).toBe("done")
      expect(toolOutputs(agent.model)[0]).toMatch(/MCP server `flood`'s answer: too large \(16777217 bytes or more, the limit is 16777216\)/)
      expect(peakRssMib(agent)).toBeLessThan(300)
    } finally {
      await mcp.close()
    }
  }, 60_000)
})

describe("a configured MCP server's tool list", () => {
  it("an HTTP MCP server listing 10 MiB of tools page after page: refused at start with a clear error, bounded memory, the turn goes on", async () => {
    const mcp = await startFloodingMcpServer(0, true)
    try {
      const agent = await start([MockTurn.message("done")], { extra: `[mcp_servers.flood]\nurl = "${mcp.url}"\n` })
      const call = await run(agent)
      expect(resultText(call)).toBe("done")
      expect(JSON.stringify(call.events)).toMatch(/MCP server `flood` failed to start: its tool list: the tools: too large \(\d+ characters or more, the limit is 8388608\)/)
      expect(peakRssMib(agent)).toBeLessThan(400)
      expect(JSON.stringify(agent.model.requests[0]!.body).length).toBeLessThan(MIB)
    } finally {
      await mcp.close()
    }
  }, 120_000)
})

describe("counts inside a call", () => {
  it("update_plan with 100,000 steps: an error result, no plan_update event", async () => {
    const plan = Array.from({ length: 100_000 }, () => ({ step: "s", status: "pending" }))
    const agent = await start([MockTurn.functionCall("update_plan", { plan }), MockTurn.message("done")], { extra: "include_plan_tool = true" })
    const call = await run(agent)
    expect(resultText(call)).toBe("done")
    expect(call.events.map((event) => event.type)).not.toContain("plan_update")
    expect(toolOutputs(agent.model)[0]).toMatch(/^the plan: too large \(100000 steps, the limit is 256\)/)
  })

  it("request_user_input with 10,000 options or a 10,000-character question: an error result, nobody is asked", async () => {
    const option = { label: "a", description: "b" }
    const question = (options: ReadonlyArray<object>, text = "which?") => ({ questions: [{ id: "q", header: "h", question: text, options }] })
    const agent = await start([
      MockTurn.functionCall("request_user_input", question(Array.from({ length: 10_000 }, () => option)), "many"),
      MockTurn.functionCall("request_user_input", question([option, option], "w".repeat(10_000)), "long"),
      MockTurn.message("done")
    ], { extra: "experimental_use_unified_exec_tool = true" })
    const call = await run(agent)
    expect(resultText(call)).toBe("done")
    expect(call.asked).toEqual([])
    expect(call.events.map((event) => event.type)).not.toContain("request_user_input")
    const [many, long] = toolOutputs(agent.model)
    expect(many).toBe("request_user_input: the options of question `q`: too large (10000 options, the limit is 16)")
    expect(long).toBe("request_user_input: a text of a question: too large (10000 characters, the limit is 4096)")
  })

  it("a patch of 5,000 files (or 20,000 @@ chunks): refused by the parser, nothing written", async () => {
    const work = makeTempDir("sizes-work-")
    const files = Array.from({ length: 5000 }, (_, i) => `*** Add File: f${i}.txt\n+x`).join("\n")
    const chunks = Array.from({ length: 20_000 }, () => "@@\n-a\n+b").join("\n")
    const agent = await start([
      MockTurn.applyPatch(`*** Begin Patch\n${files}\n*** End Patch`, { callId: "p1" }),
      MockTurn.applyPatch(`*** Begin Patch\n*** Update File: g.txt\n${chunks}\n*** End Patch`, { callId: "p2" }),
      MockTurn.message("done")
    ])
    expect(resultText(await run(agent, work))).toBe("done")
    const [first, second] = toolOutputs(agent.model)
    expect(first).toMatch(/invalid patch: the patch: too large \(4097 file hunks or more, the limit is 4096\)/)
    expect(second).toMatch(/invalid patch: the patch: too large \(20000 @@ chunks, the limit is 16384\)/)
    expect(existsSync(join(work, "f0.txt"))).toBe(false)
  })

  it("a command of 20,000 arguments or 1.5 MiB: a clear refusal instead of E2BIG", async () => {
    const agent = await start([
      MockTurn.shell(["echo", ...Array.from({ length: 20_000 }, () => "a")], { callId: "s1" }),
      MockTurn.shell(["echo", "b".repeat(1.5 * MIB)], { callId: "s2" }),
      MockTurn.shell(["echo", "ok"], { callId: "s3", workdir: "w".repeat(5000) }),
      MockTurn.message("done")
    ])
    expect(resultText(await run(agent))).toBe("done")
    const outputs = toolOutputs(agent.model)
    expect(outputs[0]).toMatch(/the command: too large \(20001 arguments, the limit is 16384\)/)
    expect(outputs[1]).toMatch(/the command: too large \(1572868 characters, the limit is 1048576\)/)
    expect(outputs[2]).toMatch(/the workdir: too large \(5000 characters, the limit is 4096\)/)
  })

  it("a timeout_ms of 1e15 (or -1): the command still ends at the server's ceiling, the turn goes on", async () => {
    // The ceiling is an hour; the server's test knob lowers it to 1.5 s so the test need not wait.
    const agent = await start([
      MockTurn.functionCall("shell", { command: ["sleep", "600"], timeout_ms: 1e15 }, "forever"),
      MockTurn.functionCall("shell", { command: ["sh", "-c", "echo ran"], timeout_ms: -1 }, "negative"),
      MockTurn.message("done")
    ], {}, { CODEX_EFFECT_MAX_COMMAND_TIMEOUT_MS: "1500" })
    expect(resultText(await run(agent))).toBe("done")
    const [forever] = toolOutputs(agent.model)
    expect(JSON.parse(forever!).metadata.exit_code).toBe(124)
    expect(forever).toMatch(/command timed out after 1\d{3} milliseconds/)
  })

  it("view_image of a 20 MiB image, 30 times in one response and again in the next: the history's images stay capped, memory bounded", async () => {
    const work = makeTempDir("sizes-work-")
    const png = Buffer.alloc(20 * MIB, 0x41)
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png)
    writeFileSync(join(work, "big.png"), png)
    const call = (i: number) => ({ type: "function_call", name: "view_image", call_id: `v${i}`, arguments: JSON.stringify({ path: "big.png" }) })
    const agent = await start([
      responsesItems(...Array.from({ length: 30 }, (_, i) => call(i))),
      responsesItems(...Array.from({ length: 30 }, (_, i) => call(30 + i))),
      MockTurn.message("done")
    ], { wireApi: "responses" })
    expect(resultText(await run(agent, work))).toBe("done")
    const input = (agent.model.requests.at(-1)!.body.input ?? []) as Array<{ type: string; output?: unknown }>
    const outputs = input.filter((item) => item.type === "function_call_output").map((item) => String(item.output))
    expect(outputs.length).toBe(60)
    expect(outputs.filter((output) => output === "attached local image path").length).toBeLessThanOrEqual(3)
    expect(outputs.at(-1)).toMatch(/unable to attach image: the conversation's images: too large/)
    expect(peakRssMib(agent)).toBeLessThan(700)
  })

  it("write_stdin: one write over 256 Ki characters, or input a command never reads past 1 MiB, is refused, not queued", async () => {
    const write = (chars: string, callId: string) => MockTurn.functionCall("write_stdin", { session_id: 1000, chars, yield_time_ms: 250 }, callId)
    const agent = await start([
      MockTurn.functionCall("exec_command", { cmd: "sleep 60", yield_time_ms: 250 }, "start"),
      write("x".repeat(300 * 1024), "big"),
      ...Array.from({ length: 8 }, (_, i) => write("y".repeat(200 * 1024), `w${i}`)),
      MockTurn.functionCall("exec_command", { cmd: `echo ${"c".repeat(1.5 * MIB)}` }, "long"),
      MockTurn.message("done")
    ], { extra: "experimental_use_unified_exec_tool = true" })
    expect(resultText(await run(agent))).toBe("done")
    const [, big, ...rest] = toolOutputs(agent.model)
    const writes = rest.slice(0, 8)
    expect(big).toMatch(/^write_stdin failed: one write: too large \(307200 characters, the limit is 262144\)/)
    // The pipe takes 64 KiB, the server queues up to 1 MiB more: the fifth write and every later one are refused.
    const refused = writes.filter((output) => /the input waiting for session 1000 to read it: too large \(\d+ bytes, the limit is 1048576\)/.test(output))
    expect(writes.length - refused.length).toBeLessThanOrEqual(5)
    expect(refused.length).toBeGreaterThanOrEqual(3)
    expect(rest[8]).toMatch(/the command: too large \(1572869 characters, the limit is 1048576\)/)
  })
})
