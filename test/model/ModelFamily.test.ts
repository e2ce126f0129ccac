/** Model families by slug prefix: what each says about reasoning, verbosity and the apply_patch tool. */
import { assert, describe, it } from "@effect/vitest"
import { modelFamily, sendsReasoning } from "../../src/model/ModelFamily.js"

describe("modelFamily", () => {
  it.each([
    ["gpt-5", "gpt-5", true, true, false],
    ["gpt-5-codex", "gpt-5", true, true, false],
    ["o3-pro", "o3", true, false, false],
    ["o4-mini-2025", "o4-mini", true, false, false],
    ["codex-mini-latest", "codex-mini-latest", true, false, false],
    ["codex-1", "codex-1", true, false, false],
    ["gpt-oss:20b", "gpt-oss", false, false, true],
    ["gpt-4.1-mini", "gpt-4.1", false, false, false],
    ["gpt-4o", "gpt-4o", false, false, false],
    ["llama3", "llama3", false, false, false]
  ] as const)("%s → %s", (slug, family, reasoning, verbosity, applyPatch) => {
    assert.deepStrictEqual(modelFamily(slug), {
      family,
      supportsReasoningSummaries: reasoning,
      supportsVerbosity: verbosity,
      applyPatchFunctionTool: applyPatch
    })
  })

  it("model_supports_reasoning_summaries forces reasoning", () => {
    assert.isFalse(sendsReasoning("llama3", false))
    assert.isTrue(sendsReasoning("llama3", true))
    assert.isTrue(sendsReasoning("o3", false))
  })
})
