/**
 * The MCP methods this server answers and calls, and the MCP notification it reads (the ones it sends
 * are in `Notifications.ts`).
 *
 * Building blocks come from `effect/ai`'s McpSchema; the Rpcs are declared here because our answers
 * differ from what its `McpServer` produces (codex tools with exact wire schemas, `codex_*` fields in
 * elicitations, protocol negotiation; see docs/differences.md).
 */
import { Schema } from "effect"
import * as McpSchema from "effect/ai/McpSchema"
import { Rpc, RpcGroup } from "effect/rpc"
import { RequestId } from "./Enums.js"
import { CreateTaskResult, TaskMetadata } from "./Tasks.js"

/** The protocol revisions this server speaks, oldest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-06-18", "2025-11-25"] as const
export const LATEST_PROTOCOL_VERSION = SUPPORTED_PROTOCOL_VERSIONS[SUPPORTED_PROTOCOL_VERSIONS.length - 1]!

/** `_meta` of a request: carries `progressToken` when the client wants progress notifications. */
const RequestMetaFields = McpSchema.RequestMeta.fields

const InitializeParams = Schema.Struct({
  ...RequestMetaFields,
  protocolVersion: Schema.String,
  capabilities: McpSchema.ClientCapabilities,
  clientInfo: McpSchema.Implementation
})

export const InitializeResult = Schema.Struct({
  protocolVersion: Schema.String,
  capabilities: Schema.Struct({
    tools: Schema.Struct({ listChanged: Schema.Boolean }),
    logging: Schema.Struct({}),
    /** MCP tasks (2025-11-25): `tools/call` may run as a task; tasks can be listed and cancelled. */
    tasks: Schema.optionalKey(Schema.Struct({
      list: Schema.Struct({}),
      cancel: Schema.Struct({}),
      requests: Schema.Struct({ tools: Schema.Struct({ call: Schema.Struct({}) }) })
    }))
  }),
  serverInfo: Schema.Struct({ name: Schema.String, title: Schema.String, version: Schema.String })
})
export type InitializeResult = typeof InitializeResult.Type

/** A tool as listed by `tools/list`; the schemas are plain JSON Schema objects. */
export const ToolDescription = Schema.Struct({
  name: Schema.String,
  title: Schema.String,
  description: Schema.String,
  inputSchema: Schema.Record(Schema.String, Schema.Unknown),
  outputSchema: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  execution: Schema.optionalKey(Schema.Struct({ taskSupport: Schema.Literals(["forbidden", "optional", "required"]) }))
})
export type ToolDescription = typeof ToolDescription.Type

export const CallToolParams = Schema.Struct({
  ...RequestMetaFields,
  name: Schema.String,
  arguments: Schema.optionalKey(Schema.Unknown),
  /** Run the call as an MCP task: answered at once with the task, the result via `tasks/result`. */
  task: Schema.optionalKey(TaskMetadata)
})
export type CallToolParams = typeof CallToolParams.Type

export const CallToolResult = Schema.Struct({
  content: Schema.Array(Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })),
  structuredContent: Schema.optionalKey(Schema.Struct({ threadId: Schema.String, content: Schema.String })),
  isError: Schema.optionalKey(Schema.Boolean)
})
export type CallToolResult = typeof CallToolResult.Type

const Empty = Schema.Struct({})
/** Params that may be absent or any object (`ping`, list methods): only `_meta` is read. */
const OptionalMeta = Schema.UndefinedOr(Schema.Struct({ ...RequestMetaFields }))

export const LoggingLevel = McpSchema.LoggingLevel
export type LoggingLevel = typeof LoggingLevel.Type

