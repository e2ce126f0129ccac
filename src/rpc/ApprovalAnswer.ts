/**
 * Reads a client's answer to an approval request (an `elicitation/create`, `execCommandApproval` or
 * `applyPatchApproval`) as a `ReviewDecision`, either the reference's `{decision}` or a
 * standard MCP `{action, content?}` (with both, the stricter). Anything else, and any JSON-RPC error, counts as `denied`.
 */
import { Schema } from "effect"
import { ReviewDecision } from "./Enums.js"

const DecisionAnswer = Schema.Struct({ decision: ReviewDecision })
const ActionAnswer = Schema.Struct({
  action: Schema.Literals(["accept", "decline", "cancel"]),
  content: Schema.optionalKey(Schema.NullOr(Schema.Struct({ decision: Schema.optionalKey(ReviewDecision) })))
})

const decodeDecision = Schema.decodeUnknownOption(DecisionAnswer)
const decodeAction = Schema.decodeUnknownOption(ActionAnswer)

/** From the most to the least restrictive. */
const STRICTNESS: ReadonlyArray<ReviewDecision> = ["abort", "denied", "approved", "approved_for_session"]

const actionDecision = (answer: typeof ActionAnswer.Type): ReviewDecision => {
  switch (answer.action) {
    case "accept":
      return answer.content?.decision ?? "approved"
    case "decline":
      return "denied"
    case "cancel":
      return "abort"
  }
}

export const decisionFromAnswer = (answer: unknown): ReviewDecision => {
  const direct = decodeDecision(answer)
  const mcp = decodeAction(answer)
  if (mcp._tag === "None") return direct._tag === "Some" ? direct.value.decision : "denied"
  if (direct._tag === "None") return actionDecision(mcp.value)
  // Both forms in one answer that disagree: the stricter one, so a "decline" never runs the command.
  const decisions = [direct.value.decision, actionDecision(mcp.value)]
  return STRICTNESS.find((decision) => decisions.includes(decision)) ?? "denied"
}
