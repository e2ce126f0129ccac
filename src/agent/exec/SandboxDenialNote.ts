/**
 * What the model is told when a sandboxed command fails in a way the sandbox may have caused: which
 * directories were writable, that `.git` stays read-only (so `git commit`, `git config`, hooks fail
 * there), that CODEX_HOME is hidden, and how to get past that — ask for approval to run the command
 * outside the sandbox. Without it a model sees only "Read-only file system" and tends to retry blindly.
 */
import type { SandboxPolicy } from "../../rpc/Enums.js"

/** Output that a sandbox refusal leaves behind: a read-only mount, a permission error, or `.git` named. */
const SANDBOX_SYMPTOM = /Read-only file system|Permission denied|Operation not permitted|\.git\b/

/** How the model asks for an unsandboxed run, per approval policy. */
const howToAsk = (onRequest: boolean) =>
  onRequest
    ? "run it again with `with_escalated_permissions: true` and a `justification`, so the user can approve it"
    : "ask the user to approve running it outside the sandbox"

/**
 * The note appended to a failed sandboxed command's output, or "" when the command succeeded, ran
 * with full access, or failed without any sign of the sandbox.
 */
export const sandboxDenialNote = (
  policy: SandboxPolicy,
  writableRoots: ReadonlyArray<string>,
  output: { readonly exitCode: number; readonly aggregatedOutput: string },
  onRequest: boolean
): string => {
  if (policy.mode === "danger-full-access" || output.exitCode === 0 || !SANDBOX_SYMPTOM.test(output.aggregatedOutput)) {
    return ""
  }
  const writable = policy.mode === "read-only" || writableRoots.length === 0
    ? "nothing is writable"
    : `only ${writableRoots.map((root) => `\`${root}\``).join(", ")} ${writableRoots.length === 1 ? "is" : "are"} writable`
  return `\n[sandbox] This command ran in the ${policy.mode} sandbox: ${writable}, and \`.git\` (hooks, config, ` +
    "index) is read-only inside it, so git commands that change the repository fail there; CODEX_HOME is not " +
    "visible; Unix-domain sockets (Docker, ssh-agent, D-Bus, a server's socket file) cannot be opened, so local " +
    `servers must listen on 127.0.0.1. If the command must do that, ${howToAsk(onRequest)}.`
}
