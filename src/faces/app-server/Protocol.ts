/**
 * The app-server v2 methods served here, both directions, defined once: what a client may call
 * (`AppServerRequests`), what this server notifies (`AppServerNotifications`) and what it asks the client
 * (`AppServerServerRequests`). Names and shapes are the reference's generated schema; params the reference
 * accepts but this server does not use are ignored, as unknown fields are.
 */
import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { AskForApproval, ReasoningEffort, SandboxMode } from "../../rpc/Enums.js"
import {
  CommandAction,
  SandboxPolicy,
  Thread,
  ThreadItem,
  ThreadStatus,
  TokenUsageBreakdown,
  Turn,
  TurnError,
  UserInput
} from "./Items.js"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
/** An optional param the reference also accepts as `null`. */
const Maybe = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

export class Initialize extends Rpc.make("initialize", {
  payload: {
    clientInfo: Schema.Struct({ name: Schema.String, version: Schema.String, title: Maybe(Schema.String) }),
    capabilities: Maybe(Schema.Unknown)
  },
  success: Schema.Struct({
    userAgent: Schema.String,
    codexHome: Schema.String,
    platformFamily: Schema.String,
    platformOs: Schema.String
  })
}) {}

/** The settings a thread runs with, as `thread/start` and `thread/resume` answer them. */
const ThreadSettings = {
  thread: Thread,
  model: Schema.String,
  modelProvider: Schema.String,
  serviceTier: Schema.Null,
  cwd: Schema.String,
  instructionSources: Schema.Array(Schema.String),
  approvalPolicy: AskForApproval,
  approvalsReviewer: Schema.Literal("user"),
  sandbox: SandboxPolicy,
  reasoningEffort: Schema.NullOr(ReasoningEffort)
}

/** Overrides of a thread's settings, as `thread/start`, `thread/resume` and `thread/fork` take them. */
const ThreadOverrides = {
  model: Maybe(Schema.String),
  cwd: Maybe(Schema.String),
  approvalPolicy: Maybe(AskForApproval),
  sandbox: Maybe(SandboxMode),
  config: Maybe(Schema.Record(Schema.String, Schema.Unknown)),
  baseInstructions: Maybe(Schema.String),
  developerInstructions: Maybe(Schema.String)
}

export class ThreadStart extends Rpc.make("thread/start", {
  payload: ThreadOverrides,
  success: Schema.Struct(ThreadSettings)
}) {}

export class ThreadResume extends Rpc.make("thread/resume", {
  payload: { threadId: Schema.String, ...ThreadOverrides },
  success: Schema.Struct(ThreadSettings)
}) {}

export class ThreadFork extends Rpc.make("thread/fork", {
  payload: { threadId: Schema.String, ...ThreadOverrides },
  success: Schema.Struct(ThreadSettings)
}) {}

/** Compaction runs as a turn of its own, with a `contextCompaction` item. */
export class ThreadCompactStart extends Rpc.make("thread/compact/start", {
  payload: { threadId: Schema.String },
  success: Schema.Struct({})
}) {}

export class ThreadList extends Rpc.make("thread/list", {
  payload: {
    cursor: Maybe(Schema.String),
    limit: Maybe(Schema.Int.check(Schema.isGreaterThan(0))),
    archived: Maybe(Schema.Boolean)
  },
  success: Schema.Struct({ data: Schema.Array(Thread), nextCursor: Schema.NullOr(Schema.String) })
}) {}

export class ThreadRead extends Rpc.make("thread/read", {
  payload: { threadId: Schema.String, includeTurns: Maybe(Schema.Boolean) },
  success: Schema.Struct({ thread: Thread })
}) {}

export class ThreadArchive extends Rpc.make("thread/archive", {
  payload: { threadId: Schema.String },
  success: Schema.Struct({})
}) {}

export class ThreadUnarchive extends Rpc.make("thread/unarchive", {
  payload: { threadId: Schema.String },
  success: Schema.Struct({ thread: Thread })
}) {}

