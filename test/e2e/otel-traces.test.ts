/**
 * `[otel]` with an `otlp-http` exporter: a turn of the built binary (`exec`) sends its spans to an OTLP/HTTP
 * JSON receiver, as one tree (turn → model request → tool call → command) with the attributes a user
 * reads them for; without `[otel]` nothing is sent.
 */
import { execFileSync, spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, SERVER_BIN } from "../support/ServerProcess.js"

interface OtlpValue {
  readonly stringValue?: string
  readonly intValue?: number | string
  readonly boolValue?: boolean
}
interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano: string
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: OtlpValue }>
}

/** A tiny OTLP/HTTP JSON receiver: every span posted to /v1/traces, and the request headers. */
const startReceiver = async () => {
  const spans: Array<OtlpSpan> = []
  const headers: Array<Record<string, string | Array<string> | undefined>> = []
  const server: Server = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk) => (body += chunk))
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        headers.push(request.headers)
        const data = JSON.parse(body) as {
          resourceSpans: ReadonlyArray<{ scopeSpans: ReadonlyArray<{ spans: ReadonlyArray<OtlpSpan> }> }>
        }
        for (const resource of data.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans)
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`
  return { url, spans, headers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : value?.boolValue)
}

const runExec = async (model: MockModelServer, otel: string, args: ReadonlyArray<string> = []) => {
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(
    join(codexHome, "config.toml"),
    mockConfigToml(model.url, { wireApi: "responses", approvalPolicy: "never", provider: "request_max_retries = 1\nstream_max_retries = 0" }) +
      otel
  )
  const work = makeTempDir("otel-work-")
  execFileSync("git", ["init", "-q", work])
  const env = { ...process.env, OPENAI_API_KEY: undefined, CODEX_EFFECT_LOG: undefined, CODEX_HOME: codexHome }
  return new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [SERVER_BIN, "exec", ...args, "run it"], { env, cwd: work })
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.stdin.end()
    child.once("close", (status) => resolve({ status, stderr }))
  })
}

describe("[otel] traces", () => {
  it("exports one span tree per turn over otlp-http: turn → model request (with retries) → tool call → command", async () => {
    const receiver = await startReceiver()
    closers.push(receiver.close)
    const model = await startMockModelServer([
      MockTurn.status(500),
      MockTurn.shell(["bash", "-c", "echo hi; exit 3"]),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n"),
      MockTurn.message("All done.")
    ])
    closers.push(() => model.close())
    const result = await runExec(
      model,
      `\n[otel]\nenvironment = "test"\nexporter = { otlp-http = { endpoint = "${receiver.url}", protocol = "json", headers = { "x-otlp-key" = "secret" } } }\n`
    )
    expect(result.status, result.stderr).toBe(0)
    // The process flushed its spans before it exited.
    expect(receiver.headers[0]?.["x-otlp-key"]).toBe("secret")
    const named = (name: string) => receiver.spans.filter((span) => span.name === name)
    const [turn] = named("codex.turn")
    expect(turn, JSON.stringify(receiver.spans.map((span) => span.name))).toBeDefined()
    expect(named("codex.turn")).toHaveLength(1)
    expect(attribute(turn!, "gen_ai.request.model")).toBe("mock-model")
    expect(String(attribute(turn!, "codex.conversation_id"))).toMatch(/^[0-9a-f-]{36}$/)

    const requests = named("codex.model_request")
    expect(requests).toHaveLength(3)
    for (const request of requests) {
      expect(request.parentSpanId).toBe(turn!.spanId)
      expect(request.traceId).toBe(turn!.traceId)
      expect(attribute(request, "codex.conversation_id")).toBe(attribute(turn!, "codex.conversation_id"))
    }
    // The first request was answered 500 once, then retried within the same span.
    expect(requests.map((request) => attribute(request, "codex.retries")).sort()).toEqual([0, 0, 1])
    expect(requests.some((request) => attribute(request, "gen_ai.usage.output_tokens") !== undefined)).toBe(true)

    const [command] = named("codex.command")
    const toolCall = named("codex.tool_call").find((span) => span.spanId === command?.parentSpanId)
    expect(toolCall, JSON.stringify(receiver.spans.map((span) => span.name))).toBeDefined()
    expect(requests.map((request) => request.spanId)).toContain(toolCall!.parentSpanId)
    expect(attribute(toolCall!, "codex.tool.name")).toBe("shell")

    expect(attribute(command!, "process.exit.code")).toBe(3)
    expect(Number(attribute(command!, "codex.duration_ms"))).toBeGreaterThanOrEqual(0)
    expect(BigInt(command!.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(command!.startTimeUnixNano))

    const [patch] = named("codex.patch")
    const patchCall = named("codex.tool_call").find((span) => span.spanId === patch?.parentSpanId)
    // The mock sends the patch as `apply_patch` through the shell tool, as the models do.
    expect(requests.map((request) => request.spanId)).toContain(patchCall?.parentSpanId)
    expect(attribute(patch!, "codex.success")).toBe(true)
    expect(attribute(patch!, "codex.files")).toBe(1)
  })

  it("an approval wait is a span of its tool call, with the decision", async () => {
    const receiver = await startReceiver()
    closers.push(receiver.close)
    const model = await startMockModelServer([MockTurn.shell(["touch", "made-by-the-model"]), MockTurn.message("Not allowed.")])
    closers.push(() => model.close())
    const otel = `\n[otel]\nexporter = { otlp-http = { endpoint = "${receiver.url}", protocol = "json" } }\n`
    // exec answers every approval itself: denied, since nobody can approve there.
    expect((await runExec(model, otel, ["-c", "approval_policy=untrusted"])).status).toBe(0)
    const wait = receiver.spans.find((span) => span.name === "codex.approval_wait")
    expect(wait, JSON.stringify(receiver.spans.map((span) => span.name))).toBeDefined()
    expect(attribute(wait!, "codex.approval.kind")).toBe("exec")
    expect(attribute(wait!, "codex.decision")).toBe("denied")
    const toolCall = receiver.spans.find((span) => span.spanId === wait!.parentSpanId)
    expect(toolCall?.name).toBe("codex.tool_call")
  })

  it("sends nothing without [otel], and warns that otlp-grpc is not supported yet", async () => {
    const receiver = await startReceiver()
    closers.push(receiver.close)
    const model = await startMockModelServer([MockTurn.message("one"), MockTurn.message("two")])
    closers.push(() => model.close())
    expect((await runExec(model, "")).status).toBe(0)
    const grpc = await runExec(model, `\n[otel]\nexporter = { otlp-grpc = { endpoint = "${receiver.url}" } }\n`)
    expect(grpc.status).toBe(0)
    expect(grpc.stderr).toContain("otlp-grpc is not supported yet")
    expect(receiver.spans).toEqual([])
  })
})
