/**
 * The Chat Completions wire: history → chat messages, and streamed chunks →
 * ResponseEvents, including the tool-call shapes different providers stream.
 */
import { assert, describe, it } from "@effect/vitest"
import { type ChatChunk, chatMessages, chatRequestBody, makeChatAccumulator } from "../../src/model/ChatWire.js"
import { ModelError } from "../../src/model/ModelError.js"
import { MAX_TOOL_CALLS_PER_RESPONSE, MAX_TOOL_INPUT_CHARS } from "../../src/model/ModelOutputLimits.js"
import type { Prompt } from "../../src/model/Prompt.js"
import type { ResponseEvent } from "../../src/model/ResponseEvent.js"
import { assistantText, userText } from "../../src/model/ResponseItem.js"

const prompt = (input: Prompt["input"], tools: Prompt["tools"] = []): Prompt => ({
  model: "gpt-oss:20b",
  instructions: "sys",
  input,
  tools
})

/** Feeds every chunk; returns all events and whether the turn ended. */
const run = (chunks: ReadonlyArray<ChatChunk>) => {
  const accumulator = makeChatAccumulator()
  const events = chunks.flatMap((chunk): ReadonlyArray<ResponseEvent> => {
    const released = accumulator.push(chunk)
    if (released instanceof ModelError) throw released
    return released
  })
  return { events, done: accumulator.done }
}

const itemsOf = (events: ReadonlyArray<ResponseEvent>) =>
  events.flatMap((event) => (event._tag === "OutputItemDone" ? [event.item] : []))

const call = (id: string, name: string, args: string) => ({ type: "function_call" as const, name, arguments: args, call_id: id })

describe("chatMessages", () => {
  it("puts the instructions first and maps each history item", () => {
    const messages = chatMessages(prompt([
      userText("list files"),
      { type: "reasoning", summary: [{ type: "summary_text", text: "dropped" }] },
      { type: "function_call", id: "fc_1", name: "shell", arguments: "{\"command\":[\"ls\"]}", call_id: "c1" },
      { type: "function_call", name: "shell", arguments: "{\"command\":[\"pwd\"]}", call_id: "c2" },
      { type: "function_call_output", call_id: "c1", output: "a.txt" },
      { type: "custom_tool_call", name: "apply_patch", input: "*** Begin Patch", call_id: "c3" },
      { type: "custom_tool_call_output", call_id: "c3", output: "Done!" },
      assistantText("two files"),
      { type: "message", role: "developer", content: [{ type: "input_text", text: "dev note" }] }
    ]))
    assert.deepStrictEqual(messages, [
      { role: "system", content: "sys" },
      { role: "user", content: "list files" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "shell", arguments: "{\"command\":[\"ls\"]}" } },
          { id: "c2", type: "function", function: { name: "shell", arguments: "{\"command\":[\"pwd\"]}" } }
        ]
      },
      { role: "tool", tool_call_id: "c1", content: "a.txt" },
      { role: "assistant", content: null, tool_calls: [{ id: "c3", type: "function", function: { name: "apply_patch", arguments: "*** Begin Patch" } }] },
      { role: "tool", tool_call_id: "c3", content: "Done!" },
      { role: "assistant", content: "two files" },
      { role: "system", content: "dev note" }
    ])
  })

  it("keeps images as parts, and joins plain text parts", () => {
    const messages = chatMessages(prompt([
      { type: "message", role: "user", content: [{ type: "input_text", text: "a" }, { type: "input_text", text: "b" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "see" }, { type: "input_image", image_url: "data:x" }] }
    ]))
    assert.deepStrictEqual(messages.slice(1), [
      { role: "user", content: "ab" },
      { role: "user", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url: "data:x" } }] }
    ])
  })
})

describe("chatRequestBody", () => {
  it("sends function tools only, with strict, and no tools key when there are none", () => {
    const body = chatRequestBody(prompt([userText("hi")], [
      { type: "function", name: "shell", description: "run", strict: false, parameters: { type: "object" } },
      { type: "custom", name: "apply_patch", description: "patch", format: { type: "grammar" } }
    ]))
    assert.deepStrictEqual(body.tools, [
      { type: "function", function: { name: "shell", description: "run", strict: false, parameters: { type: "object" } } }
    ])
    assert.strictEqual(body.stream, true)
    assert.notProperty(chatRequestBody(prompt([userText("hi")])), "tools")
  })

  it("constrains the answer with response_format when there is an output schema", () => {
    const schema = { type: "object" }
    assert.deepStrictEqual(chatRequestBody({ ...prompt([userText("hi")]), outputSchema: schema }).response_format, {
      type: "json_schema",
      json_schema: { name: "codex_output_schema", strict: true, schema }
    })
    assert.notProperty(chatRequestBody(prompt([userText("hi")])), "response_format")
  })
})

