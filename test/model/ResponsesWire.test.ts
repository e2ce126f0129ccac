/**
 * The Responses wire: the request body, items as they are resent, SSE events →
 * ResponseEvents, and ResponseItem decoding.
 */
import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { ModelError } from "../../src/model/ModelError.js"
import type { Prompt } from "../../src/model/Prompt.js"
import { ResponseEvent } from "../../src/model/ResponseEvent.js"
import { decodeResponseItem, type ResponseItem, userText } from "../../src/model/ResponseItem.js"
import { mapResponsesEvent, responsesRequestBody, wireItem } from "../../src/model/ResponsesWire.js"

const prompt = (overrides: Partial<Prompt> = {}): Prompt => ({
  model: "gpt-5",
  instructions: "be useful",
  input: [userText("hi")],
  tools: [],
  reasoning: { effort: "medium", summary: "auto" },
  ...overrides
})

describe("responsesRequestBody", () => {
  it("is the reference request body for a reasoning model", () => {
    assert.deepStrictEqual(responsesRequestBody(prompt({ promptCacheKey: "conv-1" })), {
      model: "gpt-5",
      instructions: "be useful",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: false,
      reasoning: { effort: "medium", summary: "auto" },
      store: false,
      stream: true,
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "conv-1"
    })
  })

  it("constrains the answer with the reference's strict text.format beside the verbosity", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } }
    assert.deepStrictEqual(responsesRequestBody(prompt({ verbosity: "low", outputSchema: schema })).text, {
      verbosity: "low",
      format: { type: "json_schema", strict: true, schema, name: "codex_output_schema" }
    })
    assert.deepStrictEqual(responsesRequestBody(prompt({ outputSchema: schema })).text, {
      format: { type: "json_schema", strict: true, schema, name: "codex_output_schema" }
    })
    assert.notProperty(responsesRequestBody(prompt()), "text")
  })

  it.each([
    { model: "o3", reasoning: { effort: "high", summary: "none" }, expected: { effort: "high" } },
    { model: "codex-mini-latest", reasoning: { effort: "low", summary: "concise" }, expected: { effort: "low", summary: "concise" } },
    { model: "gpt-5", reasoning: undefined, expected: null }
  ] as const)("reasoning for $model: $expected", ({ model, reasoning, expected }) => {
    const body = responsesRequestBody(prompt({ model, reasoning }))
    assert.deepStrictEqual(body.reasoning, expected)
    assert.deepStrictEqual(body.include, expected === null ? [] : ["reasoning.encrypted_content"])
  })
})

describe("wireItem", () => {
  it.each<{ name: string; item: ResponseItem; sent: ResponseItem }>([
    {
      name: "message ids are dropped",
      item: { type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text: "x" }] },
      sent: { type: "message", role: "assistant", content: [{ type: "output_text", text: "x" }] }
    },
    {
      name: "function call ids are dropped, call ids kept",
      item: { type: "function_call", id: "fc_1", name: "shell", arguments: "{}", call_id: "c1" },
      sent: { type: "function_call", name: "shell", arguments: "{}", call_id: "c1" }
    },
    {
      name: "reasoning keeps encrypted content, drops text-only content",
      item: { type: "reasoning", id: "rs_1", summary: [], content: [{ type: "text", text: "t" }], encrypted_content: "enc" },
      sent: { type: "reasoning", summary: [], encrypted_content: "enc" }
    },
    {
      name: "reasoning keeps reasoning_text content",
      item: { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "t" }] },
      sent: { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "t" }] }
    },
    {
      name: "outputs are unchanged",
      item: { type: "custom_tool_call_output", call_id: "c", output: "Done!" },
      sent: { type: "custom_tool_call_output", call_id: "c", output: "Done!" }
    }
  ])("$name", ({ item, sent }) => {
    assert.deepStrictEqual(wireItem(item), sent)
  })
})

