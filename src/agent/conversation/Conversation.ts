/**
 * A conversation: one fiber reading submissions (`{id, op}`) from a queue, at most one task fiber at a
 * time, and every event published to a PubSub so each subscriber sees every event in order
 * (see docs/architecture.md, The conversation fiber). Everything it owns (the loop, the task, pending
 * approvals, the task's child processes) lives in the scope it is made in: closing that scope ends it all.
 */
import { Cause, Clock, Deferred, Effect, Exit, Fiber, PubSub, Queue, Result, Scope, Stream } from "effect"
import type { ModelError } from "../../model/ModelError.js"
import type { ResolvedConfig } from "../../config/ResolvedConfig.js"
import type { ResponseItem } from "../../model/ResponseItem.js"
import type { ReviewDecision, TurnAbortReason } from "../../rpc/Enums.js"
import type { Event, EventMsg } from "../../rpc/Event.js"
import { type InputItem, MAX_INPUT_ITEMS, type McpElicitAnswer, type Op } from "../../rpc/Op.js"
import type { ModelClient } from "../../model/ModelClient.js"
import { type InlineInputItem, inlineLocalImages, userMessageFromInput } from "../InputMessages.js"
import type { ConversationMcpTools } from "./ConversationMcpTools.js"
import { makePendingApprovals } from "./PendingApprovals.js"
import { makePendingAnswers } from "./PendingAnswers.js"
import { makePendingUserInput } from "./PendingUserInput.js"
import { makeExecSessions } from "../exec/ExecSessions.js"
import { holdLiveWorkspaces } from "../exec/LiveWorkspaces.js"
import { rootIdentitiesAt } from "../exec/RootIdentities.js"
import { boundedText } from "../LogText.js"
import { promptText, type RunningTask, taskFailureMessage, turnEndAnnotations } from "./RunningTask.js"
import { TurnDiffTracker } from "../patch/TurnDiffTracker.js"
import type { SessionApprovals, Tool, ToolContext } from "../Tool.js"
import { runCompactTask } from "../compact/Compaction.js"
import { MAX_HISTORY_CHARS, overLimit } from "../../model/ModelOutputLimits.js"
import { holdHistoryBound, inputChars } from "./HistoryBound.js"
import { type ReviewRequest, reviewTurnContext, runReviewTask } from "../review/ReviewTask.js"
import {
  appendUserInput,
  type ConversationHistoryLog,
  disabledHistoryLog,
  historyEntryResponse
} from "./ConversationHistoryLog.js"
import { type TurnContext, turnContextForUserTurn } from "../TurnContext.js"
import { overrideTurnContext, type TurnContextOverride } from "./TurnContextOverride.js"
import type { TaskEnvironment, TaskOutcome, TaskTokens } from "../TaskEnvironment.js"
import { runTask } from "../TurnLoop.js"
import { ConversationUnavailable } from "./ConversationUnavailable.js"
import { withoutLastTurns } from "./Rollback.js"
import { agentTurnComplete, notifyTurnComplete } from "./TurnNotifier.js"
import { addTokens, NO_TOKENS } from "./TokenTotals.js"
import type { TokenTotals } from "../../persistence/Rollout.js"

export { ConversationUnavailable }

export interface Conversation {
  readonly id: string
  readonly config: ResolvedConfig
  /** Where the conversation is persisted, when it is. */
  readonly rolloutPath: string | undefined
  /**
   * The first event (`session_configured`, id `""`). It is not published on the event stream (nobody could
   * have subscribed yet): whoever starts or reaches the conversation gets it here and forwards it.
   */
  readonly sessionConfigured: Event
  /** Subscribes now: the stream holds every event published from this moment on. */
  readonly subscribe: Effect.Effect<Stream.Stream<Event>, never, Scope.Scope>
  /**
   * Where a conversation moves between hosts (a cluster's runners): every event its current host published,
   * as far as that host still keeps them, then the live ones. A reader that follows the conversation to its
   * next host reads from there, so it misses nothing the new host published before it arrived.
   */
  readonly subscribeFromStart?: Effect.Effect<Stream.Stream<Event>, never, Scope.Scope> | undefined
  /**
   * Submits an op with the next automatic submission id (`"0"`, `"1"`, …) and returns that id. `key`: the
   * idempotency key a clustered front chose for the client's request; the op's durable write carries it.
   */
  readonly submit: (op: Op, key?: string) => Effect.Effect<string, ConversationUnavailable>
  /** Submits an op under a caller-chosen id (the `codex` tool uses its request id); `key` as for `submit`. */
  readonly submitWithId: (id: string, op: Op, key?: string) => Effect.Effect<void, ConversationUnavailable>
  /** Whether a task is running right now. */
  readonly isTaskRunning: Effect.Effect<boolean>
  /**
   * The tokens the conversation has used so far, a resumed one's earlier turns included; undefined where they
   * are not kept (a clustered conversation).
   */
  readonly tokenTotals: Effect.Effect<TokenTotals | undefined>
  /** The conversation's history as the model sees it. */
  readonly history: Effect.Effect<ReadonlyArray<ResponseItem>, ConversationUnavailable>
  /** Runs `effect` in the background for as long as the conversation lives (e.g. an approval forwarder). */
  readonly attach: (effect: Effect.Effect<void>) => Effect.Effect<Fiber.Fiber<void>>
}

