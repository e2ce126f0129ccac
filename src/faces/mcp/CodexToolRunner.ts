/**
 * The `codex` and `codex-reply` tools: start or continue a conversation, forward every
 * event as a `codex/event` notification tagged with the call's request id, turn approval events into
 * elicitations, and answer with a `CallToolResult` when the task completes or fails. A cancelled call
 * interrupts its turn, forwards the `turn_aborted` and gets no answer. `codex-reply`
 * for a conversation this process does not hold resumes it (`ConversationManager.resume`), so a
 * client can continue after the server restarted (or with a server process per call).
 */
import { Context, Effect, Layer, Schema, Stream } from "effect"
import type { Conversation, ConversationUnavailable } from "../../agent/conversation/Conversation.js"
import type { McpElicitAnswer, UserInputAnswers } from "../../rpc/Op.js"
import type { ConversationOverrides } from "../../config/ResolvedConfig.js"
import {
  CODEX_TOOL,
  CodexReplyArguments,
  CodexToolArguments,
  unknownCodexArguments,
  unknownCodexArgumentsText
} from "../../rpc/CodexTools.js"
import type { Event, EventOf } from "../../rpc/Event.js"
import { type CallTool, type CallToolParams, type CallToolResult, Elicit } from "../../rpc/Mcp.js"
import { CodexEventNotification } from "../../rpc/Notifications.js"
import { RELATED_TASK_META_KEY } from "../../rpc/Tasks.js"
import { ConversationManager } from "../../services/ConversationManager.js"
import type { ConversationLifecycle } from "../../services/ConversationLifecycle.js"
import { CodexToolOverrides } from "../Overrides.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import { type ApprovalEvent, clientErrorReason, denyApproval, forwardApproval } from "../ApprovalForwarder.js"
import { APPROVALS_UNAVAILABLE, ClientCapabilities } from "./ClientCapabilities.js"
import { execElicitation, mcpToolCallElicitation, patchElicitation } from "./Elicitations.js"
import type { Handler, RequestContext } from "../../server/Handlers.js"
import { type CallProgress, startCallProgress } from "./CallProgress.js"
import { progressMessage } from "./ProgressMessages.js"
import { mcpElicitAnswer, mcpServerElicitation, userInputAnswers, userInputElicitation } from "./UserInputElicitation.js"

const describe = (error: Schema.SchemaError) => error.message.replace(/\n\s*/g, " ")
const decodeCodexArguments = Schema.decodeUnknownResult(CodexToolArguments)
const decodeReplyArguments = Schema.decodeUnknownResult(CodexReplyArguments)

/** How long a cancelled call keeps forwarding events while its turn winds down. */
const CANCEL_DRAIN_TIMEOUT = "5 seconds"

/** A tool result the user reads as a failure (`isError`), not a JSON-RPC error. */
export const errorResult = (text: string): CallToolResult => ({ content: [{ type: "text", text }], isError: true })

const successResult = (threadId: string, text: string): CallToolResult => ({
  content: [{ type: "text", text }],
  structuredContent: { threadId, content: text }
})

/** The tool's settings for the new conversation. */
const overridesOf: (args: CodexToolArguments) => ConversationOverrides = Schema.decodeSync(CodexToolOverrides)

/** `_meta` tying a message to the task the call runs as, if it does. */
const relatedTaskMeta = (request: RequestContext) =>
  request.task === undefined ? {} : { [RELATED_TASK_META_KEY]: { taskId: request.task.taskId } }

export interface CodexToolOptions {
  /** The progress heartbeat's interval (calls with a `progressToken`). */
  readonly progressIntervalMs: number
}

/** Runs the `codex` and `codex-reply` tools for `McpHandlers`. */
export class CodexToolCalls extends Context.Service<CodexToolCalls, {
  readonly call: Handler<typeof CallTool>
}>()("codex-effect/CodexToolCalls") {
  static readonly layer = (options: CodexToolOptions) => Layer.effect(CodexToolCalls, makeCodexToolCalls(options))
}

