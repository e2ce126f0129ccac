/**
 * The contract between the turn loop and the tools it offers the model. A tool gets the call and a
 * context through which it emits events and asks the user for approval; it answers with the text
 * the model will read. Tools never fail: every problem becomes output for the model, and a tool
 * that breaks anyway (throws, dies) is answered for it by `ToolDispatch`.
 */
import type { Effect } from "effect"
import type { ToolSpec } from "../model/Prompt.js"
import type { FileChanges, ReviewDecision } from "../rpc/Enums.js"
import type { EventMsg, UserInputQuestion } from "../rpc/Event.js"
import type { McpElicitAnswer, UserInputAnswers } from "../rpc/Op.js"
import type { ExecSessions } from "./exec/ExecSessions.js"
import type { RootIdentities } from "./exec/RootIdentities.js"
import type { InlineInputItem } from "./InputMessages.js"
import type { TurnDiffTracker } from "./patch/TurnDiffTracker.js"
import type { TurnContext } from "./TurnContext.js"

/** A call the model made: a function call (JSON `arguments`) or a custom/freeform call (raw `input`). */
export interface ToolCall {
  readonly kind: "function" | "custom"
  readonly name: string
  readonly callId: string
  /** The JSON arguments of a function call, or the raw input of a custom call. */
  readonly input: string
}

export type ApprovalRequest =
  | {
    readonly kind: "exec"
    readonly callId: string
    readonly command: ReadonlyArray<string>
    readonly cwd: string
    readonly reason?: string | undefined
  }
  | {
    readonly kind: "patch"
    readonly callId: string
    readonly changes: FileChanges
    readonly reason?: string | undefined
    readonly grantRoot?: string | undefined
  }
  | {
    readonly kind: "mcp"
    readonly callId: string
    readonly server: string
    readonly tool: string
    readonly arguments: unknown
  }

/** The answer to an approval request; `reason` when no user decided (the client could not be asked, no answer came). */
export interface ApprovalOutcome {
  readonly decision: ReviewDecision
  readonly reason?: string | undefined
}

/** What the model reads after a denial: why, when no user decided, else `deniedByUser`. */
export const denialText = (outcome: ApprovalOutcome, deniedByUser: string, rejected: (reason: string) => string) =>
  outcome.reason === undefined ? deniedByUser : rejected(outcome.reason)

/** State that outlives one turn: what the user approved for the whole session. */
export interface SessionApprovals {
  readonly approvedCommands: Set<string>
  /** Warnings about the settings already given in this conversation, each said once. */
  readonly saidWarnings: Set<string>
  /** The writable roots as the conversation first saw them: a sandbox refuses to start if one changed. */
  readonly roots: RootIdentities
  /** Bytes of the images `view_image` attached so far (see `MAX_CONVERSATION_IMAGE_BYTES`). */
  readonly attachedImages: { bytes: number }
}

/** An MCP server's question during a tool call: a form (`requestedSchema`), or a page to open (`url`). */
export type McpElicitation =
  & { readonly callId: string; readonly server: string; readonly message: string }
  & (
    | { readonly requestedSchema: Readonly<Record<string, unknown>> }
    | { readonly url: string; readonly elicitationId: string }
  )

export interface ToolContext {
  /** The submission id of the task: every event of the task carries it. */
  readonly submissionId: string
  readonly turn: TurnContext
  readonly session: SessionApprovals
  /** What the task's patches changed so far. */
  readonly turnDiff: TurnDiffTracker
  readonly emit: (msg: EventMsg) => Effect.Effect<void>
  /** Publishes the approval request event and waits for the user's decision (never `abort`: that ends the turn). */
  readonly requestApproval: (request: ApprovalRequest) => Effect.Effect<ApprovalOutcome>
  /** Queues input for the task's next model request, as if the user had sent it meanwhile (`view_image`). */
  readonly queueInput: (items: ReadonlyArray<InlineInputItem>) => Effect.Effect<void>
  /** Publishes the model's questions (`request_user_input`) and waits for the user's answers. */
  readonly requestUserInput: (callId: string, questions: ReadonlyArray<UserInputQuestion>) => Effect.Effect<UserInputAnswers>
  /** Publishes an MCP server's form (`mcp_elicitation_request`) and waits for the user's answer. */
  readonly elicit: (request: McpElicitation) => Effect.Effect<McpElicitAnswer>
  /** The task's commands that keep running between calls (`exec_command`); killed when the task ends. */
  readonly execSessions: ExecSessions
}

export interface Tool {
  readonly name: string
  readonly spec: ToolSpec
  readonly run: (call: ToolCall, context: ToolContext) => Effect.Effect<string>
  /**
   * Calls of this tool may run beside other such calls of the same response (an MCP server with
   * `supports_parallel_tool_calls`); any other call waits until they have ended, and they for it.
   */
  readonly parallel?: boolean | undefined
}