/**
 * Which submission a durable write applies: the idempotency key its front chose and the id the op got. A
 * store records the key in the same transaction as the write, and skips a write whose key it already holds.
 */
export interface SubmissionStamp {
  readonly key: string
  readonly id: string
}

/** Writes the history to wherever it survives the process; `stamp` names the submission the write applies. */
type DurableWrite<A> = (value: A, stamp?: SubmissionStamp | undefined) => Effect.Effect<void, ConversationUnavailable>

interface ConversationOptions {
  readonly id: string
  readonly config: ResolvedConfig
  readonly turnContext: TurnContext
  readonly model: ModelClient["Service"]
  /** The tools offered for a task with the given settings. */
  readonly toolsFor: (turn: TurnContext) => ReadonlyArray<Tool>
  /** Items to start from: the context messages, or a resumed conversation's history. */
  readonly initialHistory: ReadonlyArray<ResponseItem>
  /** Called with every item appended to the history (the rollout writer); a failure fails the task. */
  readonly onRecord?: DurableWrite<ReadonlyArray<ResponseItem>> | undefined
  /** Called with the whole new history when compaction replaces it (the rollout writer). */
  readonly onReplace?: DurableWrite<ReadonlyArray<ResponseItem>> | undefined
  /**
   * Called with a user message that arrives while a task runs, before it is acknowledged: it waits for the
   * task to take it, and must survive the process meanwhile (a clustered conversation's store).
   */
  readonly onQueue?: DurableWrite<ResponseItem> | undefined
  /**
   * Called with an `override_turn_context` (its cwd resolved) and what it records (the environment message),
   * before it takes effect: the settings must survive the process (a clustered conversation's store). Without
   * it the items go to `onRecord` and the settings live in memory only.
   */
  readonly onOverride?:
    | ((override: TurnContextOverride, items: ReadonlyArray<ResponseItem>, stamp?: SubmissionStamp) => Effect.Effect<void, ConversationUnavailable>)
    | undefined
  /**
   * Called when an interrupt drops the input queued during the task (as the reference drops it): what
   * `onQueue` kept must go too, or a runner that takes the conversation over would deliver it.
   */
  readonly onDropQueued?: (() => Effect.Effect<void, ConversationUnavailable>) | undefined
  /** The tokens a resumed conversation had used before (none for a new one). */
  readonly tokenTotals?: TokenTotals | undefined
  /** Called with the running total at each `token_count`, before it is published (the rollout keeps it). */
  readonly onTokenCount?: ((total: TokenTotals) => Effect.Effect<void>) | undefined
  /** `CODEX_HOME/history.jsonl` for this conversation; without it, history ops do nothing. */
  readonly historyLog?: ConversationHistoryLog | undefined
  readonly sessionConfigured: Extract<EventMsg, { type: "session_configured" }>
  readonly rolloutPath?: string | undefined
  /** Tools from other MCP servers (`mcp_servers`). */
  readonly mcpTools?: ConversationMcpTools | undefined
  /** Wraps each task, its end published included (see `TurnEndCollection`). */
  readonly aroundTask?: (<A, E, R>(task: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) | undefined
}

/** An op to handle; input carries what its submitter waits on. */
interface Submission {
  readonly id: string
  readonly op: Op
  /** The idempotency key of a clustered submission (see `SubmissionStamp`). */
  readonly key?: string | undefined
  readonly acknowledged?: Deferred.Deferred<void, ConversationUnavailable> | undefined
}

/** The ops whose submitter waits until they are handled: each writes what must survive the process. */
const ACKNOWLEDGED_OPS: ReadonlySet<Op["type"]> = new Set([
  "user_input",
  "user_turn",
  "override_turn_context",
  "compact",
  "review",
  "thread_rollback"
])

/** Events a subscriber may lag behind before publishers wait for it. */
const EVENT_BUFFER = 256

export const makeConversation = Effect.fnUntraced(function*(options: ConversationOptions) {
  const scope = yield* Effect.scope
  // Bounded: a publisher waits for the slowest subscriber, so a client that reads slowly slows the
  // turn (and its command's output) instead of queueing events without limit.
  const events = yield* PubSub.bounded<Event>(EVENT_BUFFER)
  // Subscribers (tool calls, listeners) see their streams end when the conversation closes.
  yield* Effect.addFinalizer(() => PubSub.shutdown(events))
  // Every sandbox of the process protects this conversation's workspaces while it lives (see `LiveWorkspaces`).
  const workspaces = yield* holdLiveWorkspaces
  yield* Effect.forEach(workspaces.hold(options.turnContext.cwd), (ended) => Effect.logWarning(ended), { discard: true })
  const submissions = yield* Queue.unbounded<Submission>()
  const history: Array<ResponseItem> = [...options.initialHistory]
  holdHistoryBound(history)
  const session: SessionApprovals = {
    approvedCommands: new Set(),
    saidWarnings: new Set(),
    roots: rootIdentitiesAt(options.turnContext.cwd),
    attachedImages: { bytes: 0 }
  }
  let pendingInput: Array<ReadonlyArray<InlineInputItem>> = []
  const historyLog = options.historyLog ?? disabledHistoryLog
  /** The settings of the next task; `override_turn_context` replaces them. */
  let turnContext = options.turnContext
  let task: RunningTask | undefined
  let nextSubmissionId = 0

  /** Every log line of a turn names its conversation and submission. */
  const logAnnotations = (submissionId: string) => ({ conversation: options.id, turn: submissionId })

  let tokenTotals = options.tokenTotals ?? NO_TOKENS
  const countTokens = (msg: EventMsg) => {
    if (msg.type !== "token_count") return Effect.void
    tokenTotals = addTokens(tokenTotals, msg)
    return options.onTokenCount?.(tokenTotals) ?? Effect.void
  }

  const publish = (id: string, msg: EventMsg) =>
    Effect.suspend(() => countTokens(msg)).pipe(
      Effect.andThen(PubSub.publish(events, { id, msg })),
      Effect.asVoid
    )

  const record = (items: ReadonlyArray<ResponseItem>, stamp?: SubmissionStamp) =>
    Effect.suspend(() => {
      if (items.length === 0) return Effect.void
      // Written first: what the store refused is not in the history the model sees either.
      return (options.onRecord?.(items, stamp) ?? Effect.void).pipe(
        Effect.andThen(Effect.sync(() => {
          history.push(...items)
          return holdHistoryBound(history)
        })),
        Effect.flatMap((held) =>
          held === undefined ? Effect.void : Effect.logWarning("history over its cap: the oldest contents were elided").pipe(
            Effect.annotateLogs({ conversation: options.id, chars_before: held.before, chars_after: held.after })
          )
        )
      )
    })

  const replaceHistory = (items: ReadonlyArray<ResponseItem>, stamp?: SubmissionStamp) =>
    Effect.suspend(() =>
      (options.onReplace?.(items, stamp) ?? Effect.void).pipe(
        Effect.andThen(Effect.sync(() => void history.splice(0, history.length, ...items)))
      ))

  const stampOf = (submission: { readonly id: string; readonly key?: string | undefined }): SubmissionStamp | undefined =>
    submission.key === undefined ? undefined : { key: submission.key, id: submission.id }

  const approvals = makePendingApprovals({ timeoutMs: options.config.approvalTimeoutMs, publish })
  const userInput = makePendingUserInput(publish)
  const mcpForms = makePendingAnswers<McpElicitAnswer>("MCP elicitation")

  /** Ends the task with `task_complete` unless an interrupt already claimed it (exactly one of the two wins). */
  const finishTask = (running: RunningTask, lastAgentMessage: string | null) =>
    Effect.suspend(() => {
      if (task !== running) return Effect.void
      task = undefined
      return turnEndAnnotations(running).pipe(
        Effect.flatMap((fields) => Effect.logInfo("turn completed").pipe(Effect.annotateLogs(fields))),
        Effect.andThen(publish(running.id, { type: "task_complete", last_agent_message: lastAgentMessage }))
      )
    })

  /**
   * Starts a task: a user turn (`items`) by default, or another body (`compact`). The task's first durable
   * write (its prompt, or the compaction's new history) carries `stamp`.
   */
  const startTask = Effect.fnUntraced(function*(
    id: string,
    items: ReadonlyArray<InlineInputItem>,
    turn: TurnContext,
    stamp: SubmissionStamp | undefined,
    body: (env: TaskEnvironment, tokens: TaskTokens) => Effect.Effect<TaskOutcome, ModelError | ConversationUnavailable> = runTask
  ) {
    let unstamped = stamp
    const takeStamp = () => {
      const taken = unstamped
      unstamped = undefined
      return taken
    }
    const running: RunningTask = { id, startedMs: yield* Clock.currentTimeMillis, tokens: { input: 0, output: 0 } }
    task = running
    yield* Effect.forEach(workspaces.hold(turn.cwd), (ended) => Effect.logWarning(ended), { discard: true })
    yield* Effect.logInfo("turn started").pipe(Effect.annotateLogs({
      ...logAnnotations(id),
      model: turn.model,
      provider: turn.provider.id,
      cwd: turn.cwd,
      approval_policy: turn.approvalPolicy,
      sandbox: turn.sandboxPolicy.mode,
      prompt: promptText(items)
    }))
    yield* publish(id, { type: "task_started", model_context_window: turn.limits.contextWindow ?? null })
    // Input that arrived after the last task took its own comes first: it was sent before this prompt
    // (and was stamped when it was queued).
    const queued = pendingInput.map(userMessageFromInput)
    pendingInput = []
    yield* record(queued).pipe(
      Effect.andThen(items.length > 0 ? record([userMessageFromInput(items)], takeStamp()) : Effect.void),
      // A store that refuses the input ends the task before it asks the model.
      Effect.tapError((error) => publish(id, { type: "error", message: error.message }).pipe(Effect.andThen(finishTask(running, null))))
    )
    // What the task leaves running between tool calls dies with it, before its end is announced.
    const taskScope = yield* Scope.make()
    const toolContext: ToolContext = {
      submissionId: id,
      turn,
      session,
      turnDiff: new TurnDiffTracker(),
      emit: (msg) => publish(id, msg),
      requestApproval: approvals.request(id),
      queueInput: (queued) => Effect.sync(() => void pendingInput.push(queued)),
      requestUserInput: userInput.request(id),
      elicit: (form) =>
        mcpForms.request(id, publish(id, {
          type: "mcp_elicitation_request",
          call_id: form.callId,
          server: form.server,
          message: form.message,
          ...("url" in form ? { url: form.url, elicitation_id: form.elicitationId } : { requested_schema: form.requestedSchema })
        })),
      execSessions: makeExecSessions(taskScope)
    }
    const mcpTools = options.mcpTools === undefined ? Effect.succeed([]) : options.mcpTools.forTask(toolContext.emit)
    const work = mcpTools.pipe(Effect.flatMap((extraTools) => body({
      conversationId: options.id,
      model: options.model,
      tools: [...options.toolsFor(turn), ...extraTools],
      toolContext,
      history: () => history,
      record: (items) => record(items, takeStamp()),
      replaceHistory: (items) => replaceHistory(items, takeStamp()),
      takePendingInput: () => {
        const taken = pendingInput
        pendingInput = []
        return taken.map(userMessageFromInput)
      }
    }, running.tokens))).pipe(
      Effect.ensuring(Scope.close(taskScope, Exit.void)),
      Effect.ensuring(Effect.suspend(() =>
        Effect.annotateCurrentSpan({ "gen_ai.usage.input_tokens": running.tokens.input, "gen_ai.usage.output_tokens": running.tokens.output })
      )),
      Effect.withSpan("codex.turn", {
        attributes: {
          "codex.conversation_id": options.id,
          "codex.turn_id": id,
          "gen_ai.request.model": turn.model,
          "codex.provider": turn.provider.id,
          "codex.approval_policy": turn.approvalPolicy,
          "codex.sandbox": turn.sandboxPolicy.mode
        }
      }),
      // Every end is announced, a defect too: a task that died silently would leave its call unanswered.
      Effect.matchCauseEffect({
        onSuccess: (outcome) =>
          Effect.suspend(() => {
            // An interrupt that claimed the task first means it did not complete: nothing to notify.
            const completes = task === running
            const notify = notifyTurnComplete(
              options.config.notify ?? [],
              agentTurnComplete(id, items.flatMap((item) => item.type === "text" ? [item.text] : []), outcome.lastAgentMessage)
            )
            return finishTask(running, outcome.lastAgentMessage).pipe(Effect.andThen(completes ? notify : Effect.void))
          }),
        onFailure: (cause) =>
          Effect.suspend(() =>
            task === running
              ? turnEndAnnotations(running).pipe(
                Effect.flatMap((fields) =>
                  Effect.logError("turn failed").pipe(Effect.annotateLogs({
                    ...fields,
                    error: taskFailureMessage(cause),
                    ...(Cause.hasDies(cause) ? { cause: boundedText(Cause.pretty(cause), 4000) } : {})
                  }))
                ),
                Effect.andThen(publish(id, { type: "error", message: taskFailureMessage(cause) })),
                Effect.andThen(finishTask(running, null))
              )
              : Effect.void
          )
      }),
      Effect.annotateLogs(logAnnotations(id))
    )
    running.fiber = yield* Effect.forkIn(options.aroundTask?.(work) ?? work, scope)
  })

  /** Aborts the running task, if any: its fiber (and child processes) end before `turn_aborted` is published. */
  const abortTask = Effect.fnUntraced(function*(reason: TurnAbortReason) {
    const running = task
    if (running === undefined) return false
    task = undefined
    if (pendingInput.length > 0 && options.onDropQueued !== undefined) {
      // The interrupt itself must not fail: a queue left behind is delivered late, which the log says.
      yield* options.onDropQueued().pipe(
        Effect.catch((error) => Effect.logWarning(`queued input dropped by the interrupt stays stored: ${error.message}`))
      )
    }
    pendingInput = []
    if (running.fiber !== undefined) yield* Fiber.interrupt(running.fiber)
    yield* turnEndAnnotations(running).pipe(
      Effect.flatMap((fields) => Effect.logInfo("turn aborted").pipe(Effect.annotateLogs({ ...fields, reason }))),
      Effect.annotateLogs(logAnnotations(running.id))
    )
    approvals.clear()
    yield* publish(running.id, { type: "turn_aborted", reason })
    return true
  })

  /** Local images are read here, when the input arrives, so the task itself never touches the files. */
  const input = (submission: Submission, items: ReadonlyArray<InputItem>, turn: TurnContext) =>
    items.length > MAX_INPUT_ITEMS
      ? publish(submission.id, { type: "error", message: `${overLimit("the input", items.length, MAX_INPUT_ITEMS, "items")}: it was dropped` })
      : acceptInput(submission, items, turn)

  const acceptInput = (submission: Submission, items: ReadonlyArray<InputItem>, turn: TurnContext) =>
    appendUserInput(historyLog, items).pipe(
      Effect.andThen(inlineLocalImages(items, turn.cwd, turn.config.codexHome)),
      Effect.flatMap((inline) =>
        Effect.suspend((): Effect.Effect<void, ConversationUnavailable> => {
          if (task === undefined) return startTask(submission.id, inline, turn, stampOf(submission))
          // Queued input joins the history when the task takes it: a client may not queue more than the history holds.
          const queued = [...pendingInput, inline].reduce((sum, items) => sum + inputChars(items), 0)
          if (queued > MAX_HISTORY_CHARS) {
            return publish(submission.id, {
              type: "error",
              message: `${overLimit("the input queued for the running turn", queued, MAX_HISTORY_CHARS, "characters")}: this input was dropped`
            })
          }
          return (options.onQueue?.(userMessageFromInput(inline), stampOf(submission)) ?? Effect.void).pipe(
            Effect.andThen(Effect.sync(() => void pendingInput.push(inline)))
          )
        })
      )
    )

  /**
   * A compact op while a task runs asks that task's model to summarise instead, as the reference does: the
   * request waits in the queue (stored, like input) for the task to take it.
   */
  const compact = (submission: Submission) =>
    Effect.suspend(() => {
      if (task === undefined) return startTask(submission.id, [], turnContext, stampOf(submission), runCompactTask)
      const request: ReadonlyArray<InlineInputItem> = [{ type: "text", text: "Start Summarization" }]
      return (options.onQueue?.(userMessageFromInput(request), stampOf(submission)) ?? Effect.void).pipe(
        Effect.andThen(Effect.sync(() => void pendingInput.push(request)))
      )
    })

  /** Between tasks only, like the reference: a review is a task of its own. */
  const review = (submission: Submission, request: ReviewRequest) =>
    Effect.suspend(() =>
      task !== undefined
        ? publish(submission.id, { type: "error", message: "cannot start a review while a turn is running" })
        : startTask(submission.id, [], reviewTurnContext(turnContext), stampOf(submission), runReviewTask(request))
    )

  /** Between tasks only: a running task would record into the history being cut. */
  const rollback = (submission: Submission, turns: number) =>
    Effect.suspend(() => {
      const { id } = submission
      return task !== undefined
        ? publish(id, { type: "error", message: "cannot roll back while a turn is running" })
        : replaceHistory(withoutLastTurns(history, turns), stampOf(submission)).pipe(
          Effect.andThen(publish(id, { type: "thread_rolled_back", num_turns: turns }))
        )
    })

  const override = (submission: Submission, op: Extract<Op, { type: "override_turn_context" }>) =>
    Effect.suspend(() => {
      const { id } = submission
      const overridden = overrideTurnContext(turnContext, op)
      if (Result.isFailure(overridden)) return publish(id, { type: "error", message: overridden.failure })
      const { turn, environmentMessage } = overridden.success
      const items = environmentMessage === undefined ? [] : [environmentMessage]
      // The settings change once stored: a refused write leaves them as they were.
      const write = options.onOverride === undefined
        ? record(items, stampOf(submission))
        : options.onOverride({ ...op, ...(op.cwd !== undefined ? { cwd: turn.cwd } : {}) }, items, stampOf(submission)).pipe(
          Effect.andThen(Effect.sync(() => void history.push(...items)))
        )
      return write.pipe(Effect.andThen(Effect.sync(() => {
        turnContext = turn
      })))
    })

  const decide = (id: string, decision: ReviewDecision, reason: string | undefined) =>
    decision === "abort" ? abortTask("interrupted").pipe(Effect.asVoid) : approvals.decide(id, decision, reason)

  /**
   * Input and every op that changes what survives the process is acknowledged once handled: queued (and
   * stored, see `onQueue`), its task started (its prompt stored), or its write (override, rollback) stored.
   */
  const acknowledge = (submission: Submission, effect: Effect.Effect<void, ConversationUnavailable>) =>
    effect.pipe(
      Effect.matchEffect({
        onFailure: (error) =>
          submission.acknowledged === undefined
            ? publish(submission.id, { type: "error", message: error.message })
            : Deferred.fail(submission.acknowledged, error),
        onSuccess: () => submission.acknowledged === undefined ? Effect.void : Deferred.succeed(submission.acknowledged, undefined)
      }),
      Effect.as(true)
    )

  const handle = (submission: Submission): Effect.Effect<boolean> => {
    const { id, op } = submission
    switch (op.type) {
      case "user_input":
        return acknowledge(submission, input(submission, op.items, { ...turnContext, outputSchema: op.final_output_json_schema }))
      case "user_turn":
        return acknowledge(submission, input(submission, op.items, turnContextForUserTurn(turnContext, op)))
      case "override_turn_context":
        return acknowledge(submission, override(submission, op))
      case "compact":
        return acknowledge(submission, compact(submission))
      case "review":
        return acknowledge(submission, review(submission, op.review_request))
      case "thread_rollback":
        return acknowledge(submission, rollback(submission, op.num_turns))
      case "add_to_history":
        return historyLog.append(op.text).pipe(Effect.as(true))
      case "get_history_entry_request":
        return historyEntryResponse(historyLog, op.offset, op.log_id).pipe(
          Effect.flatMap((msg) => publish(id, msg)),
          Effect.as(true)
        )
      case "interrupt":
        return abortTask("interrupted").pipe(Effect.as(true))
      case "exec_approval":
      case "patch_approval":
      case "mcp_tool_call_approval":
        return decide(op.id, op.decision, op.reason).pipe(Effect.as(true))
      case "mcp_elicitation_answer":
        return mcpForms.answer(op.id, op.response).pipe(Effect.as(true))
      case "user_input_answer":
        return userInput.answer(op.id, op.response.answers).pipe(Effect.as(true))
      case "list_mcp_tools":
        // Beside the loop: the servers may still be starting.
        return Effect.forkIn(
          (options.mcpTools?.list ?? Effect.succeed({})).pipe(
            Effect.flatMap((tools) => publish(id, { type: "mcp_list_tools_response", tools })),
            // Beside the loop, so `handleSafely` cannot see a defect here: answered the same way.
            Effect.catchCause((cause) =>
              Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : publish(id, { type: "error", message: taskFailureMessage(cause) })
            )
          ),
          scope
        ).pipe(Effect.as(true))
      case "shutdown":
        return abortTask("interrupted").pipe(
          Effect.andThen(publish(id, { type: "shutdown_complete" })),
          Effect.as(false)
        )
    }
  }

  /**
   * A submission whose handling broke (a defect before its task could start) is answered with an
   * `error` event, and the loop goes on: one bad submission must not leave every later one unanswered.
   */
  const handleSafely = (submission: Submission): Effect.Effect<boolean> =>
    Effect.suspend(() => handle(submission)).pipe(
      // A defect is answered with an `error` event: its submitter waits no longer.
      Effect.ensuring(submission.acknowledged === undefined ? Effect.void : Deferred.succeed(submission.acknowledged, undefined)),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.suspend(() => {
          // A task that was announced but never forked is ended here, or it would block every later input.
          const started = task?.id === submission.id && task.fiber === undefined ? task : undefined
          return Effect.logError("submission failed with a defect").pipe(
            Effect.annotateLogs({ ...logAnnotations(submission.id), op: submission.op.type, cause: boundedText(Cause.pretty(cause), 4000) }),
            Effect.andThen(publish(submission.id, { type: "error", message: taskFailureMessage(cause) })),
            Effect.andThen(started === undefined ? Effect.void : finishTask(started, null)),
            Effect.as(true)
          )
        })
      )
    )

  /** Offers a submission; input and durable ops return once acknowledged (see `acknowledge`), the rest at once. */
  const enqueue = (id: string, op: Op, key?: string): Effect.Effect<void, ConversationUnavailable> => {
    if (!ACKNOWLEDGED_OPS.has(op.type)) return Queue.offer(submissions, { id, op, key }).pipe(Effect.asVoid)
    if (ended) return Effect.fail(new ConversationUnavailable({ message: `conversation ${options.id} has ended` }))
    const acknowledged = Deferred.makeUnsafe<void, ConversationUnavailable>()
    return Queue.offer(submissions, { id, op, key, acknowledged }).pipe(Effect.andThen(Deferred.await(acknowledged)))
  }

  /** Input that can no longer be handled (the loop ended) is refused instead of waiting forever. */
  let ended = false
  const refuseWaiting = Effect.suspend(() => {
    ended = true
    return Effect.flatMap(Queue.clear(submissions), (left) =>
      Effect.forEach(left, (submission) =>
        submission.acknowledged === undefined
          ? Effect.void
          : Deferred.fail(submission.acknowledged, new ConversationUnavailable({ message: `conversation ${options.id} has ended` })), {
        discard: true
      }))
  })

  const loop = Effect.gen(function*() {
    while (yield* Queue.take(submissions).pipe(Effect.flatMap(handleSafely))) {
      // each submission is handled in order; `shutdown` ends the loop
    }
  }).pipe(Effect.ensuring(refuseWaiting))
  yield* Effect.forkIn(loop, scope)

  return {
    id: options.id,
    config: options.config,
    rolloutPath: options.rolloutPath,
    sessionConfigured: { id: "", msg: options.sessionConfigured },
    subscribe: PubSub.subscribe(events).pipe(Effect.map(Stream.fromSubscription)),
    submit: (op, key) =>
      Effect.suspend(() => {
        const id = String(nextSubmissionId++)
        return Effect.as(enqueue(id, op, key), id)
      }),
    submitWithId: enqueue,
    isTaskRunning: Effect.sync(() => task !== undefined),
    tokenTotals: Effect.sync(() => tokenTotals),
    history: Effect.sync(() => [...history]),
    attach: (effect) => Effect.forkIn(effect, scope)
  } satisfies Conversation
})