const makeCodexToolCalls = (options: CodexToolOptions) => Effect.gen(function*() {
  const sender = yield* OutgoingSender
  const manager = yield* ConversationManager
  const capabilities = yield* ClientCapabilities

  const forward = (event: Event, request: RequestContext) =>
    sender.notify(
      CodexEventNotification,
      { _meta: { requestId: request.id, ...relatedTaskMeta(request) }, id: event.id, msg: event.msg },
      request.id
    )

  /** Asks the client through an elicitation; runs beside the event loop so events keep flowing. */
  const approve = (conversation: Conversation, event: ApprovalEvent, request: RequestContext) => {
    // Nobody can answer: refuse at once, saying why and how to change the policy (no -32601 round trip).
    if (!capabilities.canElicit()) return denyApproval(conversation, event, APPROVALS_UNAVAILABLE)
    const toolCallId = String(request.id)
    const questions = event.msg.type === "exec_approval_request"
      ? execElicitation({ id: event.id, msg: event.msg }, toolCallId, conversation.id)
      : event.msg.type === "apply_patch_approval_request"
      ? patchElicitation({ id: event.id, msg: event.msg }, toolCallId, conversation.id)
      : mcpToolCallElicitation({ id: event.id, msg: event.msg }, toolCallId, conversation.id)
    const params = request.task === undefined ? questions : { ...questions, _meta: relatedTaskMeta(request) }
    const asking = sender.sendRequest(Elicit, params, { relatedRequestId: request.id })
    return forwardApproval({
      conversation,
      event,
      // A task waits for the client meanwhile (`input_required`).
      ask: request.task === undefined ? asking : request.task.whileInputRequired(asking),
      errorReason: (error) => error.code === -32601 ? APPROVALS_UNAVAILABLE : clientErrorReason(error)
    }).pipe(Effect.forkScoped, Effect.asVoid)
  }

  /** Asks the model's questions through a form elicitation; no answer when the client cannot be asked or fails. */
  const askUser = (conversation: Conversation, event: { readonly id: string; readonly msg: EventOf<"request_user_input"> }, request: RequestContext) => {
    const reply = (answers: UserInputAnswers) =>
      conversation.submit({ type: "user_input_answer", id: event.id, response: { answers } }).pipe(Effect.ignore)
    if (!capabilities.canElicit()) return reply({})
    const questions = userInputElicitation(event, String(request.id), conversation.id)
    const asking = sender.sendRequest(
      Elicit,
      request.task === undefined ? questions : { ...questions, _meta: relatedTaskMeta(request) },
      { relatedRequestId: request.id }
    )
    return (request.task === undefined ? asking : request.task.whileInputRequired(asking)).pipe(
      Effect.map((answer) => userInputAnswers(event.msg.questions, answer)),
      Effect.catch((error) =>
        Effect.logWarning("the client did not answer the model's questions").pipe(
          Effect.annotateLogs({ code: error.code, error: error.message }),
          Effect.as({})
        )
      ),
      Effect.flatMap(reply),
      Effect.forkScoped,
      Effect.asVoid
    )
  }

  /** Passes a configured MCP server's form to the client; a client that cannot be asked, or fails, cancels it. */
  const forwardServerForm = (
    conversation: Conversation,
    event: { readonly id: string; readonly msg: EventOf<"mcp_elicitation_request"> },
    request: RequestContext
  ) => {
    const reply = (response: McpElicitAnswer) =>
      conversation.submit({ type: "mcp_elicitation_answer", id: event.id, response }).pipe(Effect.ignore)
    if (!capabilities.canElicit()) return reply({ action: "cancel" })
    // A page to open, for a client that only shows forms: the server hears a refusal, not a wait.
    if (event.msg.url !== undefined && !capabilities.canElicitUrl()) return reply({ action: "decline" })
    const form = mcpServerElicitation(event, String(request.id), conversation.id)
    const asking = sender.sendRequest(
      Elicit,
      request.task === undefined ? form : { ...form, _meta: relatedTaskMeta(request) },
      { relatedRequestId: request.id }
    )
    return (request.task === undefined ? asking : request.task.whileInputRequired(asking)).pipe(
      Effect.map(mcpElicitAnswer),
      Effect.catch((error) =>
        Effect.logWarning("the client did not answer an MCP server's form").pipe(
          Effect.annotateLogs({ server: event.msg.server, code: error.code, error: error.message }),
          Effect.as<McpElicitAnswer>({ action: "cancel" })
        )
      ),
      Effect.flatMap(reply),
      Effect.forkScoped,
      Effect.asVoid
    )
  }

  /** Forwards events until the task ends; the answer is the call's result. */
  const runLoop = (
    conversation: Conversation,
    events: Stream.Stream<Event>,
    request: RequestContext,
    progress: CallProgress | undefined
  ) =>
    Effect.gen(function*() {
      let approvalsUnavailable = false
      let outcome: CallToolResult | undefined
      yield* events.pipe(
        Stream.takeUntil((event) =>
          event.msg.type === "task_complete" || event.msg.type === "error" || event.msg.type === "turn_aborted"
        ),
        Stream.runForEach((event) =>
          Effect.gen(function*() {
            yield* forward(event, request)
            const message = progress !== undefined ? progressMessage(event.msg) : undefined
            if (message !== undefined && progress !== undefined) yield* progress.report(message)
            switch (event.msg.type) {
              case "background_event":
                if (event.msg.message === APPROVALS_UNAVAILABLE) approvalsUnavailable = true
                return
              case "exec_approval_request":
              case "apply_patch_approval_request":
              case "mcp_tool_call_approval_request":
                return yield* approve(conversation, { id: event.id, msg: event.msg }, request)
              case "mcp_elicitation_request":
                return yield* forwardServerForm(conversation, { id: event.id, msg: event.msg }, request)
              case "request_user_input":
                return yield* askUser(conversation, { id: event.id, msg: event.msg }, request)
              case "task_complete":
                outcome = successResult(conversation.id, event.msg.last_agent_message ?? "")
                return
              case "error":
                outcome = { ...errorResult(event.msg.message), structuredContent: { threadId: conversation.id, content: event.msg.message } }
                return
              case "turn_aborted":
                outcome = errorResult(`The turn was aborted (${event.msg.reason}).`)
                return
            }
          })
        )
      )
      const result = outcome ?? errorResult("Codex runtime error: the conversation ended without completing the task")
      // The user reads the tool result, not the events: say there why an action was refused.
      return approvalsUnavailable
        ? { ...result, content: [...result.content, { type: "text" as const, text: `Note: ${APPROVALS_UNAVAILABLE}` }] }
        : result
    })

  /** On cancellation: interrupt the turn and forward events until its `turn_aborted` (bounded). */
  const interruptOnCancel = (conversation: Conversation, events: Stream.Stream<Event>, request: RequestContext) =>
    Effect.gen(function*() {
      if (!(yield* conversation.isTaskRunning)) return
      yield* conversation.submit({ type: "interrupt" }).pipe(Effect.orElseSucceed(() => ""))
      yield* events.pipe(
        Stream.takeUntil((event) => event.msg.type === "turn_aborted" || event.msg.type === "task_complete"),
        Stream.runForEach((event) => forward(event, request)),
        Effect.timeoutOption(CANCEL_DRAIN_TIMEOUT)
      )
    })

  const run = (conversation: Conversation, request: RequestContext, submit: Effect.Effect<void, ConversationUnavailable>) =>
    Effect.scoped(Effect.gen(function*() {
      const events = yield* conversation.subscribe
      const progress = request.progressToken === undefined
        ? undefined
        : yield* startCallProgress(sender, request.progressToken, options.progressIntervalMs, request.id)
      const submitted = yield* Effect.result(submit)
      if (submitted._tag === "Failure") return errorResult(submitted.failure.message)
      return yield* runLoop(conversation, events, request, progress).pipe(
        Effect.onInterrupt(() => interruptOnCancel(conversation, events, request))
      )
    }))

  const codex = Effect.fnUntraced(function*(args: unknown, request: RequestContext) {
    if (args === undefined) return errorResult("Missing arguments for codex tool-call; the `prompt` field is required.")
    const unknown = typeof args === "object" && args !== null ? unknownCodexArguments(args) : []
    if (unknown.length > 0) return errorResult(unknownCodexArgumentsText(unknown))
    const decoded = decodeCodexArguments(args)
    if (decoded._tag === "Failure") {
      return errorResult(`Failed to parse configuration for Codex tool: ${describe(decoded.failure)}`)
    }
    const started = yield* manager.newConversation(overridesOf(decoded.success)).pipe(Effect.result)
    if (started._tag === "Failure") {
      return errorResult(
        started.failure._tag === "ConversationConfigError"
          ? `Failed to load Codex configuration from overrides: ${started.failure.message}`
          : started.failure.message
      )
    }
    const { conversation, sessionConfigured } = started.success
    yield* forward(sessionConfigured, request)
    return yield* run(
      conversation,
      request,
      conversation.submitWithId(String(request.id), {
        type: "user_input",
        items: [{ type: "text", text: decoded.success.prompt }]
      })
    )
  })

  /** The text the client reads when `codex-reply` cannot reach its conversation. */
  const resumeFailure = (id: string, error: Effect.Error<ReturnType<ConversationLifecycle["resume"]>>) => {
    switch (error._tag) {
      case "ConversationNotFound":
        return `Session not found for session_id: ${id}`
      case "SavedConversationUnreadable":
        return `Failed to read the saved session ${error.path}: ${error.reason}`
      case "ConversationConfigError":
        return `Failed to load Codex configuration: ${error.message}`
      default:
        return error.message
    }
  }

  const codexReply = Effect.fnUntraced(function*(args: unknown, request: RequestContext) {
    if (args === undefined) {
      return errorResult(
        "Missing arguments for codex-reply tool-call; the `prompt` field and one of `sessionId`, `threadId`, `conversationId` are required."
      )
    }
    const decoded = decodeReplyArguments(args)
    if (decoded._tag === "Failure") {
      return errorResult(`Failed to parse configuration for Codex tool: ${describe(decoded.failure)}`)
    }
    const { prompt, sessionId, threadId, conversationId } = decoded.success
    const ids = new Set([sessionId, threadId, conversationId].filter((id) => id !== undefined))
    if (ids.size !== 1) {
      return errorResult(
        ids.size === 0
          ? "Missing session id for codex-reply: pass one of `sessionId`, `threadId` or `conversationId` (the `threadId` of an earlier result)."
          : "Conflicting session ids for codex-reply: pass only one of `sessionId`, `threadId`, `conversationId`."
      )
    }
    const [id] = ids
    const resumed = yield* manager.resume({ conversationId: id! }).pipe(Effect.result)
    if (resumed._tag === "Failure") return errorResult(resumeFailure(id!, resumed.failure))
    const { conversation } = resumed.success
    return yield* run(
      conversation,
      request,
      conversation.submit({ type: "user_input", items: [{ type: "text", text: prompt }] }).pipe(Effect.asVoid)
    )
  })

  return CodexToolCalls.of({
    call: (params: CallToolParams, request) =>
      params.name === CODEX_TOOL.name ? codex(params.arguments, request) : codexReply(params.arguments, request)
  })
})
