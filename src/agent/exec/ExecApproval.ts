/**
 * Whether a command may run, and how: the approval policy × sandbox mode table decides between
 * running sandboxed, running with full access, asking the user and refusing. Known-safe and
 * session-approved commands skip the question but not the sandbox: in `read-only` and
 * `workspace-write` they run inside it like any other command (the reference runs them without one,
 * which let `git diff --output=…` or a planted `core.fsmonitor` escape). A sandboxed mode never runs a
 * command outside the sandbox unless the user approved that run; with no working sandbox the command
 * is refused (or, under `untrusted`, asked about), never run silently without it.
 */
import type { AskForApproval, SandboxPolicy } from "../../rpc/Enums.js"
import { isKnownSafeCommand } from "./SafeCommands.js"
import type { SandboxUnavailable } from "./Sandbox.js"

export type SafetyAssessment =
  /**
   * Run now: `bwrap` inside the sandbox of the turn's policy, `none` with full access (still contained
   * in its own PID namespace when bubblewrap works). `sessionApproved`: the user approved this argv for
   * the session, so a failure that looks like a sandbox denial may be offered for an unsandboxed retry.
   */
  | { readonly _tag: "AutoApprove"; readonly sandbox: "none" | "bwrap"; readonly sessionApproved?: boolean }
  /** Ask the user (`exec_approval_request`); if approved, run with full access. */
  | { readonly _tag: "AskUser"; readonly reason?: string }
  /** Do not run; tell the model `exec command rejected: <reason>`. */
  | { readonly _tag: "Reject"; readonly reason: string }

/** The reference's text for `never` when the command would need a sandbox that does not exist. */
export const NOT_ON_TRUSTED_LIST = "auto-rejected because command is not on trusted list"

/** The reason attached to the second approval request after a sandboxed failure. */
export const RETRY_WITHOUT_SANDBOX_REASON = "command failed; retry without sandbox?"

/** The key under which `approved_for_session` remembers a command: its exact argv. */
export const sessionKey = (command: ReadonlyArray<string>) => JSON.stringify(command)

interface CommandSafetyInput {
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

/** The reason shown with an `untrusted` approval under a sandbox: approving lifts the sandbox for this command. */
export const UNSANDBOXED_ONCE_APPROVED = "Once approved, this command runs outside the sandbox, with full access to files and network."

const askUser = (reason: string | undefined): SafetyAssessment =>
  reason === undefined ? { _tag: "AskUser" } : { _tag: "AskUser", reason }

const sandboxMissingReason = (sandboxAvailable: boolean | SandboxUnavailable) =>
  typeof sandboxAvailable === "object"
    ? sandboxAvailable.message
    : "the sandbox (bubblewrap) is not available; install `bubblewrap`, or set sandbox_mode = \"danger-full-access\""

/** The decision for one command (see the module comment). */
export const assessCommandSafety = (input: CommandSafetyInput): SafetyAssessment => {
  const fullAccess = input.sandboxPolicy.mode === "danger-full-access"
  const sessionApproved = input.approvedForSession.has(sessionKey(input.command))
  if (isKnownSafeCommand(input.command) || sessionApproved) {
    if (fullAccess) return { _tag: "AutoApprove", sandbox: "none" }
    if (input.sandboxAvailable === true) return { _tag: "AutoApprove", sandbox: "bwrap", sessionApproved }
    // No sandbox: like any other command, asked about or refused.
  }
  // What the user approves runs with full access: under a sandbox policy the prompt must say so.
  if (input.approvalPolicy === "untrusted") return askUser(fullAccess ? undefined : UNSANDBOXED_ONCE_APPROVED)
  if (fullAccess) return { _tag: "AutoApprove", sandbox: "none" }
  if (input.approvalPolicy === "on-request" && input.withEscalatedPermissions === true) {
    return askUser(input.justification)
  }
  if (input.sandboxAvailable === true) return { _tag: "AutoApprove", sandbox: "bwrap" }
  // `never` cannot ask, so the reference's wording leads; either way the fix is spelled out.
  const missing = sandboxMissingReason(input.sandboxAvailable)
  return { _tag: "Reject", reason: input.approvalPolicy === "never" ? `${NOT_ON_TRUSTED_LIST}: ${missing}` : missing }
}

/** What a sandboxed run ended with, as far as the retry rule cares. */
interface SandboxedOutcome {
  readonly exitCode: number
  readonly timedOut: boolean
}

/**
 * The reference's guess that a sandboxed failure was the sandbox's doing: any non-zero exit except 127
 * ("command not found") and except a timeout. It is a guess; a failing test run looks the same.
 */
const looksLikeSandboxDenial = (outcome: SandboxedOutcome) =>
  !outcome.timedOut && outcome.exitCode !== 0 && outcome.exitCode !== 127

/**
 * After a sandboxed run, whether to offer the user a retry without the sandbox (ask with
 * `RETRY_WITHOUT_SANDBOX_REASON`; on approval add the command to the session set and run it with full
 * access): under `untrusted` and `on-failure` for a failure that looks like a sandbox denial, and under
 * `on-request` too for a session-approved command, whose approval the user gave for an unsandboxed run.
 * `never` keeps the result. Known-safe commands only read, so their failures are never offered.
 */
export const shouldOfferRetryWithoutSandbox = (
  approvalPolicy: AskForApproval,
  outcome: SandboxedOutcome,
  command: { readonly knownSafe: boolean; readonly sessionApproved: boolean } = { knownSafe: false, sessionApproved: false }
) =>
  !command.knownSafe && looksLikeSandboxDenial(outcome) &&
  (approvalPolicy === "on-failure" || approvalPolicy === "untrusted" || (approvalPolicy === "on-request" && command.sessionApproved))
