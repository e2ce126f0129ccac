/**
 * The review a reviewer model gives back, as the review instructions ask for it and as the reference's
 * `exited_review_mode` event carries it.
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