export class TurnStart extends Rpc.make("turn/start", {
  payload: {
    threadId: Schema.String,
    input: Schema.Array(UserInput),
    cwd: Maybe(Schema.String),
    approvalPolicy: Maybe(AskForApproval),
    sandboxPolicy: Maybe(SandboxPolicy),
    model: Maybe(Schema.String),
    effort: Maybe(ReasoningEffort)
  },
  success: Schema.Struct({ turn: Turn })
}) {}

/** More input for the running turn (it must be `expectedTurnId`). */
export class TurnSteer extends Rpc.make("turn/steer", {
  payload: { threadId: Schema.String, expectedTurnId: Schema.String, input: Schema.Array(UserInput) },
  success: Schema.Struct({ turnId: Schema.String })
}) {}

export class TurnInterrupt extends Rpc.make("turn/interrupt", {
  payload: { threadId: Schema.String, turnId: Schema.String },
  success: Schema.Struct({})
}) {}

const ReasoningEffortOption = Schema.Struct({ reasoningEffort: ReasoningEffort, description: Schema.String })

/** A `model/list` entry: the reference's `Model`, with the fields our catalogue fills. */
const ModelEntry = Schema.Struct({
  id: Schema.String,
  model: Schema.String,
  upgrade: Schema.NullOr(Schema.String),
  upgradeInfo: Schema.NullOr(Schema.Struct({
    model: Schema.String,
    upgradeCopy: Schema.NullOr(Schema.String),
    modelLink: Schema.NullOr(Schema.String),
    migrationMarkdown: Schema.NullOr(Schema.String),
    retirementAt: Schema.NullOr(Schema.Int)
  })),
  availabilityNux: Schema.Null,
  displayName: Schema.String,
  description: Schema.String,
  modelSpecialty: Schema.Null,
  hidden: Schema.Boolean,
  supportedReasoningEfforts: Schema.Array(ReasoningEffortOption),
  defaultReasoningEffort: ReasoningEffort,
  inputModalities: Schema.Array(Schema.Literals(["text", "image"])),
  supportsPersonality: Schema.Boolean,
  multiAgentVersion: Schema.Null,
  additionalSpeedTiers: Schema.Array(Schema.String),
  serviceTiers: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String, description: Schema.String })),
  defaultServiceTier: Schema.Null,
  isDefault: Schema.Boolean
})

export class ModelList extends Rpc.make("model/list", {
  payload: { cursor: Maybe(Schema.String), limit: Maybe(Count), includeHidden: Maybe(Schema.Boolean) },
  success: Schema.Struct({ data: Schema.Array(ModelEntry), nextCursor: Schema.NullOr(Schema.String) })
}) {}

export class AccountRead extends Rpc.make("account/read", {
  payload: { refreshToken: Maybe(Schema.Boolean) },
  success: Schema.Struct({
    account: Schema.NullOr(Schema.Union([
      Schema.Struct({ type: Schema.Literal("apiKey") }),
      Schema.Struct({ type: Schema.Literal("chatgpt"), email: Schema.NullOr(Schema.String), planType: Schema.String })
    ])),
    requiresOpenaiAuth: Schema.Boolean
  })
}) {}

export class AccountLoginStart extends Rpc.make("account/login/start", {
  payload: Schema.Union([
    Schema.Struct({ type: Schema.Literal("apiKey"), apiKey: Schema.String }),
    Schema.Struct({ type: Schema.Literal("chatgpt") }),
    Schema.Struct({ type: Schema.Literal("chatgptDeviceCode") })
  ]),
  success: Schema.Union([
    Schema.Struct({ type: Schema.Literal("apiKey") }),
    Schema.Struct({ type: Schema.Literal("chatgpt"), loginId: Schema.String, authUrl: Schema.String }),
    Schema.Struct({ type: Schema.Literal("chatgptDeviceCode"), loginId: Schema.String, verificationUrl: Schema.String, userCode: Schema.String })
  ])
}) {}

