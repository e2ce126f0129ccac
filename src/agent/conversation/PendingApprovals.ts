/**
 * A conversation's approvals in flight: a tool's request becomes an approval event and waits on a
 * `Deferred` keyed by the task's submission id, until an approval op decides it, `approval_timeout_ms`
 * denies it, or the task ends (`clear`). A decision made without the user (the timeout) is also shown
 * to the client as a `background_event`, not only to the model.
 */
import { Deferred, Effect, Option } from "effect"
import type { ReviewDecision } from "../../rpc/Enums.js"
import type { EventMsg } from "../../rpc/Event.js"
import { parseCommand } from "../exec/ParseCommand.js"
import { boundedArgv, boundedPaths } from "../LogText.js"
import type { ApprovalOutcome, ApprovalRequest } from "../Tool.js"

/** What an approval request is about, for its log lines. */
const approvalAnnotations = (request: ApprovalRequest) =>
  request.kind === "exec"
    ? { kind: "exec", call_id: request.callId, argv: boundedArgv(request.command), cwd: request.cwd }
    : request.kind === "patch"
    ? { kind: "patch", call_id: request.callId, files: boundedPaths(Object.keys(request.changes)) }
    : { kind: "mcp", call_id: request.callId, server: request.server, tool: request.tool }

/** The event that asks the client. */
const approvalEvent = (request: ApprovalRequest): EventMsg =>
  request.kind === "exec"
    ? {
      type: "exec_approval_request",
      call_id: request.callId,
      command: request.command,
      cwd: request.cwd,
      ...(request.reason !== undefined ? { reason: request.reason } : {}),
      parsed_cmd: parseCommand(request.command)
    }
    : request.kind === "mcp"
    ? {
      type: "mcp_tool_call_approval_request",
      call_id: request.callId,
      invocation: { server: request.server, tool: request.tool, arguments: request.arguments }
    }
    : {
      type: "apply_patch_approval_request",
      call_id: request.callId,
      changes: request.changes,
      ...(request.reason !== undefined ? { reason: request.reason } : {}),
      ...(request.grantRoot !== undefined ? { grant_root: request.grantRoot } : {})
    }

export const makePendingApprovals = (options: {
  readonly timeoutMs: number | undefined
  readonly publish: (submissionId: string, msg: EventMsg) => Effect.Effect<void>
}) => {
  const waiting = new Map<string, Deferred.Deferred<ApprovalOutcome>>()
  const { timeoutMs, publish } = options

  /** Asks the client (through the event) and waits for the decision. */
  const request = (submissionId: string) => (request: ApprovalRequest) =>
    Effect.gen(function*() {
      const decision = yield* Deferred.make<ApprovalOutcome>()
      waiting.set(submissionId, decision)
      yield* publish(submissionId, approvalEvent(request))
      yield* Effect.logInfo("approval requested").pipe(Effect.annotateLogs(approvalAnnotations(request)))
      const outcome = timeoutMs === undefined
        ? yield* Deferred.await(decision)
        : yield* Deferred.await(decision).pipe(
          Effect.timeoutOption(timeoutMs),
          Effect.map(Option.getOrElse((): ApprovalOutcome => ({
            decision: "denied",
            reason: `no answer to the approval request within ${timeoutMs} ms (approval_timeout_ms); treated as denied`
          })))
        )
      yield* Effect.logInfo("approval answered").pipe(Effect.annotateLogs({
        ...approvalAnnotations(request),
        decision: outcome.decision,
        ...(outcome.reason !== undefined ? { reason: outcome.reason } : {})
      }))
      if (outcome.reason !== undefined) yield* publish(submissionId, { type: "background_event", message: outcome.reason })
      yield* Effect.annotateCurrentSpan("codex.decision", outcome.decision)
      return outcome
    }).pipe(
      Effect.ensuring(Effect.sync(() => waiting.delete(submissionId))),
      Effect.withSpan("codex.approval_wait", { attributes: { "codex.approval.kind": request.kind, "codex.call_id": request.callId } })
    )

  /** Completes the approval the submission `id` waits on; a decision nobody waits for is logged. */
  const decide = (id: string, decision: ReviewDecision, reason: string | undefined) =>
    Effect.suspend(() => {
      const pending = waiting.get(id)
      if (pending === undefined) return Effect.logWarning(`no approval is waiting for submission ${id}`)
      return Deferred.succeed(pending, reason === undefined ? { decision } : { decision, reason }).pipe(Effect.asVoid)
    })

  /** Forgets every pending approval (the task ended; its waiting fibers are interrupted with it). */
  const clear = () => waiting.clear()

  return { request, decide, clear }
}
