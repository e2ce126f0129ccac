/**
 * Reads a client's answer to an approval request (an `elicitation/create`, `execCommandApproval` or
 * `applyPatchApproval`) as a `ReviewDecision`, either the reference's `{decision}` or a
 * standard MCP `{action, content?}`. Anything else, and any JSON-RPC error, counts as `denied`.
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

export const decisionFromAnswer = (answer: unknown): ReviewDecision => {
  const direct = decodeDecision(answer)
  if (direct._tag === "Some") return direct.value.decision
  const mcp = decodeAction(answer)
  if (mcp._tag === "None") return "denied"
  switch (mcp.value.action) {
    case "accept":
      return mcp.value.content?.decision ?? "approved"
    case "decline":
      return "denied"
    case "cancel":
      return "abort"
  }
}
