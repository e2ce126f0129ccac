/**
 * The `shell` tool as the model sees it. Under `on-request` in a sandboxed mode the model is told that
 * its commands run in a sandbox and how to ask to leave it: `with_escalated_permissions` and a one-line
 * `justification`, which becomes the reason of the approval request the user sees. Under every other
 * policy the escalation parameters are not offered (and, if sent anyway, never skip an approval:
 * see `ExecApproval`).
 *
 * The reference describes the escalation parameters under `read-only` too but leaves them out of the
 * schema there; here they are offered whenever they are described, so the model can do what it is told.
 */
import { Schema } from "effect"
import { type FunctionToolSpec, functionParameters } from "../../model/Prompt.js"
import type { AskForApproval, SandboxPolicy } from "../../rpc/Enums.js"
import { networkAccessOf } from "../ContextMessages.js"

const PLAIN_DESCRIPTION = "Runs a shell command and returns its output."

const command = Schema.Array(Schema.String).annotate({ description: "The command to execute" })
const timeoutMs = Schema.Finite.annotate({ description: "The timeout for the command in milliseconds" })
const workdir = Schema.String.annotate({ description: "The working directory to execute the command in" })

/** Parameters in alphabetical order, as the reference emits them. */
const PlainParameters = Schema.Struct({
  command,
  timeout_ms: Schema.optionalKey(timeoutMs),
  workdir: Schema.optionalKey(workdir)
})

const EscalatingParameters = Schema.Struct({
  command,
  justification: Schema.optionalKey(Schema.String.annotate({
    description: "Only set if with_escalated_permissions is true. 1-sentence explanation of why we want to run this command."
  })),
  timeout_ms: Schema.optionalKey(timeoutMs),
  with_escalated_permissions: Schema.optionalKey(Schema.Boolean.annotate({
    description: "Whether to request escalated permissions. Set to true if command needs to be run without sandbox restrictions"
  })),
  workdir: Schema.optionalKey(workdir)
})

const HOW_TO_ESCALATE = `- When invoking a command that will require escalated privileges:
  - Provide the with_escalated_permissions parameter with the boolean value true
  - Include a short, 1 sentence explanation for why we need to run with_escalated_permissions in the justification parameter.`

const workspaceWriteDescription = (networkRestricted: boolean) => `
The shell tool is used to execute shell commands.
- When invoking the shell tool, your call will be running in a sandbox, and some shell commands will require escalated privileges:
  - Types of actions that require escalated privileges:
    - Writing files outside the current directory and its writable roots
    - Writing protected folders like .git${networkRestricted ? "\n    - Commands that require network access" : ""}
  - Examples of commands that require escalated privileges:
    - git commit
    - npm install or pnpm install
    - cargo build
    - cargo test
${HOW_TO_ESCALATE}`

const READ_ONLY_DESCRIPTION = `
The shell tool is used to execute shell commands.
- When invoking the shell tool, your call will be running in a sandbox, and some shell commands (including apply_patch) will require escalated permissions:
  - Types of actions that require escalated privileges:
    - Writing files
    - Applying patches
    - Commands that require network access
  - Examples of commands that require escalated privileges:
    - apply_patch
    - git commit
    - npm install or pnpm install
    - cargo build
    - cargo test
${HOW_TO_ESCALATE}`

const spec = (description: string, parameters: Schema.Top): FunctionToolSpec => ({
  type: "function",
  name: "shell",
  description,
  strict: false,
  parameters: functionParameters(parameters)
})

/** The `shell` spec for a turn's approval policy and sandbox. */
export const shellToolSpec = (approvalPolicy: AskForApproval, sandboxPolicy: SandboxPolicy): FunctionToolSpec => {
  if (approvalPolicy !== "on-request" || sandboxPolicy.mode === "danger-full-access") {
    return spec(PLAIN_DESCRIPTION, PlainParameters)
  }
  const description = sandboxPolicy.mode === "read-only"
    ? READ_ONLY_DESCRIPTION
    : workspaceWriteDescription(networkAccessOf(sandboxPolicy) === "restricted")
  return spec(description, EscalatingParameters)
}
