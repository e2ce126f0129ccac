/**
 * One thread's events as app-server v2 messages, for one client: the conversation's events become
 * `turn/*`, `item/*` and `thread/*` notifications, and its approval requests become
 * `item/commandExecution/requestApproval` / `item/fileChange/requestApproval` requests. The order is the
 * reference's: a turn's `turn/started` waits for the `turn/start` answer (the gate); a command's
 * `item/started` precedes its approval request, then `serverRequest/resolved`, output deltas and
 * `item/completed` (status `declined` when the client declined). A review turn's items are
 * `enteredReviewMode`, the reviewer's prompt as a `userMessage`, its tool items, `exitedReviewMode` and the
 * review as an `agentMessage`.
 */
import { Deferred, Effect, Fiber, Stream } from "effect"
import type { Conversation } from "../../agent/conversation/Conversation.js"
import { REVIEW_FALLBACK_MESSAGE, reviewText } from "../../rpc/Review.js"
import type { Event, ParsedCommand } from "../../rpc/Event.js"
import { type ClientRequestError, OutgoingSender } from "../../server/OutgoingSender.js"
import { type ApprovalEvent, denyApproval, forwardApproval, isApprovalEvent } from "../ApprovalForwarder.js"
import { answerNobodyAsked } from "../UnansweredQuestions.js"
import type { ThreadItem, TurnError, UserInput } from "./Items.js"
import { addUsage, commandActions, commandText, decisionOf, fileUpdates, mcpItem, mcpProgressMessage, usageOf } from "./ItemMapping.js"
import * as P from "./Protocol.js"

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** What a client's `turn/start` left for the thread's events: the answer's gate and the input to echo. */
export interface PendingTurn {
  readonly answered: Deferred.Deferred<void>
  /** The user's input, echoed as a `userMessage` item; none for a compaction or review turn. */
  readonly input?: ReadonlyArray<UserInput> | undefined
  /** A review turn (`review/start`): its items come with its review-mode events. */
  readonly review?: boolean | undefined
}

export interface ThreadEvents {
  /** Registers a turn about to be submitted under `turnId`. */
  readonly expectTurn: (turnId: string, turn: PendingTurn) => void
  /** The turn running now, if any. */
  readonly runningTurn: () => string | undefined
  /** Echoes input added to the running turn (`turn/steer`) as a `userMessage` item. */
  readonly steered: (turnId: string, input: ReadonlyArray<UserInput>) => Effect.Effect<void>
  /** Forwards the thread's events until the conversation ends; call it with the subscription already made. */
  readonly forward: (events: Stream.Stream<Event>) => Effect.Effect<void>
}

