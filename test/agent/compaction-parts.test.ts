/**
 * The pure parts of compaction: the model table and its overrides, which provider errors count as
 * a context overflow, what the compacted history keeps, and the trimming of a history too long to
 * summarise.
 */
import { assert, describe, it } from "@effect/vitest"
import { compactedHistory, withoutOldestHalf } from "../../src/agent/compact/CompactedHistory.js"
import { SUMMARY_PREFIX } from "../../src/agent/compact/CompactPrompt.js"
import { userTextMessage } from "../../src/agent/InputMessages.js"
import { isContextOverflow } from "../../src/model/ModelError.js"
import { ModelError } from "../../src/model/ModelError.js"
import { modelLimits } from "../../src/model/ModelInfo.js"
import { assistantText, type ResponseItem } from "../../src/model/ResponseItem.js"

const none = { contextWindow: undefined, maxOutputTokens: undefined, autoCompactTokenLimit: undefined }

describe("modelLimits", () => {
  const cases: ReadonlyArray<[string, number | undefined, number | undefined]> = [
    ["gpt-5", 400_000, 128_000],
    ["gpt-5-codex", 400_000, 128_000],
    ["codex-mini-latest", 200_000, 100_000],
    ["o3", 200_000, 100_000],
    ["o4-mini", 200_000, 100_000],
    ["gpt-4.1-mini", 1_047_576, 32_768],
    ["gpt-4o", 128_000, 16_384],
    ["gpt-4o-2024-05-13", 128_000, 4_096],
    ["gpt-oss-120b", 96_000, 32_000],
    ["llama3", undefined, undefined]
  ]
  for (const [model, window, output] of cases) {
    it(`knows ${model}`, () => {
      const limits = modelLimits(model, none)
      assert.strictEqual(limits.contextWindow, window)
      assert.strictEqual(limits.maxOutputTokens, output)
      assert.strictEqual(limits.autoCompactTokenLimit, window === undefined ? undefined : Math.floor(window * 0.9))
    })
  }

  it("lets the config override the table and the limit", () => {
    assert.deepStrictEqual(modelLimits("gpt-5", { contextWindow: 1000, maxOutputTokens: 100, autoCompactTokenLimit: undefined }), {
      contextWindow: 1000,
      maxOutputTokens: 100,
      autoCompactTokenLimit: 900
    })
    assert.strictEqual(modelLimits("llama3", { ...none, autoCompactTokenLimit: 5000 }).autoCompactTokenLimit, 5000)
  })
})

describe("isContextOverflow", () => {
  const cases: ReadonlyArray<[string, number | undefined, boolean]> = [
    ["unexpected status 400 from the model provider: This model's maximum context length is 8192 tokens", 400, true],
    ["Your input exceeds the context window of this model. Please adjust your input and try again.", undefined, true],
    ["unexpected status 400 from the model provider: context_length_exceeded", 400, true],
    ["unexpected status 400 from the model provider: invalid tool schema", 400, false],
    ["unexpected status 500 from the model provider: maximum context length", 500, false]
  ]
  for (const [message, status, expected] of cases) {
    it(`${expected ? "sees" : "does not see"} an overflow in "${message.slice(0, 60)}"`, () => {
      const error = new ModelError({ message, retry: "none", ...(status !== undefined ? { status } : {}) })
      assert.strictEqual(isContextOverflow(error), expected)
    })
  }
})

const context = userTextMessage("<environment_context>\n  <cwd>/w</cwd>\n</environment_context>")
const call = (id: string): ResponseItem => ({ type: "function_call", name: "shell", arguments: "{}", call_id: id })
const output = (id: string): ResponseItem => ({ type: "function_call_output", call_id: id, output: "ok" })

describe("compactedHistory", () => {
  it("keeps the context, the user's messages (not earlier summaries) and the new summary", () => {
    const history = [
      context,
      userTextMessage("first"),
      call("c1"),
      output("c1"),
      assistantText("did it"),
      userTextMessage(`${SUMMARY_PREFIX}\n\nold summary`),
      userTextMessage("second")
    ]
    assert.deepStrictEqual(compactedHistory(history, "new summary"), [
      context,
      userTextMessage("first"),
      userTextMessage("second"),
      userTextMessage(`${SUMMARY_PREFIX}\n\nnew summary`)
    ])
  })

  it("keeps only the newest user messages that fit the budget", () => {
    const long = "x".repeat(50_000)
    const kept = compactedHistory([userTextMessage(long), userTextMessage(`${long}!`), userTextMessage("last")], "s")
    assert.deepStrictEqual(kept.slice(0, -1), [userTextMessage(`${long}!`), userTextMessage("last")])
  })
})

describe("withoutOldestHalf", () => {
  it("drops the older half after the context and any output whose call went with it", () => {
    const history = [context, call("c1"), userTextMessage("a"), output("c1"), call("c2"), output("c2")]
    assert.deepStrictEqual(withoutOldestHalf(history), [context, call("c2"), output("c2")])
  })
})
