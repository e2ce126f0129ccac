/**
 * A real HTTP mock of an OpenAI-compatible provider on 127.0.0.1, for end-to-end tests and benchmarks:
 * `POST /v1/responses` (Responses SSE) and `POST /v1/chat/completions` (Chat SSE) play scripted turns
 * in order and record every request. Faults can be scripted too: an HTTP status (with `Retry-After`),
 * a stream cut mid-event, a stream that stalls after some events, a request never answered at all.
 * When the script runs out the server answers 500 with a message saying so, so a test fails clearly
 * instead of hanging. Chat streams end like the reference mock's, with the literal `data: DONE`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** What the model does in one turn, independent of the wire API. */
export type MockTurn =
  | { readonly kind: "message"; readonly text: string; readonly reasoning?: string }
  | { readonly kind: "functionCall"; readonly name: string; readonly arguments: string; readonly callId: string }
  /** Several function calls in one response (Responses API only), as a model asked for parallel calls makes. */
  | { readonly kind: "functionCalls"; readonly calls: ReadonlyArray<{ readonly name: string; readonly arguments: string; readonly callId: string }> }
  | { readonly kind: "deltas"; readonly chunks: ReadonlyArray<string> }
  | { readonly kind: "status"; readonly status: number; readonly retryAfter?: string; readonly body?: string }
  /** Sends the first part of a turn, then destroys the connection mid-event. */
  | { readonly kind: "cut"; readonly text: string }
  /** Sends the start of a turn (and these text deltas), then nothing, until the client gives up. */
  | { readonly kind: "stall"; readonly deltas: ReadonlyArray<string> }
  /** Sends the start of a turn, then one text delta every `everyMs`, forever (until the client gives up). */
  | { readonly kind: "drip"; readonly everyMs: number }
  /** Never sends even the response headers. */
  | { readonly kind: "silent" }
  /** This SSE body verbatim, with status 200. */
  | { readonly kind: "raw"; readonly body: string }
  /** Sends nothing at all (not even headers) for `ms`, then plays `turn`: a model that thinks for a long time. */
  | { readonly kind: "delay"; readonly ms: number; readonly turn: MockTurn }
  /** Sends nothing until the test calls `release()`, then plays `turn`: a turn held in flight on purpose. */
  | { readonly kind: "held"; readonly turn: MockTurn }

/** The reference tests' call id. */
const DEFAULT_CALL_ID = "call1234"

export const MockTurn = {
  /** An assistant message (one text delta, then the item); `reasoning` streams a summary first. */
  message: (text: string, reasoning?: string): MockTurn =>
    reasoning === undefined ? { kind: "message", text } : { kind: "message", text, reasoning },
  functionCall: (name: string, args: unknown, callId = DEFAULT_CALL_ID): MockTurn => ({
    kind: "functionCall",
    name,
    arguments: JSON.stringify(args),
    callId
  }),
  functionCalls: (...calls: ReadonlyArray<{ readonly name: string; readonly args: unknown; readonly callId: string }>): MockTurn => ({
    kind: "functionCalls",
    calls: calls.map(({ args, callId, name }) => ({ name, arguments: JSON.stringify(args), callId }))
  }),
  /** A `shell` call; `timeout` is the reference tests' alias of `timeout_ms`. */
  shell: (command: ReadonlyArray<string>, options: { callId?: string; workdir?: string; timeoutMs?: number } = {}): MockTurn =>
    MockTurn.functionCall("shell", {
      command,
      ...(options.workdir !== undefined ? { workdir: options.workdir } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {})
    }, options.callId ?? DEFAULT_CALL_ID),
  /** An apply_patch call the way the reference tests make it: a shell heredoc. */
  applyPatch: (patch: string, options: { callId?: string; workdir?: string } = {}): MockTurn =>
    MockTurn.shell(["bash", "-lc", `apply_patch <<'EOF'\n${patch}\nEOF`], options),
  /** An assistant message streamed as these text deltas. */
  deltas: (chunks: ReadonlyArray<string>): MockTurn => ({ kind: "deltas", chunks }),
  /** An HTTP error status, with an optional `Retry-After` and body (default: an OpenAI-style JSON error). */
  status: (status: number, retryAfter?: string, body?: string): MockTurn => ({
    kind: "status",
    status,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(body !== undefined ? { body } : {})
  }),
  /** `turn`, `count` times: e.g. `...MockTurn.times(2, MockTurn.status(503))`. */
  times: (count: number, turn: MockTurn): ReadonlyArray<MockTurn> => Array.from({ length: count }, () => turn),
  cut: (text = "partial"): MockTurn => ({ kind: "cut", text }),
  stall: (deltas: ReadonlyArray<string> = []): MockTurn => ({ kind: "stall", deltas }),
  silent: (): MockTurn => ({ kind: "silent" }),
  drip: (everyMs = 50): MockTurn => ({ kind: "drip", everyMs }),
  /** A Responses or Chat SSE body written as is, e.g. a `response.failed` event. */
  raw: (body: string): MockTurn => ({ kind: "raw", body }),
  delay: (ms: number, turn: MockTurn): MockTurn => ({ kind: "delay", ms, turn }),
  held: (turn: MockTurn): MockTurn => ({ kind: "held", turn })
}

