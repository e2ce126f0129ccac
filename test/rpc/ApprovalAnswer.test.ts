/**
 * The approval decision table (docs/differences.md, Elicitation answers): the reference's `{decision}`, a standard MCP
 * `{action, content?}`, and everything else (which must never approve).
 */
import { assert, describe, it } from "@effect/vitest"
import { decisionFromAnswer } from "../../src/rpc/ApprovalAnswer.js"
import type { ReviewDecision } from "../../src/rpc/Enums.js"

const table: ReadonlyArray<readonly [string, unknown, ReviewDecision]> = [
  // the reference's answer
  ["{decision: approved}", { decision: "approved" }, "approved"],
  ["{decision: approved_for_session}", { decision: "approved_for_session" }, "approved_for_session"],
  ["{decision: denied}", { decision: "denied" }, "denied"],
  ["{decision: abort}", { decision: "abort" }, "abort"],
  ["{decision} with extra fields", { decision: "approved", note: "ok" }, "approved"],
  // a standard MCP elicitation answer
  ["accept", { action: "accept" }, "approved"],
  ["accept with content null", { action: "accept", content: null }, "approved"],
  ["accept with empty content", { action: "accept", content: {} }, "approved"],
  ["accept with content.decision approved_for_session", { action: "accept", content: { decision: "approved_for_session" } }, "approved_for_session"],
  ["accept with content.decision denied", { action: "accept", content: { decision: "denied" } }, "denied"],
  ["accept with content.decision abort", { action: "accept", content: { decision: "abort" } }, "abort"],
  ["accept with other content fields only", { action: "accept", content: { comment: "fine" } }, "approved"],
  ["decline", { action: "decline" }, "denied"],
  ["decline ignores content.decision", { action: "decline", content: { decision: "approved" } }, "denied"],
  ["cancel", { action: "cancel" }, "abort"],
  ["cancel ignores content.decision", { action: "cancel", content: { decision: "approved" } }, "abort"],
  // anything else counts as denied: never an approval by accident
  ["unknown decision", { decision: "maybe" }, "denied"],
  ["decision in the wrong case", { decision: "Approved" }, "denied"],
  ["decision null", { decision: null }, "denied"],
  ["unknown action", { action: "ACCEPT" }, "denied"],
  ["accept with an unknown content.decision", { action: "accept", content: { decision: "always" } }, "denied"],
  ["accept with content that is a string", { action: "accept", content: "approved" }, "denied"],
  ["empty object", {}, "denied"],
  ["null", null, "denied"],
  ["undefined", undefined, "denied"],
  ["a bare string", "approved", "denied"],
  ["an array", [{ decision: "approved" }], "denied"]
]

describe("decisionFromAnswer", () => {
  it.each(table)("%s", (_name, answer, expected) => {
    assert.strictEqual(decisionFromAnswer(answer), expected)
  })

  it("takes the stricter of the two forms when an answer carries both", () => {
    assert.strictEqual(decisionFromAnswer({ decision: "approved", action: "decline" }), "denied")
    assert.strictEqual(decisionFromAnswer({ decision: "approved_for_session", action: "cancel" }), "abort")
    assert.strictEqual(decisionFromAnswer({ decision: "denied", action: "accept" }), "denied")
    assert.strictEqual(decisionFromAnswer({ decision: "approved_for_session", action: "accept" }), "approved")
    assert.strictEqual(decisionFromAnswer({ decision: "approved", action: "accept", content: { decision: "approved_for_session" } }), "approved")
    assert.strictEqual(decisionFromAnswer({ decision: "approved", action: "bogus" }), "approved")
  })
})
