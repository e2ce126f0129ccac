/**
 * A real HTTP mock of an OpenAI-compatible provider on 127.0.0.1, for end-to-end tests and benchmarks:
 * `POST /v1/responses` (Responses SSE) and `POST /v1/chat/completions` (Chat SSE) play scripted turns
 * in order and record every request. Faults can be scripted too: an HTTP status (with `Retry-After`),
 * a stream cut mid-event, a stream that stalls. When the script runs out the server answers 500 with a
 * message saying so, so a test fails clearly instead of hanging.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** What the model does in one turn, independent of the wire API. */
export type MockTurn =
  | { readonly kind: "message"; readonly text: string; readonly reasoning?: string }
  | { readonly kind: "functionCall"; readonly name: string; readonly arguments: string; readonly callId: string }
  | { readonly kind: "deltas"; readonly chunks: ReadonlyArray<string> }
  | { readonly kind: "status"; readonly status: number; readonly retryAfter?: string; readonly body?: string }
  /** Sends the first part of a turn, then destroys the connection mid-event. */
  | { readonly kind: "cut"; readonly text: string }
  /** Sends the start of a turn and then nothing, until the client gives up. */
  | { readonly kind: "stall" }

export const MockTurn = {
  message: (text: string, reasoning?: string): MockTurn =>
    reasoning === undefined ? { kind: "message", text } : { kind: "message", text, reasoning },
  functionCall: (name: string, args: unknown, callId = "call1234"): MockTurn => ({
    kind: "functionCall",
    name,
    arguments: JSON.stringify(args),
    callId
  }),
  /** A `shell` call; `timeout` is the reference tests' alias of `timeout_ms`. */
  shell: (command: ReadonlyArray<string>, options: { callId?: string; workdir?: string; timeoutMs?: number } = {}): MockTurn =>
    MockTurn.functionCall("shell", {
      command,
      ...(options.workdir !== undefined ? { workdir: options.workdir } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {})
    }, options.callId ?? "call1234"),
  /** An apply_patch call the way the reference tests make it: a shell heredoc. */
  applyPatch: (patch: string, options: { callId?: string; workdir?: string } = {}): MockTurn =>
    MockTurn.shell(["bash", "-lc", `apply_patch <<'EOF'\n${patch}\nEOF`], options),
  deltas: (chunks: ReadonlyArray<string>): MockTurn => ({ kind: "deltas", chunks }),
  status: (status: number, retryAfter?: string): MockTurn =>
    retryAfter === undefined ? { kind: "status", status } : { kind: "status", status, retryAfter },
  cut: (text = "partial"): MockTurn => ({ kind: "cut", text }),
  stall: (): MockTurn => ({ kind: "stall" })
}

export interface RecordedRequest {
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: any
}

const sse = (event: object) => `data: ${JSON.stringify(event)}\n\n`

/** Responses API SSE for one turn. */
const responsesEvents = (turn: MockTurn, id: string): Array<string> => {
  const created = sse({ type: "response.created", response: { id } })
  const completed = sse({
    type: "response.completed",
    response: { id, usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } }
  })
  switch (turn.kind) {
    case "message": {
      const events = [created]
      if (turn.reasoning !== undefined) {
        events.push(sse({ type: "response.reasoning_summary_text.delta", delta: turn.reasoning }))
        events.push(sse({
          type: "response.output_item.done",
          item: { type: "reasoning", id: `rs_${id}`, summary: [{ type: "summary_text", text: turn.reasoning }] }
        }))
      }
      events.push(sse({ type: "response.output_text.delta", delta: turn.text }))
      events.push(sse({
        type: "response.output_item.done",
        item: { type: "message", role: "assistant", id: `msg_${id}`, content: [{ type: "output_text", text: turn.text }] }
      }))
      events.push(completed)
      return events
    }
    case "deltas":
      return [
        created,
        ...turn.chunks.map((delta) => sse({ type: "response.output_text.delta", delta })),
        sse({
          type: "response.output_item.done",
          item: { type: "message", role: "assistant", content: [{ type: "output_text", text: turn.chunks.join("") }] }
        }),
        completed
      ]
    case "functionCall":
      return [
        created,
        sse({
          type: "response.output_item.done",
          item: { type: "function_call", id: `fc_${id}`, name: turn.name, arguments: turn.arguments, call_id: turn.callId }
        }),
        completed
      ]
    default:
      return [created]
  }
}