describe("mapResponsesEvent", () => {
  it.each<{ event: object; expected: ResponseEvent | undefined }>([
    { event: { type: "response.created", response: {} }, expected: ResponseEvent.Created() },
    { event: { type: "response.output_text.delta", delta: "a" }, expected: ResponseEvent.OutputTextDelta({ delta: "a" }) },
    { event: { type: "response.reasoning_summary_text.delta", delta: "r" }, expected: ResponseEvent.ReasoningSummaryDelta({ delta: "r" }) },
    { event: { type: "response.reasoning_summary_part.added" }, expected: ResponseEvent.ReasoningSummaryPartAdded() },
    { event: { type: "response.reasoning_text.delta", delta: "raw" }, expected: ResponseEvent.ReasoningContentDelta({ delta: "raw" }) },
    {
      event: { type: "response.output_item.done", item: { type: "custom_tool_call", status: "completed", call_id: "c", name: "apply_patch", input: "p" } },
      expected: ResponseEvent.OutputItemDone({ item: { type: "custom_tool_call", call_id: "c", name: "apply_patch", input: "p" } })
    },
    {
      event: { type: "response.output_item.added", item: { type: "web_search_call", id: "ws", status: "in_progress" } },
      expected: ResponseEvent.WebSearchBegin({ callId: "ws" })
    },
    {
      event: { type: "response.output_item.done", item: { type: "web_search_call", id: "ws", action: { type: "search", query: "q" } } },
      expected: ResponseEvent.WebSearchEnd({ callId: "ws", query: "q" })
    },
    { event: { type: "response.output_item.added", item: { type: "message", id: "m" } }, expected: undefined },
    { event: { type: "response.output_item.done", item: { type: "local_shell_call", id: "ls" } }, expected: undefined },
    {
      event: { type: "response.completed", response: { id: "r1", usage: { input_tokens: 3, output_tokens: 4, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 7 } } },
      expected: ResponseEvent.Completed({
        responseId: "r1",
        tokenUsage: { input_tokens: 3, cached_input_tokens: undefined, output_tokens: 4, reasoning_output_tokens: 1, total_tokens: 7 }
      })
    },
    { event: { type: "response.completed", response: { id: "r2" } }, expected: ResponseEvent.Completed({ responseId: "r2", tokenUsage: undefined }) },
    { event: { type: "response.in_progress" }, expected: undefined },
    { event: { type: "response.output_text.delta", delta: 5 }, expected: undefined }
  ])("$event.type", ({ event, expected }) => {
    assert.deepStrictEqual(mapResponsesEvent(event as { type: string }), expected)
  })

  it.each([
    { event: { type: "response.failed", response: { error: { message: "overloaded" } } }, message: "overloaded" },
    { event: { type: "response.failed", response: {} }, message: "response.failed event received" },
    { event: { type: "error", message: "bad" }, message: "bad" }
  ])("$event.type is a retryable stream error: $message", ({ event, message }) => {
    const mapped = mapResponsesEvent(event)
    assert.instanceOf(mapped, ModelError)
    assert.deepStrictEqual(mapped instanceof ModelError ? [mapped.message, mapped.retry] : [], [message, "stream"])
  })
})

describe("decodeResponseItem", () => {
  it("drops unknown fields and unknown kinds", () => {
    assert.deepStrictEqual(
      decodeResponseItem({ type: "function_call", id: "fc", status: "completed", name: "n", arguments: "{}", call_id: "c" }),
      Option.some({ type: "function_call", id: "fc", name: "n", arguments: "{}", call_id: "c" })
    )
    assert.isTrue(Option.isNone(decodeResponseItem({ type: "local_shell_call", call_id: "c", action: {} })))
    assert.isTrue(Option.isNone(decodeResponseItem({ type: "message", role: "user", content: [{ type: "refusal" }] })))
    assert.isTrue(Option.isNone(decodeResponseItem("nonsense")))
  })
})