export const makeThreadEvents = Effect.fnUntraced(function*(conversation: Conversation) {
  const sender = yield* OutgoingSender
  const threadId = conversation.id
  const pending = new Map<string, PendingTurn>()
  /** Items started and not yet completed, by id (a call's id for tools). */
  const open = new Map<string, ThreadItem>()
  // A resumed thread's count goes on from what it had used.
  let total = usageOf(yield* conversation.tokenTotals)
  let turnStartedMs = 0
  let runningTurn: string | undefined
  /** The `contextCompaction` item of the compaction turn running now. */
  let compaction: string | undefined
  let turnError: TurnError | undefined
  let agentMessage: { readonly id: string; text: string } | undefined
  let reasoning: { readonly id: string; text: string } | undefined
  /** The client requests (approvals, questions, forms) still waiting, settled before their turn completes. */
  const asking = new Set<Fiber.Fiber<void>>()
  let counter = 0
  const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${counter++}`

  const status = (type: "idle" | "systemError" | "active", waiting = false) =>
    sender.notify(P.ThreadStatusChanged, {
      threadId,
      status: type === "active" ? { type, activeFlags: waiting ? ["waitingOnApproval"] : [] } : { type }
    })

  const started = (turnId: string, item: ThreadItem) =>
    Effect.suspend(() => {
      open.set(item.id, item)
      return sender.notify(P.ItemStarted, { threadId, turnId, item, startedAtMs: Date.now() })
    })
  const completed = (turnId: string, item: ThreadItem) =>
    Effect.suspend(() => {
      open.delete(item.id)
      return sender.notify(P.ItemCompleted, { threadId, turnId, item, completedAtMs: Date.now() })
    })

  const commandItem = (msg: { call_id: string; command: ReadonlyArray<string>; cwd: string }, parsed: ReadonlyArray<ParsedCommand>) =>
    ({
      type: "commandExecution",
      id: msg.call_id,
      command: commandText(msg.command),
      cwd: msg.cwd,
      processId: null,
      status: "inProgress",
      commandActions: commandActions(parsed, msg.command),
      aggregatedOutput: null,
      exitCode: null,
      durationMs: null
    }) as const

  const declineOpen = (turnId: string, itemId: string) =>
    Effect.suspend(() => {
      const item = open.get(itemId)
      return item !== undefined && (item.type === "commandExecution" || item.type === "fileChange")
        ? completed(turnId, { ...item, status: "declined" })
        : Effect.void
    })

  /** Tells the client that a request it was sent (`requestId`, once issued) is no longer waited for. */
  const settled = (requestId: number) =>
    requestId < 0 ? Effect.void : sender.notify(P.ServerRequestResolved, { threadId, requestId })

  /** Asks the client about `event` (after its item started) and submits the decision. */
  const askClient = (turnId: string, event: ApprovalEvent): Effect.Effect<unknown, ClientRequestError> => {
    const msg = event.msg
    let requestId = -1
    const onIssued = (id: number) => void (requestId = id)
    const request = msg.type === "exec_approval_request"
      ? sender.sendRequest(P.CommandExecutionRequestApproval, {
        threadId,
        turnId,
        itemId: msg.call_id,
        startedAtMs: Date.now(),
        kind: "command",
        environmentId: "local",
        command: commandText(msg.command),
        cwd: msg.cwd,
        commandActions: commandActions([], msg.command),
        reason: msg.reason ?? null
      }, { onIssued })
      : sender.sendRequest(P.FileChangeRequestApproval, {
        threadId,
        turnId,
        itemId: msg.call_id,
        startedAtMs: Date.now(),
        reason: msg.type === "apply_patch_approval_request" ? msg.reason ?? null : null,
        grantRoot: msg.type === "apply_patch_approval_request" ? msg.grant_root ?? null : null
      }, { onIssued })
    return request.pipe(
      Effect.tap(() => sender.notify(P.ServerRequestResolved, { threadId, requestId })),
      Effect.tap(() => status("active")),
      Effect.tap(({ decision }) => (decision === "decline" || decision === "cancel" ? declineOpen(turnId, msg.call_id) : Effect.void)),
      Effect.map(({ decision }) => ({ decision: decisionOf(decision) })),
      // An error answer is a decline (`forwardApproval` denies it): the item ends as one.
      Effect.tapError(() => declineOpen(turnId, msg.call_id)),
      // Nobody waits for the answer any more (approval_timeout_ms, or the turn ended): the client hears that the
      // request is settled, and the item ends declined, as the conversation counted the silence.
      Effect.onInterrupt(() => requestId < 0 ? Effect.void : settled(requestId).pipe(Effect.andThen(declineOpen(turnId, msg.call_id))))
    )
  }

  /**
   * Puts the model's questions to the client (`item/tool/requestUserInput`) and submits its answers; a client
   * that answers with an error, or a turn that ends first, leaves the model with no answer, never waiting.
   */
  const askUser = (turnId: string, event: Event & { readonly msg: { readonly type: "request_user_input" } }) => {
    let requestId = -1
    return sender.sendRequest(P.ToolRequestUserInput, {
      threadId,
      turnId,
      itemId: event.msg.call_id,
      isBlocking: true,
      questions: event.msg.questions.map((question) => ({
        id: question.id,
        header: question.header,
        question: question.question,
        // The model's questions always take a free-form answer besides their options.
        isOther: true,
        isSecret: false,
        options: question.options.length === 0 ? null : question.options
      }))
    }, { onIssued: (id) => void (requestId = id) }).pipe(
      Effect.tap(() => sender.notify(P.ServerRequestResolved, { threadId, requestId })),
      Effect.flatMap(({ answers }) => conversation.submit({ type: "user_input_answer", id: event.id, response: { answers } })),
      Effect.catch(() => answerNobodyAsked(conversation, event)),
      Effect.onInterrupt(() => settled(requestId))
    )
  }

  /** Puts a configured MCP server's form to the client and sends its answer back; an error answer cancels it. */
  const askForServer = (turnId: string, event: Event & { readonly msg: { readonly type: "mcp_elicitation_request" } }) => {
    let requestId = -1
    return sender.sendRequest(P.McpServerElicitationRequest, {
      threadId,
      turnId,
      serverName: event.msg.server,
      ...(event.msg.url !== undefined
        ? { mode: "url" as const, message: event.msg.message, url: event.msg.url, elicitationId: event.msg.elicitation_id ?? event.id }
        : { mode: "form" as const, message: event.msg.message, requestedSchema: event.msg.requested_schema ?? {} })
    }, { onIssued: (id) => void (requestId = id) }).pipe(
      Effect.tap(() => sender.notify(P.ServerRequestResolved, { threadId, requestId })),
      Effect.flatMap(({ action, content }) =>
        conversation.submit({
          type: "mcp_elicitation_answer",
          id: event.id,
          response: action === "accept" && content != null ? { action, content } : { action }
        })
      ),
      Effect.catch(() => answerNobodyAsked(conversation, event)),
      Effect.onInterrupt(() => settled(requestId))
    )
  }

  const endTurn = (turnId: string, status_: "completed" | "interrupted" | "failed") =>
    Effect.gen(function*() {
      const error = status_ === "failed" ? turnError ?? { message: "turn failed", codexErrorInfo: null, additionalDetails: null } : null
      turnError = undefined
      runningTurn = undefined
      compaction = undefined
      agentMessage = undefined
      reasoning = undefined
      // Nothing waits for them any more: each says `serverRequest/resolved` (and declines its item) before the turn ends.
      yield* Fiber.interruptAll([...asking])
      asking.clear()
      // Tool items the turn's end cut short (an interrupted command) end as failed, not open forever.
      for (const item of [...open.values()]) {
        yield* completed(
          turnId,
          item.type === "commandExecution" || item.type === "fileChange" || item.type === "mcpToolCall"
            ? { ...item, status: "failed" }
            : item
        )
      }
      yield* status(status_ === "failed" ? "systemError" : "idle")
      const completedAt = nowSeconds()
      yield* sender.notify(P.TurnCompleted, {
        threadId,
        turn: {
          id: turnId,
          items: [],
          itemsView: "notLoaded",
          status: status_,
          error,
          startedAt: Math.floor(turnStartedMs / 1000),
          completedAt,
          durationMs: Math.max(0, Date.now() - turnStartedMs)
        }
      })
    })

  const userMessage = (turnId: string, input: ReadonlyArray<UserInput>) =>
    Effect.suspend(() => {
      const item = { type: "userMessage", id: nextId("user"), content: input } as const
      return started(turnId, item).pipe(Effect.andThen(completed(turnId, item)))
    })

  const finishAgentMessage = (turnId: string, text: string) =>
    Effect.suspend(() => {
      const current = agentMessage ?? { id: nextId("msg"), text: "" }
      const wasOpen = agentMessage !== undefined
      agentMessage = undefined
      const item = { type: "agentMessage", id: current.id, text } as const
      return (wasOpen ? Effect.void : started(turnId, { ...item, text: "" })).pipe(Effect.andThen(completed(turnId, item)))
    })

  const onEvent = (event: Event): Effect.Effect<void> => {
    const turnId = event.id
    const msg = event.msg
    switch (msg.type) {
      case "task_started":
        return Effect.gen(function*() {
          const turn = pending.get(turnId)
          pending.delete(turnId)
          if (turn !== undefined) yield* Deferred.await(turn.answered)
          turnStartedMs = Date.now()
          yield* status("active")
          yield* sender.notify(P.TurnStarted, {
            threadId,
            turn: {
              id: turnId,
              items: [],
              itemsView: "notLoaded",
              status: "inProgress",
              error: null,
              startedAt: Math.floor(turnStartedMs / 1000),
              completedAt: null,
              durationMs: null
            }
          })
          runningTurn = turnId
          if (turn?.input !== undefined) yield* userMessage(turnId, turn.input)
          else if (turn !== undefined && turn.review !== true) {
            compaction = nextId("compaction")
            yield* started(turnId, { type: "contextCompaction", id: compaction })
          }
        })
      case "entered_review_mode":
        return Effect.suspend(() => {
          const entered = { type: "enteredReviewMode", id: nextId("review"), review: msg.user_facing_hint } as const
          // The reviewer's prompt is shown as the turn's user message, as the reference shows it.
          return started(turnId, entered).pipe(
            Effect.andThen(completed(turnId, entered)),
            Effect.andThen(userMessage(turnId, [{ type: "text", text: msg.prompt, text_elements: [] }]))
          )
        })
      case "exited_review_mode":
        return Effect.suspend(() => {
          const review = msg.review_output === null ? REVIEW_FALLBACK_MESSAGE : reviewText(msg.review_output)
          const exited = { type: "exitedReviewMode", id: nextId("review"), review } as const
          return started(turnId, exited).pipe(Effect.andThen(completed(turnId, exited)))
        })
      case "agent_message_delta":
        return Effect.suspend(() => {
          const current = agentMessage
          if (current !== undefined) {
            current.text += msg.delta
            return sender.notify(P.AgentMessageDelta, { threadId, turnId, itemId: current.id, delta: msg.delta })
          }
          const fresh = { id: nextId("msg"), text: msg.delta }
          agentMessage = fresh
          return started(turnId, { type: "agentMessage", id: fresh.id, text: "" }).pipe(
            Effect.andThen(sender.notify(P.AgentMessageDelta, { threadId, turnId, itemId: fresh.id, delta: msg.delta }))
          )
        })
      case "agent_message":
        // A compaction turn's closing message is its item's end.
        if (compaction !== undefined) {
          const item = { type: "contextCompaction", id: compaction } as const
          compaction = undefined
          return completed(turnId, item).pipe(Effect.andThen(sender.notify(P.ThreadCompacted, { threadId, turnId })))
        }
        return finishAgentMessage(turnId, msg.message)
      case "agent_reasoning_delta":
        return Effect.suspend(() => {
          const fresh = reasoning === undefined
          const current = reasoning ?? { id: nextId("rs"), text: "" }
          reasoning = current
          current.text += msg.delta
          return (fresh ? started(turnId, { type: "reasoning", id: current.id, summary: [], content: [] }) : Effect.void).pipe(
            Effect.andThen(sender.notify(P.ReasoningSummaryTextDelta, {
              threadId,
              turnId,
              itemId: current.id,
              delta: msg.delta,
              summaryIndex: 0
            }))
          )
        })
      case "agent_reasoning_raw_content_delta":
        return Effect.suspend(() => {
          const fresh = reasoning === undefined
          const current = reasoning ?? { id: nextId("rs"), text: "" }
          reasoning = current
          return (fresh ? started(turnId, { type: "reasoning", id: current.id, summary: [], content: [] }) : Effect.void).pipe(
            Effect.andThen(sender.notify(P.ReasoningTextDelta, { threadId, turnId, itemId: current.id, delta: msg.delta, contentIndex: 0 }))
          )
        })
      case "agent_reasoning":
        return Effect.suspend(() => {
          const current = reasoning ?? { id: nextId("rs"), text: "" }
          const wasOpen = reasoning !== undefined
          reasoning = undefined
          const item = { type: "reasoning", id: current.id, summary: [msg.text], content: [] } as const
          return (wasOpen ? Effect.void : started(turnId, { ...item, summary: [] })).pipe(Effect.andThen(completed(turnId, item)))
        })
      case "exec_approval_request":
        return started(turnId, commandItem(msg, [])).pipe(Effect.andThen(status("active", true)))
      case "apply_patch_approval_request":
        return started(turnId, { type: "fileChange", id: msg.call_id, changes: fileUpdates(msg.changes), status: "inProgress" }).pipe(
          Effect.andThen(status("active", true))
        )
      case "exec_command_begin":
        return open.has(msg.call_id) ? Effect.void : started(turnId, commandItem(msg, msg.parsed_cmd))
      case "exec_command_output_delta":
        return sender.notify(P.CommandOutputDelta, {
          threadId,
          turnId,
          itemId: msg.call_id,
          delta: Buffer.from(msg.chunk, "base64").toString("utf8")
        })
      case "exec_command_end":
        return Effect.suspend(() => {
          const item = open.get(msg.call_id)
          if (item === undefined || item.type !== "commandExecution") return Effect.void
          return completed(turnId, {
            ...item,
            status: msg.exit_code === 0 ? "completed" : "failed",
            aggregatedOutput: msg.aggregated_output,
            exitCode: msg.exit_code,
            durationMs: msg.duration.secs * 1000 + Math.floor(msg.duration.nanos / 1_000_000)
          })
        })
      case "patch_apply_begin":
        return open.has(msg.call_id)
          ? Effect.void
          : started(turnId, { type: "fileChange", id: msg.call_id, changes: fileUpdates(msg.changes), status: "inProgress" })
      case "patch_apply_end":
        return Effect.suspend(() => {
          const item = open.get(msg.call_id)
          if (item === undefined || item.type !== "fileChange") return Effect.void
          const output = `${msg.stdout}${msg.stderr}`
          return (output === "" ? Effect.void : sender.notify(P.FileChangeOutputDelta, { threadId, turnId, itemId: item.id, delta: output }))
            .pipe(Effect.andThen(completed(turnId, { ...item, status: msg.success ? "completed" : "failed" })))
        })
      case "turn_diff":
        return sender.notify(P.TurnDiffUpdated, { threadId, turnId, diff: msg.unified_diff })
      case "plan_update":
        return sender.notify(P.TurnPlanUpdated, {
          threadId,
          turnId,
          explanation: msg.explanation,
          plan: msg.plan.map((step) => ({
            step: step.step,
            status: step.status === "in_progress" ? "inProgress" as const : step.status
          }))
        })
      case "token_count":
        return Effect.suspend(() => {
          const last = usageOf(msg)
          total = addUsage(total, last)
          return sender.notify(P.TokenUsageUpdated, {
            threadId,
            turnId,
            tokenUsage: { total, last, modelContextWindow: msg.model_context_window ?? null }
          })
        })
      case "mcp_tool_call_begin":
        return started(turnId, mcpItem(msg, "inProgress"))
      case "mcp_tool_call_progress":
        return sender.notify(P.McpToolCallProgress, { threadId, turnId, itemId: msg.call_id, message: mcpProgressMessage(msg) })
      case "mcp_tool_call_end":
        return completed(turnId, {
          ...mcpItem(msg, "Ok" in msg.result ? "completed" : "failed"),
          result: "Ok" in msg.result
            ? {
              content: Array.isArray(msg.result.Ok.content) ? msg.result.Ok.content : [],
              structuredContent: msg.result.Ok.structuredContent ?? null
            }
            : null,
          error: "Err" in msg.result ? { message: msg.result.Err } : null,
          durationMs: msg.duration.secs * 1000 + Math.floor(msg.duration.nanos / 1_000_000)
        })
      case "web_search_begin":
        return started(turnId, { type: "webSearch", id: msg.call_id, query: "" })
      case "web_search_end":
        return completed(turnId, { type: "webSearch", id: msg.call_id, query: msg.query })
      case "error":
        return Effect.suspend(() => {
          turnError = { message: msg.message, codexErrorInfo: null, additionalDetails: null }
          return sender.notify(P.ErrorNotification, { threadId, turnId, error: turnError, willRetry: false })
        })
      case "background_event":
        return sender.notify(P.Warning, { threadId, message: msg.message })
      case "stream_error":
        return sender.notify(P.ErrorNotification, {
          threadId,
          turnId,
          error: { message: msg.message, codexErrorInfo: null, additionalDetails: null },
          willRetry: true
        })
      case "task_complete":
        return endTurn(turnId, turnError === undefined ? "completed" : "failed")
      case "turn_aborted":
        return endTurn(turnId, "interrupted")
      default:
        return Effect.void
    }
  }

  /** Forks a client request beside the event loop (the turn waits for its answer, events keep flowing). */
  const ask = (request: Effect.Effect<void>) =>
    Effect.flatMap(conversation.attach(request), (fiber) =>
      Effect.sync(() => {
        asking.add(fiber)
        fiber.addObserver(() => asking.delete(fiber))
      }))

  const forward = (events: Stream.Stream<Event>) =>
    events.pipe(
      Stream.runForEach((event) =>
        onEvent(event).pipe(
          Effect.andThen(
            event.msg.type === "request_user_input"
              ? ask(askUser(event.id, event as Event & { readonly msg: { readonly type: "request_user_input" } }))
              : event.msg.type === "mcp_elicitation_request"
              ? ask(askForServer(event.id, event as Event & { readonly msg: { readonly type: "mcp_elicitation_request" } }))
              : !isApprovalEvent(event)
              ? Effect.void
              : event.msg.type === "mcp_tool_call_approval_request"
              // No v2 request for it here: a prompt denial beats a turn waiting on nobody.
              ? denyApproval(conversation, event, "MCP tool calls that need approval are not supported over app-server")
              : ask(forwardApproval({ conversation, event, ask: askClient(event.id, event) }))
          )
        )
      )
    )

  return {
    expectTurn: (turnId, turn) => void pending.set(turnId, turn),
    runningTurn: () => runningTurn,
    steered: userMessage,
    forward
  } satisfies ThreadEvents
})
