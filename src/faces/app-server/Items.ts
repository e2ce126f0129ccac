/**
 * The app-server v2 data shapes this server sends: threads, turns and their items, as the reference's
 * generated schema (`codex app-server generate-json-schema`) declares them. Only the subset served here;
 * each field the reference requires is present, optional ones the reference sends as `null` are sent so too.
 */
import { Effect, Schema } from "effect"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** One piece of user input (`turn/start`'s `input`, a `userMessage`'s `content`). */
export const UserInput = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("text"),
    text: Schema.String,
    text_elements: Schema.optionalKey(Schema.Array(Schema.Unknown))
  }),
  Schema.Struct({ type: Schema.Literal("image"), url: Schema.String }),
  Schema.Struct({ type: Schema.Literal("localImage"), path: Schema.String })
])
export type UserInput = typeof UserInput.Type

/** A best-effort reading of a command, for display. */
export const CommandAction = Schema.Union([
  Schema.Struct({ type: Schema.Literal("read"), command: Schema.String, name: Schema.String, path: Schema.String }),
  Schema.Struct({ type: Schema.Literal("listFiles"), command: Schema.String, path: Schema.NullOr(Schema.String) }),
  Schema.Struct({
    type: Schema.Literal("search"),
    command: Schema.String,
    query: Schema.NullOr(Schema.String),
    path: Schema.NullOr(Schema.String)
  }),
  Schema.Struct({ type: Schema.Literal("unknown"), command: Schema.String })
])
export type CommandAction = typeof CommandAction.Type

export const ItemStatus = Schema.Literals(["inProgress", "completed", "failed", "declined"])
export type ItemStatus = typeof ItemStatus.Type

export const PatchChangeKind = Schema.Union([
  Schema.Struct({ type: Schema.Literal("add") }),
  Schema.Struct({ type: Schema.Literal("delete") }),
  Schema.Struct({ type: Schema.Literal("update"), move_path: Schema.NullOr(Schema.String) })
])

export const FileUpdateChange = Schema.Struct({ path: Schema.String, kind: PatchChangeKind, diff: Schema.String })
export type FileUpdateChange = typeof FileUpdateChange.Type

const item = <const Type extends string, const Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Schema.Struct({ type: Schema.Literal(type), id: Schema.String, ...fields })

export const ThreadItem = Schema.Union([
  item("userMessage", { content: Schema.Array(UserInput) }),
  item("agentMessage", { text: Schema.String }),
  item("reasoning", { summary: Schema.Array(Schema.String), content: Schema.Array(Schema.String) }),
  item("commandExecution", {
    command: Schema.String,
    cwd: Schema.String,
    processId: Schema.NullOr(Schema.String),
    status: ItemStatus,
    commandActions: Schema.Array(CommandAction),
    aggregatedOutput: Schema.NullOr(Schema.String),
    exitCode: Schema.NullOr(Schema.Int),
    durationMs: Schema.NullOr(Count)
  }),
  item("fileChange", { changes: Schema.Array(FileUpdateChange), status: ItemStatus }),
  item("mcpToolCall", {
    server: Schema.String,
    tool: Schema.String,
    status: Schema.Literals(["inProgress", "completed", "failed"]),
    arguments: Schema.Unknown,
    result: Schema.NullOr(Schema.Struct({
      content: Schema.Array(Schema.Unknown),
      structuredContent: Schema.NullOr(Schema.Unknown)
    })),
    error: Schema.NullOr(Schema.Struct({ message: Schema.String })),
    durationMs: Schema.NullOr(Count)
  }),
  item("webSearch", { query: Schema.String }),
  item("imageView", { path: Schema.String }),
  item("plan", { text: Schema.String }),
  item("contextCompaction", {}),
  /** A review began: `review` names it (the request's user-facing hint). */
  item("enteredReviewMode", { review: Schema.String }),
  /** A review ended: `review` is what it found, as text. */
  item("exitedReviewMode", { review: Schema.String })
])
export type ThreadItem = typeof ThreadItem.Type
export type ThreadItemOf<T extends ThreadItem["type"]> = Extract<ThreadItem, { readonly type: T }>

