/**
 * Whether a command may run, and how (agent core §6.5): known-safe and session-approved commands run
 * unsandboxed; otherwise the approval policy × sandbox mode table decides between running sandboxed,
 * running unsandboxed, asking the user and refusing.
 */
import type { AskForApproval, SandboxPolicy } from "../../rpc/Enums.js"
import { isKnownSafeCommand } from "./SafeCommands.js"

export type CommandDecision =
  | { readonly _tag: "Run"; readonly sandboxed: boolean }
  | { readonly _tag: "Ask"; readonly reason?: string | undefined }
  | { readonly _tag: "Reject"; readonly reason: string }

/** The key under which `approved_for_session` remembers a command: its exact argv. */
export const sessionKey = (command: ReadonlyArray<string>) => JSON.stringify(command)

export const decideCommand = (options: {
  readonly command: ReadonlyArray<string>
  readonly approvalPolicy: AskForApproval
  readonly sandboxPolicy: SandboxPolicy
  readonly approvedForSession: ReadonlySet<string>
  /** The model asked to run outside the sandbox (on-request's sandbox-aware shell). */
  readonly withEscalatedPermissions?: boolean | undefined
  readonly justification?: string | undefined
}): CommandDecision => {
  if (isKnownSafeCommand(options.command) || options.approvedForSession.has(sessionKey(options.command))) {
    return { _tag: "Run", sandboxed: false }
  }
  const fullAccess = options.sandboxPolicy.mode === "danger-full-access"
  switch (options.approvalPolicy) {
    case "untrusted":
      return { _tag: "Ask" }
    case "on-failure":
      return { _tag: "Run", sandboxed: !fullAccess }
    case "on-request":
      if (fullAccess) return { _tag: "Run", sandboxed: false }
      return options.withEscalatedPermissions === true
        ? { _tag: "Ask", reason: options.justification }
        : { _tag: "Run", sandboxed: true }
    case "never":
      return { _tag: "Run", sandboxed: !fullAccess }
  }
}