export class AccountLoginCancel extends Rpc.make("account/login/cancel", {
  payload: { loginId: Schema.String },
  success: Schema.Struct({ status: Schema.Literals(["canceled", "notFound"]) })
}) {}

export class AccountLogout extends Rpc.make("account/logout", {
  payload: Schema.NullOr(Schema.Struct({})),
  success: Schema.Struct({})
}) {}

/** No rate-limit source here: every window is unknown (`null`). */
export class AccountRateLimitsRead extends Rpc.make("account/rateLimits/read", {
  payload: Schema.NullOr(Schema.Struct({})),
  success: Schema.Struct({
    rateLimits: Schema.Struct({
      limitId: Schema.NullOr(Schema.String),
      limitName: Schema.NullOr(Schema.String),
      primary: Schema.Null,
      secondary: Schema.Null,
      credits: Schema.Null,
      planType: Schema.Null
    }),
    rateLimitsByLimitId: Schema.Null
  })
}) {}

export class ConfigRead extends Rpc.make("config/read", {
  payload: { includeLayers: Maybe(Schema.Boolean), cwd: Maybe(Schema.String) },
  success: Schema.Struct({
    config: Schema.Struct({
      model: Schema.NullOr(Schema.String),
      model_provider: Schema.NullOr(Schema.String),
      approval_policy: Schema.NullOr(AskForApproval),
      sandbox_mode: Schema.NullOr(SandboxMode),
      model_reasoning_effort: Schema.NullOr(ReasoningEffort)
    }),
    origins: Schema.Record(Schema.String, Schema.Unknown),
    layers: Schema.NullOr(Schema.Array(Schema.Unknown))
  })
}) {}

export class FuzzyFileSearch extends Rpc.make("fuzzyFileSearch", {
  payload: { query: Schema.String, roots: Schema.Array(Schema.String), cancellationToken: Maybe(Schema.String) },
  success: Schema.Struct({
    files: Schema.Array(Schema.Struct({
      root: Schema.String,
      path: Schema.String,
      match_type: Schema.Literals(["file", "directory"]),
      file_name: Schema.String,
      score: Count,
      indices: Schema.NullOr(Schema.Array(Count))
    }))
  })
}) {}

export class ConfigValueWrite extends Rpc.make("config/value/write", {
  payload: {
    keyPath: Schema.String,
    value: Schema.Unknown,
    mergeStrategy: Schema.Literals(["replace", "upsert"]),
    expectedVersion: Maybe(Schema.String),
    filePath: Maybe(Schema.String)
  },
  success: Schema.Struct({
    status: Schema.Literal("ok"),
    version: Schema.String,
    filePath: Schema.String,
    overriddenMetadata: Schema.Null
  })
}) {}

const ConfigEdit = Schema.Struct({ keyPath: Schema.String, value: Schema.Unknown, mergeStrategy: Schema.Literals(["replace", "upsert"]) })

export class ConfigBatchWrite extends Rpc.make("config/batchWrite", {
  payload: {
    edits: Schema.Array(ConfigEdit),
    expectedVersion: Maybe(Schema.String),
    filePath: Maybe(Schema.String),
    reloadUserConfig: Schema.optionalKey(Schema.Boolean)
  },
  success: ConfigValueWrite.successSchema
}) {}

/** A terminal's size in character cells (a `u16` each, as the reference). */
const TerminalSize = Schema.Struct({
  rows: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })),
  cols: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
})

export class CommandExec extends Rpc.make("command/exec", {
  payload: {
    command: Schema.Array(Schema.String),
    cwd: Maybe(Schema.String),
    env: Maybe(Schema.Record(Schema.String, Schema.NullOr(Schema.String))),
    sandboxPolicy: Maybe(SandboxPolicy),
    timeoutMs: Maybe(Schema.Int.check(Schema.isGreaterThan(0))),
    outputBytesCap: Maybe(Count),
    disableTimeout: Schema.optionalKey(Schema.Boolean),
    disableOutputCap: Schema.optionalKey(Schema.Boolean),
    processId: Maybe(Schema.String),
    tty: Schema.optionalKey(Schema.Boolean),
    size: Maybe(TerminalSize),
    streamStdin: Schema.optionalKey(Schema.Boolean),
    streamStdoutStderr: Schema.optionalKey(Schema.Boolean)
  },
  success: Schema.Struct({ exitCode: Schema.Int, stdout: Schema.String, stderr: Schema.String })
}) {}