export interface RecordedRequest {
  /** The path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: IncomingMessage["headers"]
  /** The parsed JSON body (the raw text if it wasn't JSON); `any` so tests can dig into it without casts. */
  readonly body: any
  /** The client's address: which runner of a cluster asked, when runners have addresses of their own. */
  readonly remoteAddress: string | undefined
  /** When the request arrived, and when its connection closed (undefined while it is open), in ms since the epoch. */
  readonly receivedAt: number
  closedAt: number | undefined
}

/** One SSE event: `data: <json>` and a blank line. */
export const sse = (event: object) => `data: ${JSON.stringify(event)}\n\n`

const CHAT_END = "data: DONE\n\n"

/** Responses API SSE for one turn (the fault kinds only get their opening events). */
const responsesEvents = (turn: MockTurn, id: string): Array<string> => {
  const created = sse({ type: "response.created", response: { id } })
  const completed = sse({
    type: "response.completed",
    response: { id, usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 2 }, output_tokens: 5, total_tokens: 15 } }
  })
  const textDelta = (delta: string) => sse({ type: "response.output_text.delta", delta })
  const messageDone = (text: string) =>
    sse({
      type: "response.output_item.done",
      item: { type: "message", role: "assistant", id: `msg_${id}`, status: "completed", content: [{ type: "output_text", text, annotations: [] }] }
    })
  switch (turn.kind) {
    case "message": {
      const events = [created]
      if (turn.reasoning !== undefined) {
        events.push(sse({ type: "response.reasoning_summary_part.added" }))
        events.push(sse({ type: "response.reasoning_summary_text.delta", delta: turn.reasoning }))
        events.push(sse({
          type: "response.output_item.done",
          item: { type: "reasoning", id: `rs_${id}`, summary: [{ type: "summary_text", text: turn.reasoning }], encrypted_content: "opaque" }
        }))
      }
      return [...events, textDelta(turn.text), messageDone(turn.text), completed]
    }
    case "deltas":
      return [created, ...turn.chunks.map(textDelta), messageDone(turn.chunks.join("")), completed]
    case "functionCall":
      return [
        created,
        sse({
          type: "response.output_item.done",
          item: { type: "function_call", id: `fc_${id}`, status: "completed", name: turn.name, arguments: turn.arguments, call_id: turn.callId }
        }),
        completed
      ]
    case "functionCalls":
      return [
        created,
        ...turn.calls.map((call, index) =>
          sse({
            type: "response.output_item.done",
            item: { type: "function_call", id: `fc_${id}_${index}`, status: "completed", name: call.name, arguments: call.arguments, call_id: call.callId }
          })
        ),
        completed
      ]
    case "stall":
      return [created, ...turn.deltas.map(textDelta)]
    case "drip":
      return [created, textDelta(".")]
    default:
      return [created]
  }
}

/** Chat Completions SSE for one turn; tool-call arguments arrive in two pieces, as real providers split them. */
const chatEvents = (turn: MockTurn, id: string): Array<string> => {
  const chunk = (delta: object, finish: string | null) =>
    sse({ id, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })
  switch (turn.kind) {
    case "message":
      return [
        ...(turn.reasoning !== undefined ? [chunk({ role: "assistant", reasoning: turn.reasoning }, null)] : []),
        chunk({ content: turn.text }, "stop"),
        CHAT_END
      ]
    case "deltas":
      return [...turn.chunks.map((content) => chunk({ content }, null)), chunk({}, "stop"), CHAT_END]
    case "functionCall": {
      const half = Math.floor(turn.arguments.length / 2)
      return [
        chunk({
          tool_calls: [{ index: 0, id: turn.callId, type: "function", function: { name: turn.name, arguments: turn.arguments.slice(0, half) } }]
        }, null),
        chunk({ tool_calls: [{ index: 0, function: { arguments: turn.arguments.slice(half) } }] }, "tool_calls"),
        CHAT_END
      ]
    }
    case "stall":
      return [chunk({ role: "assistant", content: "" }, null), ...turn.deltas.map((content) => chunk({ content }, null))]
    case "drip":
      return [chunk({ content: "." }, null)]
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
  /**
   * Waits until the client closed the connection of request `index` (0-based) before the server
   * finished answering it, e.g. because the client was interrupted; fails loudly after `timeoutMs`.
   */
  readonly waitForDisconnect: (index: number, timeoutMs?: number) => Promise<void>
  /** Plays every `held` turn waiting so far (those whose client is gone are skipped). */
  readonly release: () => void
  readonly close: () => Promise<void>
}

/** Resolves when `ready()` holds, re-checked on every `wake`; rejects with `describe()` after `timeoutMs`. */
const waitUntil = (waiters: Set<() => void>, ready: () => boolean, timeoutMs: number, describe: () => string) =>
  new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!ready()) return
      clearTimeout(timer)
      waiters.delete(check)
      resolve()
    }
    const timer = setTimeout(() => {
      waiters.delete(check)
      reject(new Error(`mock model: ${describe()}`))
    }, timeoutMs)
    waiters.add(check)
    check()
  })

