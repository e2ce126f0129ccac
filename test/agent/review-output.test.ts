/**
 * The review read from the reviewer's final message and the texts made of it, against what the reference
 * (0.153.4) produced for the same model outputs.
 */
import { assert, describe, it } from "@effect/vitest"
import { parseReviewOutput, reviewResultsMessage } from "../../src/agent/review/ReviewOutput.js"
import { REVIEW_FALLBACK_MESSAGE, reviewText } from "../../src/rpc/Review.js"

const finding = (title: string, body: string, path: string, start: number, end: number, priority = 1) => ({
  title,
  body,
  confidence_score: 0.5,
  priority,
  code_location: { absolute_file_path: path, line_range: { start, end } }
})

const review = (findings: ReadonlyArray<ReturnType<typeof finding>>, explanation: string) =>
  JSON.stringify({ findings, overall_correctness: "patch is incorrect", overall_explanation: explanation, overall_confidence_score: 0.5 })

describe("review output", () => {
  it("two findings: the explanation trimmed, then every finding with its location and indented body", () => {
    const output = parseReviewOutput(review([finding("A", "line1\nline2", "/p/x.ts", 3, 3, 2), finding("B", "b", "/p/y.ts", 1, 9, 3)], "  Two.  "))
    const text = "Two.\n\nFull review comments:\n\n- A — /p/x.ts:3-3\n  line1\n  line2\n\n- B — /p/y.ts:1-9\n  b"
    assert.strictEqual(reviewText(output), text)
    assert.strictEqual(
      reviewResultsMessage(output),
      `<user_action>\n  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>\n  <action>review</action>\n  <results>\n  ${text}\n  </results>\n  </user_action>\n`
    )
  })

  it("JSON inside prose is found; a finding without a priority makes the whole text the explanation", () => {
    assert.strictEqual(reviewText(parseReviewOutput(`Here: ${review([], "fine")} thanks`)), "fine")
    const noPriority = JSON.stringify({ ...JSON.parse(review([], "x")), findings: [{ ...finding("A", "a", "/p", 1, 1), priority: null }] })
    assert.strictEqual(reviewText(parseReviewOutput(noPriority)), noPriority)
    assert.strictEqual(reviewText(parseReviewOutput('Sure: {"overall_explanation":"only this"} done')), 'Sure: {"overall_explanation":"only this"} done')
  })

  it("nothing said: the fallback is shown and the results are empty", () => {
    const output = parseReviewOutput(review([], ""))
    assert.strictEqual(reviewText(output), REVIEW_FALLBACK_MESSAGE)
    assert.include(reviewResultsMessage(output), "<results>\n  \n  </results>")
  })
})
