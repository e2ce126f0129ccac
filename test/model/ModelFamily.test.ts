/** Model families by slug prefix: what each says about reasoning, verbosity, the apply_patch tool and the command tool. */
import { assert, describe, it } from "@effect/vitest"
import { modelFamily, sendsReasoning } from "../../src/model/ModelFamily.js"

describe("modelFamily", () => {
  it.each([
    ["gpt-5", "gpt-5", true, true, false, false],
    ["gpt-5-codex", "gpt-5", true, true, false, false],
    ["gpt-5.1", "gpt-5", true, true, false, true],
    ["gpt-5.1-codex-max", "gpt-5", true, true, false, true],
    ["gpt-6", "gpt-5", true, true, false, true],
    ["o3-pro", "o3", true, false, false, false],
    ["o4-mini-2025", "o4-mini", true, false, false, false],
    ["codex-mini-latest", "codex-mini-latest", true, false, false, false],
    ["codex-1", "codex-1", true, false, false, false],
    ["gpt-oss:20b", "gpt-oss", false, false, true, false],
    ["gpt-4.1-mini", "gpt-4.1", false, false, false, false],
    ["gpt-4o", "gpt-4o", false, false, false, false],
    ["llama3", "llama3", false, false, false, false]
  ] as const)("%s → %s", (slug, family, reasoning, verbosity, applyPatch, unifiedExec) => {
    assert.deepStrictEqual(modelFamily(slug), {
      family,
      supportsReasoningSummaries: reasoning,
      supportsVerbosity: verbosity,
      applyPatchFunctionTool: applyPatch,
      unifiedExec
    })
  })

  it("model_supports_reasoning_summaries forces reasoning", () => {
    assert.isFalse(sendsReasoning("llama3", false))
    assert.isTrue(sendsReasoning("llama3", true))
    assert.isTrue(sendsReasoning("o3", false))
  })
})
