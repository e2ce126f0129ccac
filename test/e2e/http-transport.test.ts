/**
 * `mcp --http`: the official SDK client over `StreamableHTTPClientTransport` runs a `codex` call whose
 * command needs approval (the elicitation arrives on the session's stream); two sessions at once keep
 * their elicitations apart; a dropped event stream is resumed with `Last-Event-ID` (dropped POST streams:
 * `http-streams.test.ts`); the conversation API works on the same endpoint; a
 * foreign `Origin` gets 403 and a missing bearer token 401; DELETE ends a session; SIGTERM ends the server
 * with 0.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { ElicitRequest } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "vitest"
import { deferred, TEST_AUTHORIZATION, useHttpAgentServer, within } from "../support/HttpAgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { makeTempDir } from "../support/ServerProcess.js"

const { start, connect } = useHttpAgentServer()

const textOf = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]!).text

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...TEST_AUTHORIZATION, ...headers },
    body: JSON.stringify(body)
  })

/** Reads server-sent events from `response` until `until` holds for one; returns those read. */
const readEvents = async (
  response: Response,
  until: (event: { id: number; data: any }) => boolean
): Promise<Array<{ id: number; data: any }>> => {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const events: Array<{ id: number; data: any }> = []
  let buffer = ""
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended after ${events.length} events`)
    buffer += decoder.decode(value, { stream: true })
    let end = buffer.indexOf("\n\n")
    while (end !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const id = /^id: (\d+)$/m.exec(block)
      const data = /^data: (.*)$/m.exec(block)
      if (data !== null) {
        const event = { id: id === null ? -1 : Number(id[1]), data: JSON.parse(data[1]!) }
        events.push(event)
        if (until(event)) {
          await reader.cancel()
          return events
        }
      }
      end = buffer.indexOf("\n\n")
    }
  }
}

describe("mcp --http with the SDK client", () => {
  it("runs a codex call whose command is approved through an elicitation", async () => {
    const workdir = makeTempDir("codex-work-")
    const { url } = await start([MockTurn.shell(["touch", "made.txt"], { workdir }), MockTurn.message("made it")])
    const asked: Array<ElicitRequest["params"]> = []
    const client = await connect(url, {
      onElicit: (request) => {
        asked.push(request.params)
        return { action: "accept", content: {} }
      }
    })
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(["codex", "codex-reply"])
    const result = await client.callTool({ name: "codex", arguments: { prompt: "touch it" } })
    expect(textOf(result)).toBe("made it")
    expect(asked).toHaveLength(1)
    // The SDK keeps only the standard fields of an elicitation; the message names the command.
    expect(asked[0]!.message).toContain("`touch made.txt`")
    expect(existsSync(join(workdir, "made.txt"))).toBe(true)
  })

  it("keeps two sessions' elicitations apart", async () => {
    const workdir = makeTempDir("codex-work-")
    const { url } = await start([
      MockTurn.shell(["touch", "a.txt"], { workdir }),
      MockTurn.shell(["touch", "b.txt"], { workdir }),
      MockTurn.message("done"),
      MockTurn.message("done")
    ])
    const sessions = ["a", "b"].map(() => {
      const asked: Array<ElicitRequest["params"]> = []
      const arrived = deferred<void>()
      const release = deferred<void>()
      return { asked, arrived, release }
    })
    const clients = await Promise.all(sessions.map((session) =>
      connect(url, {
        onElicit: async (request) => {
          session.asked.push(request.params)
          session.arrived.resolve()
          await session.release.promise
          return { action: "accept", content: {} }
        }
      })
    ))
    // A's call asks first and is held; only then does B's call start, so the model's turns are in order.
    const callA = clients[0]!.callTool({ name: "codex", arguments: { prompt: "a" } })
    await within("A's elicitation", sessions[0]!.arrived.promise)
    const callB = clients[1]!.callTool({ name: "codex", arguments: { prompt: "b" } })
    await within("B's elicitation", sessions[1]!.arrived.promise)
    expect(sessions[0]!.asked.map((params) => params.message)).toEqual([expect.stringContaining("`touch a.txt`")])
    expect(sessions[1]!.asked.map((params) => params.message)).toEqual([expect.stringContaining("`touch b.txt`")])
    for (const session of sessions) session.release.resolve()
    const results = await Promise.all([callA, callB])
    expect(results.map(textOf)).toEqual(["done", "done"])
    expect(existsSync(join(workdir, "a.txt")) && existsSync(join(workdir, "b.txt"))).toBe(true)
  })
})

describe("mcp --http on the wire", () => {
  it("resumes a dropped event stream from Last-Event-ID without losing events", async () => {
    const { url } = await start([MockTurn.message("resumed")], { config: { approvalPolicy: "never" } })
    const init = await post(url, INITIALIZE)
    const session = init.headers.get("mcp-session-id")!
    expect(init.status).toBe(200)
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" }
    expect((await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, headers)).status).toBe(202)

    const first = await fetch(url, { headers: { ...TEST_AUTHORIZATION, ...headers, accept: "text/event-stream" } })
    expect(first.headers.get("content-type")).toContain("text/event-stream")
    const call = post(url, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "codex", arguments: { prompt: "hi" } } }, {
      ...headers,
      accept: "application/json"
    })
    // One event, then the stream drops.
    const seen = await within("the first event", readEvents(first, () => true))
    expect(seen[0]!.id).toBeGreaterThan(0)
    const answer = await (await call).json()
    expect(answer).toMatchObject({ id: 2, result: { structuredContent: { content: "resumed" } } })

    const resumed = await fetch(url, {
      headers: { ...TEST_AUTHORIZATION, ...headers, accept: "text/event-stream", "last-event-id": String(seen[0]!.id) }
    })
    const replay = await within("the replayed events", readEvents(resumed, (event) => event.data.params?.msg?.type === "task_complete"))
    expect(replay.map((event) => event.id)).toEqual(replay.map((_, index) => seen[0]!.id + 1 + index))
    expect(replay.every((event) => event.data.method === "codex/event")).toBe(true)
  })

  it("serves the conversation API on the same endpoint: events go to the session's stream", async () => {
    const { url } = await start([MockTurn.message("over http")], { config: { approvalPolicy: "never" } })
    const session = (await post(url, INITIALIZE)).headers.get("mcp-session-id")!
    const headers = { "mcp-session-id": session, accept: "application/json" }
    const request = async (id: number, method: string, params: unknown): Promise<any> =>
      (await post(url, { jsonrpc: "2.0", id, method, params }, headers)).json()
    const created = await request(2, "newConversation", {})
    const conversationId = created.result.conversationId
    expect(typeof conversationId).toBe("string")
    expect((await request(3, "addConversationListener", { conversationId })).result.subscriptionId).toEqual(expect.any(String))
    const stream = await fetch(url, { headers: { ...TEST_AUTHORIZATION, "mcp-session-id": session, accept: "text/event-stream" } })
    expect((await request(4, "sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] })).result)
      .toEqual({})
    const events = await within(
      "task_complete on the event stream",
      readEvents(stream, (event) => event.data.method === "codex/event/task_complete")
    )
    expect(events.at(-1)!.data.params).toMatchObject({ conversationId, msg: { last_agent_message: "over http" } })
  })

  it("refuses a foreign Origin with 403 and accepts a loopback one", async () => {
    const { url } = await start([])
    const foreign = await post(url, INITIALIZE, { origin: "http://evil.example" })
    expect(foreign.status).toBe(403)
    expect(await foreign.json()).toMatchObject({ error: { message: expect.stringContaining("Origin") } })
    const local = await post(url, INITIALIZE, { origin: new URL(url).origin })
    expect(local.status).toBe(200)
  })

  it("requires the bearer token named by --auth-token-env (401 without it)", async () => {
    const { url } = await start([], { args: ["--auth-token-env", "MCP_TOKEN"], env: { MCP_TOKEN: "s3cret" } })
    const missing = await post(url, INITIALIZE, { authorization: "" })
    expect(missing.status).toBe(401)
    expect(missing.headers.get("www-authenticate")).toBe("Bearer")
    expect((await post(url, INITIALIZE, { authorization: "Bearer wrong" })).status).toBe(401)
    const client = await connect(url, { headers: { authorization: "Bearer s3cret" } })
    expect((await client.listTools()).tools).toHaveLength(2)
  })

  it("answers requests without a session 400, an unknown session 404, and ends a session on DELETE", async () => {
    const { url } = await start([])
    const ping = { jsonrpc: "2.0", id: 5, method: "ping" }
    expect((await post(url, ping)).status).toBe(400)
    expect((await post(url, ping, { "mcp-session-id": "nope" })).status).toBe(404)
    const session = (await post(url, INITIALIZE)).headers.get("mcp-session-id")!
    const pong = await post(url, ping, { "mcp-session-id": session, accept: "application/json" })
    expect(await pong.json()).toEqual({ jsonrpc: "2.0", id: 5, result: {} })
    expect((await fetch(url, { method: "DELETE", headers: { ...TEST_AUTHORIZATION, "mcp-session-id": session } })).status).toBe(200)
    expect((await post(url, ping, { "mcp-session-id": session })).status).toBe(404)
  })
})

describe("mcp --http shutdown", () => {
  it("exits 0 on SIGTERM while a turn runs and a stream is open, the call answered with an error after the drain timeout", async () => {
    const { server, url, model } = await start([MockTurn.stall(["thinking"])], {
      config: { approvalPolicy: "never" },
      args: ["--drain-timeout", "1"]
    })
    const client = await connect(url)
    const call = client.callTool({ name: "codex", arguments: { prompt: "stall" } }).then(JSON.stringify, String)
    await model.waitForRequests(1)
    server.child.kill("SIGTERM")
    expect(await call).toMatch(/did not finish within the drain timeout \(1000 ms\)/)
    expect(await server.waitForExit(5_000)).toEqual({ code: 0, signal: null })
  })
})