describe("makeChatAccumulator", () => {
  const chunk = (delta: object, finish: string | null = null): ChatChunk => ({ id: "chat_1", choices: [{ delta, finish_reason: finish }] })

  it.each([
    {
      name: "arguments split across chunks, by index",
      chunks: [
        chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "shell", arguments: "{\"comm" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: "and\":[]}" } }] }, "tool_calls")
      ],
      items: [call("c1", "shell", "{\"command\":[]}")]
    },
    {
      name: "two calls interleaved by index",
      chunks: [
        chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "one", arguments: "{" } }, { index: 1, id: "b", function: { name: "two", arguments: "{" } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: "}" } }, { index: 0, function: { arguments: "}" } }] }, "tool_calls")
      ],
      items: [call("a", "one", "{}"), call("b", "two", "{}")]
    },
    {
      name: "the reference mock's shape: one chunk, no index, finish_reason on it",
      chunks: [chunk({ tool_calls: [{ id: "call1234", function: { name: "shell", arguments: "{\"command\":[\"ls\"]}" } }] }, "tool_calls")],
      items: [call("call1234", "shell", "{\"command\":[\"ls\"]}")]
    },
    {
      name: "no index: a new id starts the next call, pieces without an id continue the last",
      chunks: [
        chunk({ tool_calls: [{ id: "a", function: { name: "one", arguments: "{" } }] }),
        chunk({ tool_calls: [{ function: { arguments: "}" } }] }),
        chunk({ tool_calls: [{ id: "b", function: { name: "two", arguments: "{}" } }] }, "tool_calls")
      ],
      items: [call("a", "one", "{}"), call("b", "two", "{}")]
    },
    {
      name: "a name repeated in every chunk counts once",
      chunks: [
        chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "shell", arguments: "{" } }] }),
        chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "shell", arguments: "}" } }] }, "tool_calls")
      ],
      items: [call("a", "shell", "{}")]
    }
  ])("tool calls: $name", ({ chunks, items }) => {
    const { events, done } = run(chunks)
    assert.isTrue(done)
    assert.deepStrictEqual(itemsOf(events), items)
    assert.strictEqual(events.at(-1)?._tag, "Completed")
  })

  it("streams text and reasoning deltas, then reasoning, message and calls at finish_reason", () => {
    const { events } = run([
      chunk({ role: "assistant", reasoning: "think " }),
      chunk({ reasoning_content: "more" }),
      chunk({ reasoning: { text: "!" } }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({ tool_calls: [{ index: 0, id: "c", function: { name: "f", arguments: "{}" } }] }, "tool_calls")
    ])
    assert.deepStrictEqual(events.map((event) => event._tag), [
      "ReasoningContentDelta",
      "ReasoningContentDelta",
      "ReasoningContentDelta",
      "OutputTextDelta",
      "OutputTextDelta",
      "OutputItemDone",
      "OutputItemDone",
      "OutputItemDone",
      "Completed"
    ])
    assert.deepStrictEqual(itemsOf(events), [
      { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "think more!" }] },
      assistantText("Hello"),
      call("c", "f", "{}")
    ])
    assert.deepStrictEqual(events.at(-1), { _tag: "Completed", responseId: "chat_1" })
  })

  it("is not done without a finish_reason, and ignores chunks after it", () => {
    const accumulator = makeChatAccumulator()
    accumulator.push(chunk({ content: "partial" }))
    accumulator.push({ choices: [] })
    assert.isFalse(accumulator.done)
    const finished = accumulator.push(chunk({ content: "" }, "stop"))
    assert.strictEqual(finished instanceof ModelError ? undefined : finished.at(-1)?._tag, "Completed")
    assert.deepStrictEqual(accumulator.push(chunk({ content: "late" }, "stop")), [])
  })
})

describe("chat accumulator caps (a flooding model)", () => {
  const chunk = (delta: object, finish: string | null = null): ChatChunk => ({ id: "chat_1", choices: [{ delta, finish_reason: finish }] })
  it("keeps a call's arguments only one character past the cap, so the call is refused, not buffered", () => {
    const accumulator = makeChatAccumulator()
    const piece = "x".repeat(1024 * 1024)
    accumulator.push(chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "shell", arguments: "" } }] }))
    for (let i = 0; i < 12; i++) accumulator.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }))
    const released = accumulator.push(chunk({}, "tool_calls"))
    if (released instanceof ModelError) throw released
    const item = released.flatMap((event) => event._tag === "OutputItemDone" ? [event.item] : [])[0]
    assert.strictEqual(item?.type === "function_call" ? item.arguments.length : 0, MAX_TOOL_INPUT_CHARS + 1)
  })

  it("fails the response on too many calls, a huge index, or too much text", () => {
    const many = makeChatAccumulator()
    let outcome: unknown
    for (let index = 0; index <= MAX_TOOL_CALLS_PER_RESPONSE && !(outcome instanceof ModelError); index++) {
      outcome = many.push(chunk({ tool_calls: [{ index, id: `c${index}`, function: { name: "shell", arguments: "{}" } }] }))
    }
    assert.instanceOf(outcome, ModelError)
    assert.match((outcome as ModelError).message, /tool calls or more, the limit is 128/)

    const sparse = makeChatAccumulator()
    const started = performance.now()
    sparse.push(chunk({ tool_calls: [{ index: 1_000_000_000, id: "far", function: { name: "shell", arguments: "{}" } }] }))
    const released = sparse.push(chunk({}, "tool_calls"))
    assert.isBelow(performance.now() - started, 100)
    assert.deepStrictEqual(released instanceof ModelError ? [] : itemsOf(released), [call("far", "shell", "{}")])

    const chatty = makeChatAccumulator()
    let text: unknown
    for (let i = 0; i < 10 && !(text instanceof ModelError); i++) text = chatty.push(chunk({ content: "y".repeat(1024 * 1024) }))
    assert.instanceOf(text, ModelError)
    assert.strictEqual((text as ModelError).retry, "none")
  })
})
