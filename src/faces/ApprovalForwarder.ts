/**
 * One approval, from the event to the conversation, for both ways of asking the client: an
 * `elicitation/create` on the MCP tool path and `execCommandApproval` / `applyPatchApproval` /
 * `mcpToolCallApproval` on the conversation API. The client's answer is read as a decision (`decisionFromAnswer`) and submitted;
 * a JSON-RPC error answer is a denial that tells the model why. An answer later than
 * `approval_timeout_ms` is not waited for: the conversation has already counted the silence as a denial.
 */
import { Effect, Option } from "effect"
import type { Conversation } from "../agent/conversation/Conversation.js"
import { decisionFromAnswer } from "../rpc/ApprovalAnswer.js"
import type { ReviewDecision } from "../rpc/Enums.js"
import type { Event, EventOf } from "../rpc/Event.js"
import { approvalOpFor } from "../rpc/Op.js"
import type { ClientRequestError } from "../server/OutgoingSender.js"

/** An event the conversation waits on for a decision, keyed by the event's id. */
export interface ApprovalEvent {
  readonly id: string
  readonly msg:
    | EventOf<"exec_approval_request">
    | EventOf<"apply_patch_approval_request">
    | EventOf<"mcp_tool_call_approval_request">
}

export const isApprovalEvent = (event: Event): event is ApprovalEvent =>
  event.msg.type === "exec_approval_request" || event.msg.type === "apply_patch_approval_request" ||
  event.msg.type === "mcp_tool_call_approval_request"

const submitDecision = (conversation: Conversation, event: ApprovalEvent, decision: ReviewDecision, reason?: string) =>
  conversation.submit({
    type: approvalOpFor(event.msg.type),
    id: event.id,
    decision,
    ...(reason !== undefined ? { reason } : {})
  }).pipe(
    Effect.asVoid,
    // Whoever reads the conversation's events hears that it is gone; the decision has nowhere to go.
    Effect.catch((error) => Effect.logWarning(`approval ${event.id} not delivered: ${error.message}`))
  )

/** Denies `event` without asking anyone, telling the model `reason`. */
export const denyApproval = (conversation: Conversation, event: ApprovalEvent, reason: string) =>
  submitDecision(conversation, event, "denied", reason)

/** What the model reads when the client answered the request with a JSON-RPC error. */
export const clientErrorReason = (error: ClientRequestError) =>
  `the client answered the approval request with an error (${error.code}: ${error.message}); treated as denied`

/**
 * Asks with `ask` and submits the decision. Runs until the client answers (or the timeout), so
 * callers fork it beside their event loop.
 */
export const forwardApproval = (options: {
  readonly conversation: Conversation
  readonly event: ApprovalEvent
  /** Sends the request to the client and waits for its answer. */
  readonly ask: Effect.Effect<unknown, ClientRequestError>
  /** The denial's reason when the client answers with an error; `clientErrorReason` unless given. */
  readonly errorReason?: ((error: ClientRequestError) => string) | undefined
}): Effect.Effect<void> => {
  const { conversation, event, ask } = options
  const timeoutMs = conversation.config.approvalTimeoutMs
  return (timeoutMs === undefined ? Effect.asSome(ask) : Effect.timeoutOption(ask, timeoutMs)).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.void,
      onSome: (answer) => submitDecision(conversation, event, decisionFromAnswer(answer))
    })),
    Effect.catchTag("ClientRequestError", (error) =>
      Effect.logWarning(`${error.method} failed (${error.message}); treating it as denied`).pipe(
        Effect.andThen(denyApproval(conversation, event, (options.errorReason ?? clientErrorReason)(error)))
      ))
  )
}