export class CommandExecWrite extends Rpc.make("command/exec/write", {
  payload: { processId: Schema.String, deltaBase64: Maybe(Schema.String), closeStdin: Schema.optionalKey(Schema.Boolean) },
  success: Schema.Struct({})
}) {}

export class CommandExecResize extends Rpc.make("command/exec/resize", {
  payload: { processId: Schema.String, size: TerminalSize },
  success: Schema.Struct({})
}) {}

export class CommandExecTerminate extends Rpc.make("command/exec/terminate", {
  payload: { processId: Schema.String },
  success: Schema.Struct({})
}) {}

export class ThreadNameSet extends Rpc.make("thread/name/set", {
  payload: { threadId: Schema.String, name: Schema.String },
  success: Schema.Struct({})
}) {}

export class ThreadRollback extends Rpc.make("thread/rollback", {
  payload: { threadId: Schema.String, numTurns: Count },
  success: Schema.Struct({ thread: Thread })
}) {}

/** What to review: the work tree, the change since a base branch's merge base, one commit, or anything described. */
export const ReviewTarget = Schema.Union([
  Schema.Struct({ type: Schema.Literal("uncommittedChanges") }),
  Schema.Struct({ type: Schema.Literal("baseBranch"), branch: Schema.String }),
  Schema.Struct({ type: Schema.Literal("commit"), sha: Schema.String, title: Maybe(Schema.String) }),
  Schema.Struct({ type: Schema.Literal("custom"), instructions: Schema.String })
])
export type ReviewTarget = typeof ReviewTarget.Type

/** A review as a turn: in the thread (`inline`, the default) or in a fork of it (`detached`, its id in `reviewThreadId`). */
export class ReviewStart extends Rpc.make("review/start", {
  payload: { threadId: Schema.String, target: ReviewTarget, delivery: Maybe(Schema.Literals(["inline", "detached"])) },
  success: Schema.Struct({ turn: Turn, reviewThreadId: Schema.String })
}) {}

/** Every method a client may call on the app-server. */
export const AppServerRequests = RpcGroup.make(
  Initialize,
  ThreadStart,
  ThreadResume,
  ThreadFork,
  ThreadCompactStart,
  ThreadList,
  ThreadRead,
  ThreadArchive,
  ThreadUnarchive,
  TurnStart,
  TurnSteer,
  TurnInterrupt,
  ModelList,
  AccountRead,
  AccountLoginStart,
  AccountLoginCancel,
  AccountLogout,
  AccountRateLimitsRead,
  ConfigRead,
  FuzzyFileSearch,
  ConfigValueWrite,
  ConfigBatchWrite,
  CommandExec,
  CommandExecWrite,
  CommandExecResize,
  CommandExecTerminate,
  ThreadNameSet,
  ThreadRollback,
  ReviewStart
)
export type AppServerRequest = RpcGroup.Rpcs<typeof AppServerRequests>

const notification = <const Tag extends string, const Fields extends Schema.Struct.Fields>(tag: Tag, fields: Fields) =>
  Rpc.make(tag, { payload: fields })

const TurnScoped = { threadId: Schema.String, turnId: Schema.String }