export class Initialize extends Rpc.make("initialize", { payload: InitializeParams, success: InitializeResult }) {}
export class Ping extends Rpc.make("ping", { payload: OptionalMeta, success: Empty }) {}
export class ListTools extends Rpc.make("tools/list", {
  payload: OptionalMeta,
  success: Schema.Struct({ tools: Schema.Array(ToolDescription) })
}) {}
export class CallTool extends Rpc.make("tools/call", {
  payload: CallToolParams,
  success: Schema.Union([CallToolResult, CreateTaskResult])
}) {}
export class ListResources extends Rpc.make("resources/list", {
  payload: OptionalMeta,
  success: Schema.Struct({ resources: Schema.Array(Schema.Unknown) })
}) {}
export class ListResourceTemplates extends Rpc.make("resources/templates/list", {
  payload: OptionalMeta,
  success: Schema.Struct({ resourceTemplates: Schema.Array(Schema.Unknown) })
}) {}
export class ListPrompts extends Rpc.make("prompts/list", {
  payload: OptionalMeta,
  success: Schema.Struct({ prompts: Schema.Array(Schema.Unknown) })
}) {}
export class SetLevel extends Rpc.make("logging/setLevel", {
  payload: Schema.Struct({ ...RequestMetaFields, level: LoggingLevel }),
  success: Empty
}) {}

/** The lifecycle and discovery methods: none needs the agent, so a server can answer them while it loads. */
export const McpLifecycleRequests = RpcGroup.make(Initialize, Ping, ListTools, ListResources, ListResourceTemplates, ListPrompts, SetLevel)

// --- server → client ----------------------------------------------------------------------------

/** The one property a form-rendering client can fill in: the reference's `ReviewDecision`. */
export const ApprovalRequestedSchema = {
  type: "object",
  properties: {
    decision: {
      type: "string",
      title: "Decision",
      description: "approved: run it once; approved_for_session: also run identical requests this session; " +
        "denied: refuse and let the agent continue; abort: stop the whole turn.",
      enum: ["approved", "approved_for_session", "denied", "abort"],
      enumNames: ["Approve", "Approve for this session", "Deny", "Abort the turn"]
    }
  }
} as const

/**
 * `elicitation/create` params: MCP's `{message, requestedSchema}` (a form) or `{mode: "url", message, url,
 * elicitationId}` (a page to open), plus the reference's `codex_*` fields.
 */
export const ElicitParams = Schema.Struct({
  mode: Schema.optionalKey(Schema.Literal("url")),
  message: Schema.String,
  requestedSchema: Schema.optionalKey(Schema.Unknown),
  url: Schema.optionalKey(Schema.String),
  elicitationId: Schema.optionalKey(Schema.String),
  /** The conversation the request comes from, as the reference sends it. */
  threadId: Schema.optionalKey(Schema.String),
  codex_elicitation: Schema.Literals(["exec-approval", "patch-approval", "mcp-tool-call", "request-user-input", "mcp-server-elicitation"]),
  codex_mcp_tool_call_id: Schema.String,
  codex_event_id: Schema.String,
  codex_call_id: Schema.String,
  codex_command: Schema.optionalKey(Schema.Array(Schema.String)),
  codex_cwd: Schema.optionalKey(Schema.String),
  /** What the command does, as `exec_command_begin.parsed_cmd` says it. */
  codex_parsed_cmd: Schema.optionalKey(Schema.Unknown),
  codex_reason: Schema.optionalKey(Schema.String),
  codex_grant_root: Schema.optionalKey(Schema.String),
  codex_changes: Schema.optionalKey(Schema.Unknown),
  codex_mcp_server: Schema.optionalKey(Schema.String),
  codex_mcp_tool: Schema.optionalKey(Schema.String),
  codex_mcp_arguments: Schema.optionalKey(Schema.Unknown),
  /** The model's questions, as the `request_user_input` event carries them. */
  codex_questions: Schema.optionalKey(Schema.Unknown),
  /** Carries the related task (`io.modelcontextprotocol/related-task`) when the call runs as a task. */
  _meta: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
})
export type ElicitParams = typeof ElicitParams.Type

/**
 * An elicitation answer: the reference's `{decision}` or a standard MCP `{action, content?}`.
 * Kept loose on purpose: anything that decodes as neither counts as `denied` (see `ApprovalAnswer`).
 */
export class Elicit extends Rpc.make("elicitation/create", { payload: ElicitParams, success: Schema.Unknown }) {}

// --- notifications --------------------------------------------------------------------------------

export const CancelledParams = Schema.Struct({
  requestId: RequestId,
  reason: Schema.optionalKey(Schema.String)
})
