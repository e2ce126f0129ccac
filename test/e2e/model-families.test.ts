/**
 * What the model's family and the model settings change in the request, end to end: `text.verbosity`
 * for gpt-5, `reasoning` only for families that take it (or when forced), the apply_patch function
 * tool for gpt-oss, raw reasoning events with `show_raw_agent_reasoning`, and the `originator` /
 * `User-Agent` headers on every request.
 */
import { describe, expect, it } from "vitest"
import { VERSION } from "../../src/version.js"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn, sse } from "../support/MockModelServer.js"
import type { ServerProcess } from "../support/ServerProcess.js"

const start = useAgentServer()

const callCodex = (server: ServerProcess, args: Record<string, unknown>) =>
  server.request("tools/call", { name: "codex", arguments: { prompt: "hello", ...args } })

/** A Responses turn with raw reasoning text (a delta, then the reasoning item with its content) and an answer. */
const rawReasoningTurn = MockTurn.raw([
  sse({ type: "response.created", response: { id: "r1" } }),
  sse({ type: "response.reasoning_text.delta", delta: "thinking hard" }),
  sse({
    type: "response.output_item.done",
    item: { type: "reasoning", id: "rs1", summary: [], content: [{ type: "reasoning_text", text: "thinking hard" }] }
  }),
  sse({ type: "response.output_item.done", item: { type: "message", role: "assistant", content: [{ type: "output_text", text: "ok" }] } }),
  sse({ type: "response.completed", response: { id: "r1" } })
].join(""))

const eventTypes = (server: ServerProcess) =>
  server.messages.filter((m) => m.method === "codex/event").map((m) => m.params.msg.type as string)

describe("model families", () => {
  it("sends text.verbosity and reasoning to gpt-5, neither to a plain model", async () => {
    const { server, model } = await start([MockTurn.message("a"), MockTurn.message("b")], {
      wireApi: "responses",
      extra: `model_verbosity = "low"`
    })
    await callCodex(server, { model: "gpt-5" })
    await callCodex(server, { model: "gpt-4o" })
    const [gpt5, gpt4o] = model.requests.map((request) => request.body)
    expect(gpt5.text).toEqual({ verbosity: "low" })
    expect(gpt5.reasoning).toEqual({ effort: "medium", summary: "auto" })
    expect(gpt4o.text).toBeUndefined()
    expect(gpt4o.reasoning).toBeNull()
  })

  it("model_supports_reasoning_summaries forces reasoning for any model", async () => {
    const { server, model } = await start([MockTurn.message("a")], {
      wireApi: "responses",
      extra: `model_supports_reasoning_summaries = true\nmodel_reasoning_summary = "detailed"`
    })
    await callCodex(server, {})
    expect(model.requests[0]!.body.reasoning).toEqual({ effort: "medium", summary: "detailed" })
    expect(model.requests[0]!.body.include).toEqual(["reasoning.encrypted_content"])
  })

  it("offers gpt-oss the apply_patch function tool, and leaves the patch format out of its instructions", async () => {
    const { server, model } = await start([MockTurn.message("a"), MockTurn.message("b")])
    await callCodex(server, { model: "gpt-oss:20b" })
    await callCodex(server, { model: "mock-model" })
    const toolNames = (index: number) =>
      (model.requests[index]!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name)
    expect(toolNames(0)).toEqual(["shell", "apply_patch", "view_image"])
    const applyPatch = model.requests[0]!.body.tools[1].function
    expect(Object.keys(applyPatch.parameters.properties)).toEqual(["input"])
    expect(toolNames(1)).toEqual(["shell", "view_image"])
    const system = (index: number) => model.requests[index]!.body.messages[0].content as string
    expect(system(1).length).toBeGreaterThan(system(0).length)
  })

  it("emits raw reasoning events only with show_raw_agent_reasoning", async () => {
    const shown = await start([rawReasoningTurn], { wireApi: "responses", extra: "show_raw_agent_reasoning = true" })
    await callCodex(shown.server, {})
    const raw = shown.server.messages.filter((m) => m.method === "codex/event" && m.params.msg.type.startsWith("agent_reasoning_raw"))
    expect(raw.map((m) => m.params.msg)).toEqual([
      { type: "agent_reasoning_raw_content_delta", delta: "thinking hard" },
      { type: "agent_reasoning_raw_content", text: "thinking hard" }
    ])

    const hidden = await start([rawReasoningTurn], { wireApi: "responses" })
    await callCodex(hidden.server, {})
    expect(eventTypes(hidden.server)).toContain("task_complete")
    expect(eventTypes(hidden.server).filter((type) => type.startsWith("agent_reasoning_raw"))).toEqual([])
  })
})

describe("client identity headers", () => {
  it.each(["responses", "chat"] as const)("sends originator and User-Agent on every %s request", async (wireApi) => {
    const { server, model } = await start([MockTurn.message("a")], { wireApi })
    await callCodex(server, {})
    const headers = model.requests[0]!.headers
    expect(headers.originator).toBe("codex_effect")
    expect(headers["user-agent"]).toMatch(new RegExp(`^codex-effect/${VERSION.replaceAll(".", "\\.")} \\([^;]+; [a-z0-9_]+\\) node/\\d+\\.\\d+\\.\\d+$`))
  })
})
