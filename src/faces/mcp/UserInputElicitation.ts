/**
 * The model's questions (`request_user_input`) on the MCP tool path: one `elicitation/create` form with a
 * string field per question (its header the title, the question and its choices the description, so any
 * form-rendering client can show it and the user may answer in their own words), and the client's
 * `{action: "accept", content}` read back as the answers. Anything else (decline, cancel, an error,
 * an empty field) is no answer for that question. A configured MCP server's own forms go the same way.
 */
import type { EventOf, UserInputQuestion } from "../../rpc/Event.js"
import type { ElicitParams } from "../../rpc/Mcp.js"
import type { McpElicitAnswer, UserInputAnswers } from "../../rpc/Op.js"

const describe = (question: UserInputQuestion) =>
  question.options.length === 0
    ? question.question
    : `${question.question}\nChoices: ${question.options.map((option) => `${option.label} (${option.description})`).join("; ")}. Or answer in your own words.`

export const userInputElicitation = (
  event: { readonly id: string; readonly msg: EventOf<"request_user_input"> },
  toolCallId: string,
  threadId: string
): ElicitParams => ({
  message: event.msg.questions.length === 1 ? event.msg.questions[0]!.question : "Codex has some questions for you.",
  requestedSchema: {
    type: "object",
    properties: Object.fromEntries(event.msg.questions.map((question) => [
      question.id,
      { type: "string", title: question.header, description: describe(question) }
    ])),
    required: event.msg.questions.map((question) => question.id)
  },
  threadId,
  codex_elicitation: "request-user-input",
  codex_mcp_tool_call_id: toolCallId,
  codex_event_id: event.id,
  codex_call_id: event.msg.call_id,
  codex_questions: event.msg.questions
})

/**
 * A configured MCP server's form, passed on as it came (its message and schema), with the server named
 * (`codex_mcp_server`) so the user knows who asks.
 */
export const mcpServerElicitation = (
  event: { readonly id: string; readonly msg: EventOf<"mcp_elicitation_request"> },
  toolCallId: string,
  threadId: string
): ElicitParams => ({
  ...(event.msg.url !== undefined
    ? { mode: "url" as const, message: event.msg.message, url: event.msg.url, elicitationId: event.msg.elicitation_id ?? event.id }
    : { message: event.msg.message, requestedSchema: event.msg.requested_schema ?? {} }),
  threadId,
  codex_elicitation: "mcp-server-elicitation",
  codex_mcp_tool_call_id: toolCallId,
  codex_event_id: event.id,
  codex_call_id: event.msg.call_id,
  codex_mcp_server: event.msg.server
})

/** The client's reply to `mcpServerElicitation` as MCP's `ElicitResult`; anything else is a cancel. */
export const mcpElicitAnswer = (reply: unknown): McpElicitAnswer => {
  if (typeof reply !== "object" || reply === null) return { action: "cancel" }
  const { action, content } = reply as { action?: unknown; content?: unknown }
  if (action === "decline" || action === "cancel") return { action }
  if (action !== "accept") return { action: "cancel" }
  return typeof content === "object" && content !== null && !Array.isArray(content)
    ? { action, content: content as Record<string, unknown> }
    : { action }
}

/** The answers in the client's reply to `userInputElicitation`. */
export const userInputAnswers = (questions: ReadonlyArray<UserInputQuestion>, reply: unknown): UserInputAnswers => {
  if (typeof reply !== "object" || reply === null) return {}
  const { action, content } = reply as { action?: unknown; content?: unknown }
  if (action !== "accept" || typeof content !== "object" || content === null) return {}
  const given = content as Record<string, unknown>
  const answers: Record<string, { answers: ReadonlyArray<string> }> = {}
  for (const { id } of questions) {
    const value = given[id]
    const texts = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string" && item.trim() !== "")
    if (texts.length > 0) answers[id] = { answers: texts }
  }
  return answers
}
