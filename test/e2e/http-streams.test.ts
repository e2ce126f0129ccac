/**
 * `mcp --http` to the letter of the streamable HTTP transport, with a raw client (fetch) that never
 * opens the optional GET stream unless a test says so: a call's events, progress and elicitation go on
 * the POST stream that carries it, its answer is the stream's last event, a dropped POST stream is
 * resumed with `Last-Event-ID` and delivers the rest and the answer exactly once, and no answer ever
 * goes on the GET stream. A port in use is named in the exit message.
 */
import { existsSync } from "node:fs"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { TEST_AUTHORIZATION, useHttpAgentServer, within } from "../support/HttpAgentServer.js"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { MockTurn } from "../support/MockModelServer.js"
import { makeTempDir, spawnServer } from "../support/ServerProcess.js"

const { start } = useHttpAgentServer()

interface SseEvent {
  readonly id: string | undefined
  readonly retry: number | undefined
  /** The parsed JSON-RPC message; undefined for a priming event (empty data). */
  readonly message: any
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...TEST_AUTHORIZATION, ...headers },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal })
  })

/** The events of an SSE response, as they arrive; comments (keep-alives) are skipped. */
async function* eventsOf(response: Response): AsyncGenerator<SseEvent> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let end = buffer.indexOf("\n\n")
      while (end !== -1) {
        const lines = buffer.slice(0, end).split("\n")
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf("\n\n")
        const field = (name: string) => lines.find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim()
        if (lines.every((line) => line.startsWith(":"))) continue
        const data = field("data")
        const retry = field("retry")
        yield { id: field("id"), retry: retry === undefined ? undefined : Number(retry), message: data ? JSON.parse(data) : undefined }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}

/** Reads every event until the stream ends. */
const readAll = async (response: Response) => {
  const events: Array<SseEvent> = []
  for await (const event of eventsOf(response)) events.push(event)
  return events
}

/** A session opened by a client that can answer elicitations; the headers every later request carries. */
const openSession = async (url: string) => {
  const init = await post(url, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: { elicitation: {} }, clientInfo: { name: "raw", version: "0" } }
  })
  expect(init.status).toBe(200)
  await init.body?.cancel()
  const headers = {
    ...TEST_AUTHORIZATION,
    "mcp-session-id": init.headers.get("mcp-session-id")!,
    "mcp-protocol-version": "2025-11-25"
  }
  expect((await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, headers)).status).toBe(202)
  return headers
}

const call = (id: number, prompt: string, extra: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "codex", arguments: { prompt, ...extra }, _meta: { progressToken: `p${id}` } }
})

/**
 * Runs call `id` on its own POST stream (this client never opens GET), answering each elicitation on it
 * with `content`; returns the stream's messages.
 */
const callOnItsStream = async (url: string, headers: Record<string, string>, body: unknown, content: Record<string, unknown>) => {
  const response = await post(url, body, headers)
  const messages: Array<any> = []
  await within("the call's stream to end", (async () => {
    for await (const event of eventsOf(response)) {
      if (event.message === undefined) continue
      messages.push(event.message)
      if (event.message.method === "elicitation/create") {
        const answer = { jsonrpc: "2.0", id: event.message.id, result: { action: "accept", content } }
        expect((await post(url, answer, headers)).status).toBe(202)
      }
    }
  })())
  return messages
}

const accept = (request: any) => ({ jsonrpc: "2.0", id: request.id, result: { action: "accept", content: {} } })