export const startMockModelServer = async (
  turns: ReadonlyArray<MockTurn> = [],
  /** The loopback address by default; a test that builds its own network passes the address it created. */
  host = "127.0.0.1"
): Promise<MockModelServer> => {
  const script = [...turns]
  const requests: Array<RecordedRequest> = []
  const disconnected = new Set<number>()
  const waiters = new Set<() => void>()
  const open = new Set<ServerResponse>()
  const wake = () => {
    for (const waiter of waiters) waiter()
  }
  let counter = 0
  const held: Array<() => void> = []

  const handle = (request: IncomingMessage, response: ServerResponse, text: string) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
    const index = requests.length
    const recorded: RecordedRequest = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body,
      remoteAddress: request.socket.remoteAddress,
      receivedAt: Date.now(),
      closedAt: undefined
    }
    requests.push(recorded)
    open.add(response)
    let finishedByServer = false
    response.once("close", () => {
      recorded.closedAt = Date.now()
      open.delete(response)
      if (!finishedByServer && !response.writableFinished) {
        disconnected.add(index)
        wake()
      }
    })
    wake()
    const finish = (end: () => void) => {
      finishedByServer = true
      end()
    }
    const json = (status: number, payload: string, headers: Record<string, string> = {}) =>
      finish(() => response.writeHead(status, { "content-type": "application/json", ...headers }).end(payload))

    const isChat = url.pathname.endsWith("/chat/completions")
    if (!isChat && !url.pathname.endsWith("/responses")) {
      return json(404, JSON.stringify({ error: { message: `mock model: no route ${url.pathname}` } }))
    }
    const next = script.shift()
    if (next === undefined) {
      return json(500, JSON.stringify({ error: { message: `mock model: the script is exhausted (request ${index + 1})` } }))
    }
    if (next.kind === "delay") {
      const timer = setTimeout(() => play(next.turn), next.ms)
      response.once("close", () => clearTimeout(timer))
      return
    }
    if (next.kind === "held") {
      held.push(() => {
        if (!response.destroyed) play(next.turn)
      })
      return
    }
    play(next)

    function play(turn: MockTurn) {
      switch (turn.kind) {
        case "status":
          return json(
            turn.status,
            turn.body ?? JSON.stringify({ error: { message: `mock status ${turn.status}`, type: "mock_error" } }),
            turn.retryAfter !== undefined ? { "retry-after": turn.retryAfter } : {}
          )
        case "silent":
          return
      }
      const id = `resp_${++counter}`
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      if (turn.kind === "raw") return finish(() => response.end(turn.body))
      const events = isChat ? chatEvents(turn, id) : responsesEvents(turn, id)
      if (turn.kind === "cut") {
        const partial = isChat
          ? `data: {"id":"${id}","choices":[{"index":0,"delta":{"content":"${turn.text}`
          : `${events[0]}data: {"type":"response.output_text.delta","delta":"${turn.text}`
        return finish(() => response.write(partial, () => response.destroy()))
      }
      response.write(events.join(""))
      if (turn.kind === "stall") return
      if (turn.kind === "drip") {
        const drip = isChat ? events[0]! : events[events.length - 1]!
        const timer = setInterval(() => response.write(drip), turn.everyMs)
        response.once("close", () => clearInterval(timer))
        return
      }
      finish(() => response.end())
    }
  }

  const server = createServer((request, response) => {
    let text = ""
    request.setEncoding("utf8")
    request.on("data", (chunk: string) => (text += chunk))
    request.on("end", () => handle(request, response, text))
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://${host}:${port}/v1`,
    requests,
    push: (...more) => void script.push(...more),
    release: () => {
      for (const play of held.splice(0)) play()
    },
    waitForRequests: (count, timeoutMs = 10_000) =>
      waitUntil(
        waiters,
        () => requests.length >= count,
        timeoutMs,
        () =>
          `expected ${count} requests within ${timeoutMs} ms, got ${requests.length} (${requests.map((r) => r.path).join(", ")})`
      ),
    waitForDisconnect: (index, timeoutMs = 10_000) =>
      waitUntil(
        waiters,
        () => disconnected.has(index),
        timeoutMs,
        () => `the client did not close request ${index} within ${timeoutMs} ms (${requests.length} requests arrived)`
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of open) response.destroy()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

/** A config.toml pointing at the mock, like the reference tests'. */
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