/** Chat Completions SSE for one turn, ending like the reference mock (`data: DONE`). */
const chatEvents = (turn: MockTurn, id: string): Array<string> => {
  const chunk = (delta: object, finish: string | null) =>
    sse({ id, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })
  switch (turn.kind) {
    case "message":
      return [chunk({ content: turn.text }, "stop"), "data: DONE\n\n"]
    case "deltas":
      return [...turn.chunks.map((content) => chunk({ content }, null)), chunk({}, "stop"), "data: DONE\n\n"]
    case "functionCall": {
      const half = Math.floor(turn.arguments.length / 2)
      return [
        chunk({
          tool_calls: [{ index: 0, id: turn.callId, type: "function", function: { name: turn.name, arguments: turn.arguments.slice(0, half) } }]
        }, null),
        chunk({ tool_calls: [{ index: 0, function: { arguments: turn.arguments.slice(half) } }] }, "tool_calls"),
        "data: DONE\n\n"
      ]
    }
    default:
      return [chunk({ content: "" }, null)]
  }
}

export interface MockModelServer {
  /** The base URL, ending in `/v1`. */
  readonly url: string
  readonly requests: Array<RecordedRequest>
  /** Appends turns to the script. */
  readonly push: (...turns: ReadonlyArray<MockTurn>) => void
  /** Waits until `count` requests arrived; fails loudly after `timeoutMs`. */
  readonly waitForRequests: (count: number, timeoutMs?: number) => Promise<void>
  readonly close: () => Promise<void>
}

export const startMockModelServer = async (turns: ReadonlyArray<MockTurn> = []): Promise<MockModelServer> => {
  const script = [...turns]
  const requests: Array<RecordedRequest> = []
  const waiters = new Set<() => void>()
  const open = new Set<ServerResponse>()
  let counter = 0

  const handle = (request: IncomingMessage, response: ServerResponse, text: string) => {
    const path = (request.url ?? "").split("?")[0] ?? ""
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
    requests.push({ path, headers: request.headers, body })
    for (const wake of waiters) wake()
    const isChat = path.endsWith("/chat/completions")
    if (!isChat && !path.endsWith("/responses")) {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${path}` } }))
      return
    }
    const turn = script.shift()
    if (turn === undefined) {
      response.writeHead(500, { "content-type": "application/json" })
        .end(JSON.stringify({ error: { message: `mock model: the script is exhausted (request ${requests.length})` } }))
      return
    }
    if (turn.kind === "status") {
      response.writeHead(turn.status, {
        "content-type": "application/json",
        ...(turn.retryAfter !== undefined ? { "retry-after": turn.retryAfter } : {})
      }).end(turn.body ?? JSON.stringify({ error: { message: `mock status ${turn.status}` } }))
      return
    }
    const id = `resp_${++counter}`
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
    open.add(response)
    response.once("close", () => open.delete(response))
    const events = isChat ? chatEvents(turn, id) : responsesEvents(turn, id)
    if (turn.kind === "cut") {
      const partial = isChat
        ? `data: {"id":"${id}","choices":[{"index":0,"delta":{"content":"${turn.text}`
        : `${events[0]}data: {"type":"response.output_text.delta","delta":"${turn.text}`
      response.write(partial, () => response.destroy())
      return
    }
    response.write(events.join(""))
    if (turn.kind === "stall") return
    response.end()
  }

  const server = createServer((request, response) => {
    let text = ""
    request.setEncoding("utf8")
    request.on("data", (chunk: string) => (text += chunk))
    request.on("end", () => handle(request, response, text))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...more) => void script.push(...more),
    waitForRequests: (count, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (requests.length < count) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`mock model: expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of open) response.destroy()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

/** A config.toml pointing at the mock, like the reference tests' (wire §17.1). */
export const mockConfigToml = (
  url: string,
  options: {
    approvalPolicy?: string
    sandboxMode?: string
    wireApi?: "chat" | "responses"
    /** Top-level TOML lines. */
    extra?: string
    /** `[model_providers.mock_provider]` lines beyond the defaults (which turn retries off). */
    provider?: string
  } = {}
) =>
  [
    `model = "mock-model"`,
    `approval_policy = "${options.approvalPolicy ?? "untrusted"}"`,
    `sandbox_mode = "${options.sandboxMode ?? "danger-full-access"}"`,
    `model_provider = "mock_provider"`,
    options.extra ?? "",
    ``,
    `[model_providers.mock_provider]`,
    `name = "Mock provider for test"`,
    `base_url = "${url}"`,
    `wire_api = "${options.wireApi ?? "chat"}"`,
    options.provider ?? `request_max_retries = 0\nstream_max_retries = 0`,
    ``
  ].join("\n")
