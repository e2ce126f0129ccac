/**
 * The review a reviewer model gives back, as the review instructions ask for it and as the reference's
 * `exited_review_mode` event carries it, and the review as text, as the reference shows it to the user.
 */
import { Schema } from "effect"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

export const ReviewFinding = Schema.Struct({
  title: Schema.String,
  body: Schema.String,
  confidence_score: Schema.Finite,
  /** 0 (P0) to 3 (P3); the reference refuses a review whose finding has none. */
  priority: Count,
  code_location: Schema.Struct({
    absolute_file_path: Schema.String,
    line_range: Schema.Struct({ start: Count, end: Count })
  })
})
export type ReviewFinding = typeof ReviewFinding.Type

export const ReviewOutput = Schema.Struct({
  findings: Schema.Array(ReviewFinding),
  overall_correctness: Schema.String,
  overall_explanation: Schema.String,
  overall_confidence_score: Schema.Finite
})
export type ReviewOutput = typeof ReviewOutput.Type

/** Rust's `str::lines`: no trailing empty line, `\r\n` ends a line too. */
const linesOf = (text: string) => {
  if (text === "") return []
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""))
  return text.endsWith("\n") ? lines.slice(0, -1) : lines
}

/** The findings as a list: a header, then per finding its title, location and indented body. */
export const findingsBlock = (findings: ReadonlyArray<ReviewFinding>): string =>
  [
    "",
    findings.length > 1 ? "Full review comments:" : "Review comment:",
    ...findings.flatMap((finding) => {
      const { absolute_file_path: path, line_range: range } = finding.code_location
      return ["", `- ${finding.title} — ${path}:${range.start}-${range.end}`, ...linesOf(finding.body).map((line) => `  ${line}`)]
    })
  ].join("\n")

/** What a reviewer said when it said nothing usable (and what an interrupted review shows). */
export const REVIEW_FALLBACK_MESSAGE = "Reviewer failed to output a response."

/** The review as the user reads it: the explanation, then the findings. */
export const reviewText = (output: ReviewOutput): string => {
  const sections: Array<string> = []
  const explanation = output.overall_explanation.trim()
  if (explanation !== "") sections.push(explanation)
  if (output.findings.length > 0) sections.push(findingsBlock(output.findings).trim())
  return sections.length > 0 ? sections.join("\n\n") : REVIEW_FALLBACK_MESSAGE
}
