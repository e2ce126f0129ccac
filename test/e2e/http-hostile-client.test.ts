/**
 * `mcp --http` driven by a hostile or sloppy client: a session deleted while its calls run (each call still
 * gets one answer, an error, whether its response is JSON or an event stream, and its command is killed),
 * and `initialize` sent again inside an open session (-32600, as on stdio, not a second session).
 */
import { describe, expect, it } from "vitest"
import { TEST_AUTHORIZATION, useHttpAgentServer, within } from "../support/HttpAgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { pidsRunning, waitForProcessExit } from "../support/Processes.js"
import { makeTempDir } from "../support/ServerProcess.js"

const { start } = useHttpAgentServer()

const initialize = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "hostile", version: "0" } }
})

const post = (url: string, body: unknown, headers: Record<string, string> = {}, accept = "application/json, text/event-stream") =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept, ...TEST_AUTHORIZATION, ...headers },
    body: JSON.stringify(body)
  })

const openSession = async (url: string) => {
  const answer = await post(url, initialize(1), {}, "application/json")
  await answer.text()
  const session = answer.headers.get("mcp-session-id")!
  expect((await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": session })).status).toBe(202)
  return session
}

/** Reads an event stream until `until` holds for a message; returns the messages read, the reader still open. */
const readUntil = async (reader: ReadableStreamDefaultReader<Uint8Array>, until: (message: any) => boolean) => {
  const decoder = new TextDecoder()
  const messages: Array<any> = []
  let buffer = ""
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return { messages, ended: true }
    buffer += decoder.decode(value, { stream: true })
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const data = /^data: (.*)$/m.exec(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
      if (data === null) continue
      messages.push(JSON.parse(data[1]!))
      if (until(messages.at(-1))) return { messages, ended: false }
    }
  }
}

const commandBegan = (message: any) => message.params?.msg?.type === "exec_command_begin"

/** The pid running `argv`, once it runs (its begin event comes just before the spawn); fails loudly after `timeoutMs`. */
const pidOf = async (argv: ReadonlyArray<string>, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [pid] = pidsRunning(argv)
    if (pid !== undefined) return pid
    if (Date.now() > deadline) throw new Error(`no process runs ${argv.join(" ")} after ${timeoutMs} ms`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe("mcp --http against a hostile client", () => {
  it("DELETE of a session with calls running answers each call with an error and kills its command", async () => {
    const workdir = makeTempDir("hostile-http-work-")
    const streamed = ["sleep", "91.5"]
    const plain = ["sleep", "91.6"]
    const { url } = await start(
      [MockTurn.shell(streamed, { callId: "streamed", workdir }), MockTurn.shell(plain, { callId: "plain", workdir })],
      { config: { approvalPolicy: "never" } }
    )
    const session = await openSession(url)
    const headers = { "mcp-session-id": session }
    const call = (id: string, prompt: string) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "codex", arguments: { prompt, cwd: workdir } } })

    // A call answered on its own event stream.
    const stream = (await post(url, call("streamed", "one"), headers, "text/event-stream")).body!.getReader()
    await within("the streamed call's command", readUntil(stream, commandBegan))
    // A call answered as JSON: its events go to the session's GET stream.
    const events = (await fetch(url, { headers: { ...TEST_AUTHORIZATION, ...headers, accept: "text/event-stream" } })).body!.getReader()
    const plainAnswer = post(url, call("plain", "two"), headers, "application/json").then(async (response) => ({
      status: response.status,
      body: await response.text()
    }))
    await within("the JSON call's command", readUntil(events, commandBegan))
    const pids = [await pidOf(streamed), await pidOf(plain)]

    expect((await fetch(url, { method: "DELETE", headers: { ...TEST_AUTHORIZATION, ...headers } })).status).toBe(200)
    const closed = "Session closed: the client ended it (DELETE) before the call finished"
    const rest = await within("the streamed call's answer", readUntil(stream, (message) => message.id === "streamed"))
    expect(rest.messages.at(-1)).toEqual({ jsonrpc: "2.0", id: "streamed", error: { code: -32000, message: closed } })
    const answered = await within("the JSON call's answer", plainAnswer)
    expect(answered.status).toBe(200)
    expect(JSON.parse(answered.body)).toEqual({ jsonrpc: "2.0", id: "plain", error: { code: -32000, message: closed } })
    for (const pid of pids) await waitForProcessExit(pid)
  })

  it("answers initialize inside an open session with -32600 instead of opening another session", async () => {
    const { url } = await start([])
    const session = await openSession(url)
    const again = await post(url, initialize(2), { "mcp-session-id": session }, "application/json")
    expect(again.headers.get("mcp-session-id")).toBeNull()
    expect(await again.json()).toEqual({ jsonrpc: "2.0", id: 2, error: { code: -32600, message: "initialize called more than once" } })
    const ping = await post(url, { jsonrpc: "2.0", id: 3, method: "ping" }, { "mcp-session-id": session }, "application/json")
    expect(await ping.json()).toEqual({ jsonrpc: "2.0", id: 3, result: {} })
  })
})
