/**
 * Questions a face cannot put to its client — the model's own (`request_user_input`) and a configured MCP
 * server's forms (`mcp_elicitation_request`) — are answered at once with "no answer", so the task goes on
 * instead of waiting for an answer that can never come. Faces that can ask (MCP with elicitation) do not
 * use this.
 */
import { Effect } from "effect"
import type { Conversation } from "../agent/conversation/Conversation.js"
import type { Event } from "../rpc/Event.js"

/** Whether `event` is a question a client would have to answer. */
export const isQuestionEvent = (event: Event) => event.msg.type === "request_user_input" || event.msg.type === "mcp_elicitation_request"

/** Answers the question `event` with nothing (no answers; the server's form cancelled); other events pass. */
export const answerNobodyAsked = (conversation: Conversation, event: Event) =>
  event.msg.type === "request_user_input"
    ? conversation.submit({ type: "user_input_answer", id: event.id, response: { answers: {} } }).pipe(Effect.ignore)
    : event.msg.type === "mcp_elicitation_request"
    ? conversation.submit({ type: "mcp_elicitation_answer", id: event.id, response: { action: "cancel" } }).pipe(Effect.ignore)
    : Effect.void