describe("mcp --http: a call's messages on its own stream", () => {
  it("completes a call with an approval through its POST stream alone, the answer last", async () => {
    const workdir = makeTempDir("codex-work-")
    const { url } = await start([MockTurn.shell(["touch", "made.txt"], { workdir }), MockTurn.message("made it")])
    const headers = await openSession(url)
    const response = await post(url, call(2, "touch it"), headers)
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    const events: Array<SseEvent> = []
    await within("the call's stream to end", (async () => {
      for await (const event of eventsOf(response)) {
        events.push(event)
        if (event.message?.method === "elicitation/create") {
          expect((await post(url, accept(event.message), headers)).status).toBe(202)
        }
      }
    })())
    // A priming event first: an id, a retry delay, no message.
    expect(events[0]).toMatchObject({ id: expect.any(String), retry: expect.any(Number), message: undefined })
    const messages = events.map((event) => event.message)
    expect(messages.filter((message) => message?.method === "elicitation/create")).toHaveLength(1)
    expect(messages.some((message) => message?.method === "notifications/progress")).toBe(true)
    expect(messages.some((message) => message?.params?.msg?.type === "task_complete")).toBe(true)
    expect(messages.filter((message) => message?.id === 2 && !("method" in message))).toHaveLength(1)
    expect(messages.at(-1)).toMatchObject({ id: 2, result: { content: [{ text: "made it" }] } })
    // Every event has an id, unique in the session.
    const ids = events.map((event) => event.id)
    expect(ids.every((id) => id !== undefined)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(existsSync(join(workdir, "made.txt"))).toBe(true)
  })

  it("resumes a dropped POST stream with Last-Event-ID: the rest and the answer exactly once, none on GET", async () => {
    const workdir = makeTempDir("codex-work-")
    const { url } = await start([MockTurn.shell(["touch", "made.txt"], { workdir }), MockTurn.message("resumed")])
    const headers = await openSession(url)
    // A GET stream open all along: it must never carry the call's answer.
    const onGet: Array<SseEvent> = []
    const stopGet = new AbortController()
    const get = await fetch(url, { headers: { ...headers, accept: "text/event-stream" }, signal: stopGet.signal })
    const getReading = (async () => {
      for await (const event of eventsOf(get)) onGet.push(event)
    })().catch(() => undefined)

    const abort = new AbortController()
    const response = await post(url, call(7, "touch it"), headers, abort.signal)
    const before: Array<SseEvent> = []
    let elicitation: any
    await within("the elicitation on the POST stream", (async () => {
      for await (const event of eventsOf(response)) {
        before.push(event)
        if (event.message?.method === "elicitation/create") {
          elicitation = event.message
          break
        }
      }
    })())
    abort.abort()
    // Answered after the stream dropped: the rest of the call happens while nobody reads its stream.
    expect((await post(url, accept(elicitation), headers)).status).toBe(202)

    const lastEventId = before.at(-1)!.id!
    const resumed = await fetch(url, { headers: { ...headers, accept: "text/event-stream", "last-event-id": lastEventId } })
    expect(resumed.status).toBe(200)
    const after = await within("the resumed stream to end", readAll(resumed))
    const messages = after.map((event) => event.message).filter((message) => message !== undefined)
    expect(messages.filter((message) => message.id === 7 && !("method" in message))).toHaveLength(1)
    expect(messages.at(-1)).toMatchObject({ id: 7, result: { content: [{ text: "resumed" }] } })
    expect(messages.some((message) => message.params?.msg?.type === "task_complete")).toBe(true)
    // Nothing seen before the drop comes again.
    const seen = new Set(before.map((event) => event.id))
    expect(after.filter((event) => event.message !== undefined && seen.has(event.id))).toEqual([])
    expect(existsSync(join(workdir, "made.txt"))).toBe(true)

    // Read to the end once: it cannot be replayed again.
    const again = await fetch(url, { headers: { ...headers, accept: "text/event-stream", "last-event-id": lastEventId } })
    expect(again.status).toBe(405)
    await again.body?.cancel()

    stopGet.abort()
    await getReading
    expect(onGet.filter((event) => event.message !== undefined && !("method" in event.message))).toEqual([])
    expect(onGet.filter((event) => event.message?.params?._meta?.requestId === 7)).toEqual([])
  })
})

describe("mcp --http: every question of a call on the call's stream", () => {
  it("asks the model's request_user_input on the POST stream, and the answer reaches the model", async () => {
    const questions = [{ id: "color", header: "Color", question: "Which color?", options: [{ label: "Red", description: "warm" }] }]
    const { url, model } = await start([MockTurn.functionCall("request_user_input", { questions }, "q1"), MockTurn.message("asked")], {
      config: { approvalPolicy: "never" }
    })
    const headers = await openSession(url)
    const messages = await callOnItsStream(url, headers, call(8, "ask me", { model: "gpt-5.1-codex" }), { color: "Red" })
    expect(messages.filter((message) => message.method === "elicitation/create")).toHaveLength(1)
    expect(messages.at(-1)).toMatchObject({ id: 8, result: { content: [{ text: "asked" }] } })
    expect(JSON.stringify(model.requests[1]!.body)).toContain(`{\\"answers\\":[\\"Red\\"]}`)
  })

  it("forwards a configured MCP server's form on the POST stream, and the answer reaches the server", async () => {
    const { url, model } = await start([MockTurn.functionCall("everything__trigger-elicitation-request", {}), MockTurn.message("filled")], {
      config: { approvalPolicy: "never", extra: mcpServerToml("everything", everythingStdio()) }
    })
    const headers = await openSession(url)
    const messages = await callOnItsStream(url, headers, call(9, "ask me"), { name: "Ada Lovelace", check: true })
    expect(messages.filter((message) => message.method === "elicitation/create")).toHaveLength(1)
    expect(messages.at(-1)).toMatchObject({ id: 9, result: { content: [{ text: "filled" }] } })
    expect(JSON.stringify(model.requests[1]!.body)).toContain("Ada Lovelace")
  })
})

describe("mcp --http: clients that are gone", () => {
  it("denies an approval nobody reads (JSON responses, no GET stream) instead of waiting forever", async () => {
    const workdir = makeTempDir("codex-work-")
    const { url, model } = await start([MockTurn.shell(["touch", "made.txt"], { workdir }), MockTurn.message("gave up")], {
      env: { CODEX_EFFECT_HTTP_UNREAD_REQUEST_MS: "300" }
    })
    const headers = await openSession(url)
    // JSON only: the call's elicitation has no stream to go on but the GET stream, which this client never opens.
    const response = await within("the call's answer", post(url, call(3, "touch it"), { ...headers, accept: "application/json" }))
    expect(await response.json()).toMatchObject({ id: 3, result: { content: [{ text: "gave up" }] } })
    expect(existsSync(join(workdir, "made.txt"))).toBe(false)
    expect(JSON.stringify(model.requests.at(-1))).toContain("no client read the request")
  })

  it("denies an approval whose stream dropped after it was read, and nobody came back; the answer waits for resumption", async () => {
    const workdir = makeTempDir("codex-work-")
    const { url, model } = await start([MockTurn.shell(["touch", "made.txt"], { workdir }), MockTurn.message("gave up")], {
      env: { CODEX_EFFECT_HTTP_UNREAD_REQUEST_MS: "300" }
    })
    const headers = await openSession(url)
    const abort = new AbortController()
    const response = await post(url, call(4, "touch it"), headers, abort.signal)
    let lastEventId: string | undefined
    await within("the elicitation on the POST stream", (async () => {
      for await (const event of eventsOf(response)) {
        lastEventId = event.id
        if (event.message?.method === "elicitation/create") break
      }
    })())
    abort.abort()
    // The denial lets the turn go on: the model is asked again.
    await model.waitForRequests(2)
    const resumed = await fetch(url, { headers: { ...headers, accept: "text/event-stream", "last-event-id": lastEventId! } })
    const messages = (await within("the resumed stream to end", readAll(resumed))).map((event) => event.message)
    expect(messages.at(-1)).toMatchObject({ id: 4, result: { content: [{ text: "gave up" }] } })
    expect(existsSync(join(workdir, "made.txt"))).toBe(false)
  })

  it("closes a session nobody uses after the idle time (shortened)", async () => {
    const { url, server } = await start([], { env: { CODEX_EFFECT_HTTP_SESSION_IDLE_MS: "200" } })
    const headers = await openSession(url)
    await within("the idle session to close", server.waitForStderr(/closing HTTP session \S+: idle/))
    const after = await post(url, { jsonrpc: "2.0", id: 5, method: "tools/list" }, headers)
    expect(after.status).toBe(404)
  })
})

describe("mcp --http: listening", () => {
  it("exits with `cannot listen on HOST:PORT (EADDRINUSE)` when the port is taken", async () => {
    const taken = createServer()
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done))
    const { port } = taken.address() as AddressInfo
    try {
      const server = spawnServer({
        env: { CODEX_EFFECT_TEST_HTTP_TOKEN: "t" },
        args: ["mcp", "--http", `127.0.0.1:${port}`, "--auth-token-env", "CODEX_EFFECT_TEST_HTTP_TOKEN"]
      })
      const exited = await within("the server to exit", server.exited)
      expect(exited.code).toBe(1)
      expect(server.stderr).toContain(`codex-effect: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`)
    } finally {
      taken.close()
    }
  })

  it("exits with `cannot listen on HOST:PORT (EADDRNOTAVAIL)` for an address this host does not have", async () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never an address of this host.
    const server = spawnServer({
      env: { CODEX_EFFECT_TEST_HTTP_TOKEN: "t" },
      args: ["mcp", "--http", "192.0.2.1:8123", "--auth-token-env", "CODEX_EFFECT_TEST_HTTP_TOKEN"]
    })
    const exited = await within("the server to exit", server.exited)
    expect(exited.code).toBe(1)
    expect(server.stderr).toContain("codex-effect: cannot listen on 192.0.2.1:8123 (EADDRNOTAVAIL)")
  })

  it("refuses --auth-token-env without --http", async () => {
    const server = spawnServer({ env: { CODEX_EFFECT_TEST_HTTP_TOKEN: "t" }, args: ["mcp", "--auth-token-env", "CODEX_EFFECT_TEST_HTTP_TOKEN"] })
    const exited = await within("the server to exit", server.exited)
    expect(exited.code).toBe(2)
    expect(server.stderr).toContain("--auth-token-env applies only with --http")
  })
})