export const TurnStatus = Schema.Literals(["completed", "interrupted", "failed", "inProgress"])
export type TurnStatus = typeof TurnStatus.Type

export const TurnError = Schema.Struct({
  message: Schema.String,
  codexErrorInfo: Schema.NullOr(Schema.String),
  additionalDetails: Schema.NullOr(Schema.String)
})
export type TurnError = typeof TurnError.Type

export const Turn = Schema.Struct({
  id: Schema.String,
  items: Schema.Array(ThreadItem),
  itemsView: Schema.Literals(["notLoaded", "summary", "full"]),
  status: TurnStatus,
  error: Schema.NullOr(TurnError),
  startedAt: Schema.NullOr(Count),
  completedAt: Schema.NullOr(Count),
  durationMs: Schema.NullOr(Count)
})
export type Turn = typeof Turn.Type

/** A turn as the answer that starts it shows it: in progress, nothing timed yet. */
export const turnInProgress = (id: string, items: ReadonlyArray<ThreadItem> = []): Turn => ({
  id,
  items,
  itemsView: "notLoaded",
  status: "inProgress",
  error: null,
  startedAt: null,
  completedAt: null,
  durationMs: null
})

export const ThreadStatus = Schema.Union([
  Schema.Struct({ type: Schema.Literal("notLoaded") }),
  Schema.Struct({ type: Schema.Literal("idle") }),
  Schema.Struct({ type: Schema.Literal("systemError") }),
  Schema.Struct({
    type: Schema.Literal("active"),
    activeFlags: Schema.Array(Schema.Literals(["waitingOnApproval", "waitingOnUserInput"]))
  })
])
export type ThreadStatus = typeof ThreadStatus.Type

export const Thread = Schema.Struct({
  id: Schema.String,
  sessionId: Schema.String,
  forkedFromId: Schema.NullOr(Schema.String),
  parentThreadId: Schema.NullOr(Schema.String),
  preview: Schema.String,
  ephemeral: Schema.Boolean,
  projectId: Schema.NullOr(Schema.String),
  modelProvider: Schema.String,
  model: Schema.NullOr(Schema.String),
  createdAt: Count,
  updatedAt: Count,
  status: ThreadStatus,
  path: Schema.NullOr(Schema.String),
  cwd: Schema.String,
  cliVersion: Schema.String,
  source: Schema.Literals(["cli", "vscode", "exec", "appServer", "unknown"]),
  name: Schema.NullOr(Schema.String),
  turns: Schema.Array(Turn)
})
export type Thread = typeof Thread.Type

/** The sandbox in force, as the reference reports it (v2 names). */
/** A field a client may leave out, as the reference's defaults allow. */
const defaulted = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

export const SandboxPolicy = Schema.Union([
  Schema.Struct({ type: Schema.Literal("dangerFullAccess") }),
  Schema.Struct({ type: Schema.Literal("readOnly"), networkAccess: defaulted(Schema.Boolean, false) }),
  Schema.Struct({
    type: Schema.Literal("workspaceWrite"),
    writableRoots: defaulted(Schema.Array(Schema.String), []),
    networkAccess: defaulted(Schema.Boolean, false),
    excludeTmpdirEnvVar: defaulted(Schema.Boolean, false),
    excludeSlashTmp: defaulted(Schema.Boolean, false)
  })
])
export type SandboxPolicy = typeof SandboxPolicy.Type

export const TokenUsageBreakdown = Schema.Struct({
  totalTokens: Count,
  inputTokens: Count,
  cachedInputTokens: Count,
  outputTokens: Count,
  reasoningOutputTokens: Count
})
export type TokenUsageBreakdown = typeof TokenUsageBreakdown.Type