export const ThreadStarted = notification("thread/started", { thread: Thread })
export const ThreadStatusChanged = notification("thread/status/changed", { threadId: Schema.String, status: ThreadStatus })
export const ThreadArchived = notification("thread/archived", { threadId: Schema.String })
export const ThreadNameUpdated = notification("thread/name/updated", { threadId: Schema.String, threadName: Schema.NullOr(Schema.String) })
export const ThreadUnarchived = notification("thread/unarchived", { threadId: Schema.String })
export const ThreadCompacted = notification("thread/compacted", TurnScoped)
export const TurnStarted = notification("turn/started", { threadId: Schema.String, turn: Turn })
export const TurnCompleted = notification("turn/completed", { threadId: Schema.String, turn: Turn })
export const ItemStarted = notification("item/started", { ...TurnScoped, item: ThreadItem, startedAtMs: Count })
export const ItemCompleted = notification("item/completed", { ...TurnScoped, item: ThreadItem, completedAtMs: Count })
export const AgentMessageDelta = notification("item/agentMessage/delta", {
  ...TurnScoped,
  itemId: Schema.String,
  delta: Schema.String
})
export const ReasoningSummaryTextDelta = notification("item/reasoning/summaryTextDelta", {
  ...TurnScoped,
  itemId: Schema.String,
  delta: Schema.String,
  summaryIndex: Count
})
export const ReasoningTextDelta = notification("item/reasoning/textDelta", {
  ...TurnScoped,
  itemId: Schema.String,
  delta: Schema.String,
  contentIndex: Count
})
/** A method the client used is on its way out (said before the answer, as the reference does for `thread/rollback`). */
export const DeprecationNotice = notification("deprecationNotice", { summary: Schema.String, details: Schema.NullOr(Schema.String) })
/** Something the user should know that is not an error (e.g. an approval counted as denied after its timeout). */
export const Warning = notification("warning", { threadId: Schema.NullOr(Schema.String), message: Schema.String })
/** The server's config.toml could not be used as it is (the defaults apply): said once, after `initialize`. */
export const ConfigWarning = notification("configWarning", { summary: Schema.String, details: Schema.NullOr(Schema.String) })
export const CommandOutputDelta = notification("item/commandExecution/outputDelta", {
  ...TurnScoped,
  itemId: Schema.String,
  delta: Schema.String
})
/** What applying a patch printed (the files it touched), before its item completes. */
export const FileChangeOutputDelta = notification("item/fileChange/outputDelta", {
  ...TurnScoped,
  itemId: Schema.String,
  delta: Schema.String
})
/** Progress a configured MCP server reported during the tool call `itemId`. */
export const McpToolCallProgress = notification("item/mcpToolCall/progress", { ...TurnScoped, itemId: Schema.String, message: Schema.String })
export const TurnDiffUpdated = notification("turn/diff/updated", { ...TurnScoped, diff: Schema.String })
export const TurnPlanUpdated = notification("turn/plan/updated", {
  ...TurnScoped,
  explanation: Schema.NullOr(Schema.String),
  plan: Schema.Array(Schema.Struct({ step: Schema.String, status: Schema.Literals(["pending", "inProgress", "completed"]) }))
})
export const TokenUsageUpdated = notification("thread/tokenUsage/updated", {
  ...TurnScoped,
  tokenUsage: Schema.Struct({
    total: TokenUsageBreakdown,
    last: TokenUsageBreakdown,
    modelContextWindow: Schema.NullOr(Count)
  })
})
export const ErrorNotification = notification("error", { ...TurnScoped, error: TurnError, willRetry: Schema.Boolean })
export const AccountUpdated = notification("account/updated", { authMode: Schema.NullOr(Schema.Literals(["apikey", "chatgpt"])) })
export const AccountLoginCompleted = notification("account/login/completed", {
  loginId: Schema.NullOr(Schema.String),
  success: Schema.Boolean,
  error: Schema.NullOr(Schema.String)
})
export const CommandExecOutputDelta = notification("command/exec/outputDelta", {
  processId: Schema.String,
  stream: Schema.Literals(["stdout", "stderr"]),
  deltaBase64: Schema.String,
  capReached: Schema.Boolean
})
export const ServerRequestResolved = notification("serverRequest/resolved", {
  threadId: Schema.String,
  requestId: Schema.Union([Schema.String, Schema.Int])
})

