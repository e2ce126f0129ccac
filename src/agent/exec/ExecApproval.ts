/**
 * Whether a command may run, and how (agent core §6.5, DESIGN §4.11). Known-safe and session-approved
 * commands run unsandboxed; for the rest the approval policy × sandbox mode table decides between
 * running sandboxed, running unsandboxed, asking the user and refusing. Where the reference would
 * silently fall back when no sandbox exists, this port refuses instead: a sandboxed mode never runs a
 * command unsandboxed unless the user approved that command.
 */
import type { AskForApproval, SandboxPolicy } from "../../rpc/Enums.js"
import { isKnownSafeCommand } from "./SafeCommands.js"
import type { SandboxUnavailable } from "./Sandbox.js"

export type SafetyAssessment =
  /** Run now; `bwrap` means inside the bubblewrap sandbox. */
  | { readonly _tag: "AutoApprove"; readonly sandbox: "none" | "bwrap" }
  /** Ask the user (`exec_approval_request`); if approved, run without a sandbox. */
  | { readonly _tag: "AskUser"; readonly reason?: string }
  /** Do not run; tell the model `exec command rejected: <reason>`. */
  | { readonly _tag: "Reject"; readonly reason: string }

/** The reference's text for `never` when the command would need a sandbox that does not exist (§6.5). */
export const NOT_ON_TRUSTED_LIST = "auto-rejected because command is not on trusted list"

/** The reason attached to the second approval request after a sandboxed failure (§6.5). */
export const RETRY_WITHOUT_SANDBOX_REASON = "command failed; retry without sandbox?"

/** The key under which `approved_for_session` remembers a command: its exact argv. */
export const sessionKey = (command: ReadonlyArray<string>) => JSON.stringify(command)

export interface CommandSafetyInput {
  readonly command: ReadonlyArray<string>
  readonly approvalPolicy: AskForApproval
  readonly sandboxPolicy: SandboxPolicy
  /** `sessionKey`s of the commands approved for the session. */
  readonly approvedForSession: ReadonlySet<string>
  /** True when bubblewrap works; otherwise why it does not (its message becomes the rejection reason). */
  readonly sandboxAvailable: boolean | SandboxUnavailable
  /** The model asked to run outside the sandbox (the `on-request` shell's `with_escalated_permissions`). */
  readonly withEscalatedPermissions?: boolean | undefined
  /** The model's one-sentence reason for escalating; shown to the user. */
  readonly justification?: string | undefined
}

const askUser = (reason: string | undefined): SafetyAssessment =>
  reason === undefined ? { _tag: "AskUser" } : { _tag: "AskUser", reason }

const sandboxMissingReason = (sandboxAvailable: boolean | SandboxUnavailable) =>
  typeof sandboxAvailable === "object"
    ? sandboxAvailable.message
    : "the sandbox (bubblewrap) is not available; install `bubblewrap`, or set sandbox_mode = \"danger-full-access\""

/** The decision for one command (agent core §6.5, with DESIGN §4.11 for a missing sandbox). */
export const assessCommandSafety = (input: CommandSafetyInput): SafetyAssessment => {
  if (isKnownSafeCommand(input.command) || input.approvedForSession.has(sessionKey(input.command))) {
    return { _tag: "AutoApprove", sandbox: "none" }
  }
  if (input.approvalPolicy === "untrusted") return askUser(undefined)
  if (input.sandboxPolicy.mode === "danger-full-access") return { _tag: "AutoApprove", sandbox: "none" }
  if (input.approvalPolicy === "on-request" && input.withEscalatedPermissions === true) {
    return askUser(input.justification)
  }
  if (input.sandboxAvailable === true) return { _tag: "AutoApprove", sandbox: "bwrap" }
  // `never` cannot ask, so the reference's wording leads; either way the fix is spelled out.
  const missing = sandboxMissingReason(input.sandboxAvailable)
  return { _tag: "Reject", reason: input.approvalPolicy === "never" ? `${NOT_ON_TRUSTED_LIST}: ${missing}` : missing }
}

/** What a sandboxed run ended with, as far as the retry rule cares. */
export interface SandboxedOutcome {
  readonly exitCode: number
  readonly timedOut: boolean
}

/**
 * The reference's guess that a sandboxed failure was the sandbox's doing: any non-zero exit except 127
 * ("command not found") and except a timeout. It is a guess; a failing test run looks the same.
 */
export const looksLikeSandboxDenial = (outcome: SandboxedOutcome) =>
  !outcome.timedOut && outcome.exitCode !== 0 && outcome.exitCode !== 127

/**
 * After a sandboxed run: under `untrusted` and `on-failure`, a failure that looks like a sandbox denial
 * is offered to the user for a retry without the sandbox (ask with `RETRY_WITHOUT_SANDBOX_REASON`; on
 * approval add the command to the session set and run it unsandboxed). Other policies keep the result.
 */
export const shouldOfferRetryWithoutSandbox = (approvalPolicy: AskForApproval, outcome: SandboxedOutcome) =>
  (approvalPolicy === "on-failure" || approvalPolicy === "untrusted") && looksLikeSandboxDenial(outcome)
