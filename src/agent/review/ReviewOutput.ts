/**
 * What a review gives back: the reviewer model's final message read as the review JSON its instructions
 * ask for (`findings`, `overall_correctness`, ...), and the messages that tell the thread's model what the
 * review said (or that it was interrupted), as the reference records them.
 */
import { Option, Schema } from "effect"
import { findingsBlock, ReviewOutput } from "../../rpc/Review.js"

const decodeOutput = Schema.decodeUnknownOption(ReviewOutput)

const fromJson = (text: string): Option.Option<ReviewOutput> => {
  try {
    return decodeOutput(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/**
 * The review in the reviewer's final message: the whole text as JSON, else the span from its first `{`
 * to its last `}`, else the text itself as the explanation of a review without findings.
 */
export const parseReviewOutput = (text: string): ReviewOutput => {
  const whole = fromJson(text)
  if (Option.isSome(whole)) return whole.value
  const start = text.indexOf("{")
  const end = text.lastIndexOf("}")
  const inner = start >= 0 && start < end ? fromJson(text.slice(start, end + 1)) : Option.none()
  if (Option.isSome(inner)) return inner.value
  return { findings: [], overall_correctness: "", overall_explanation: text, overall_confidence_score: 0 }
}

/** The user message recorded in the thread after a review: what the thread's model later reads of it. */
export const reviewResultsMessage = (output: ReviewOutput): string => {
  const explanation = output.overall_explanation.trim()
  const results = output.findings.length > 0 ? `${explanation}\n${findingsBlock(output.findings)}` : explanation
  return [
    "<user_action>",
    "  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>",
    "  <action>review</action>",
    "  <results>",
    `  ${results}`,
    "  </results>",
    "  </user_action>",
    ""
  ].join("\n")
}

/** The user message recorded in the thread when its review was interrupted. */
export const REVIEW_INTERRUPTED_MESSAGE = [
  "<user_action>",
  "  <context>User initiated a review task, but was interrupted. If user asks about this, tell them to re-initiate a review with `/review` and wait for it to complete.</context>",
  "  <action>review</action>",
  "  <results>",
  "  None.",
  "  </results>",
  "</user_action>",
  "",
  ""
].join("\n")

/** The assistant message recorded (and shown) when a review was interrupted. */
export const REVIEW_INTERRUPTED_TEXT = "Review was interrupted. Please re-run /review and wait for it to complete."