/** Every notification this server sends over app-server. */
export type AppServerNotification =
  | typeof ThreadStarted
  | typeof ThreadStatusChanged
  | typeof ThreadArchived
  | typeof ThreadUnarchived
  | typeof ThreadCompacted
  | typeof TurnStarted
  | typeof TurnCompleted
  | typeof ItemStarted
  | typeof ItemCompleted
  | typeof AgentMessageDelta
  | typeof ReasoningSummaryTextDelta
  | typeof ReasoningTextDelta
  | typeof ConfigWarning
  | typeof DeprecationNotice
  | typeof Warning
  | typeof CommandOutputDelta
  | typeof FileChangeOutputDelta
  | typeof McpToolCallProgress
  | typeof TurnDiffUpdated
  | typeof TurnPlanUpdated
  | typeof TokenUsageUpdated
  | typeof ErrorNotification
  | typeof ServerRequestResolved
  | typeof AccountUpdated
  | typeof AccountLoginCompleted
  | typeof CommandExecOutputDelta

const ApprovalDecision = Schema.Literals(["accept", "acceptForSession", "decline", "cancel"])
export type ApprovalDecision = typeof ApprovalDecision.Type

export class CommandExecutionRequestApproval extends Rpc.make("item/commandExecution/requestApproval", {
  payload: {
    ...TurnScoped,
    itemId: Schema.String,
    startedAtMs: Count,
    kind: Schema.Literal("command"),
    environmentId: Schema.NullOr(Schema.String),
    command: Schema.String,
    cwd: Schema.String,
    commandActions: Schema.Array(CommandAction),
    reason: Schema.NullOr(Schema.String)
  },
  success: Schema.Struct({ decision: ApprovalDecision })
}) {}

export class FileChangeRequestApproval extends Rpc.make("item/fileChange/requestApproval", {
  payload: {
    ...TurnScoped,
    itemId: Schema.String,
    startedAtMs: Count,
    reason: Schema.NullOr(Schema.String),
    grantRoot: Schema.NullOr(Schema.String)
  },
  success: Schema.Struct({ decision: ApprovalDecision })
}) {}

/** One question of the model's `request_user_input`, as the client shows it. */
const UserInputQuestionV2 = Schema.Struct({
  id: Schema.String,
  header: Schema.String,
  question: Schema.String,
  isOther: Schema.Boolean,
  isSecret: Schema.Boolean,
  options: Schema.NullOr(Schema.Array(Schema.Struct({ label: Schema.String, description: Schema.String })))
})

export class ToolRequestUserInput extends Rpc.make("item/tool/requestUserInput", {
  payload: { ...TurnScoped, itemId: Schema.String, isBlocking: Schema.Boolean, questions: Schema.Array(UserInputQuestionV2) },
  success: Schema.Struct({ answers: Schema.Record(Schema.String, Schema.Struct({ answers: Schema.Array(Schema.String) })) })
}) {}

const McpServerElicitationScope = { threadId: Schema.String, turnId: Schema.NullOr(Schema.String), serverName: Schema.String }

/**
 * A configured MCP server's question, put to the client: a form (the server's own `requestedSchema` governs
 * its fields) or a page to open (URL mode).
 */
export class McpServerElicitationRequest extends Rpc.make("mcpServer/elicitation/request", {
  payload: Schema.Union([
    Schema.Struct({
      ...McpServerElicitationScope,
      mode: Schema.Literal("form"),
      message: Schema.String,
      requestedSchema: Schema.Record(Schema.String, Schema.Unknown)
    }),
    Schema.Struct({
      ...McpServerElicitationScope,
      mode: Schema.Literal("url"),
      message: Schema.String,
      url: Schema.String,
      elicitationId: Schema.String
    })
  ]),
  success: Schema.Struct({
    action: Schema.Literals(["accept", "decline", "cancel"]),
    content: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)))
  })
}) {}

/** Everything this server asks an app-server client. */
export const AppServerServerRequests = RpcGroup.make(
  CommandExecutionRequestApproval,
  FileChangeRequestApproval,
  ToolRequestUserInput,
  McpServerElicitationRequest
)
