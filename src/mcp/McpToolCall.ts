/**
 * An MCP server's tool as a tool the model can call (`server__tool`): the model's arguments are parsed,
 * the user is asked first under the `untrusted` policy (or always, or never, as the tool's
 * `approval_mode` says), and the call is framed by `mcp_tool_call_begin` /
 * `mcp_tool_call_end`. The model reads the result's text and structured content, capped like command
 * output. Interrupting the turn interrupts the call, which cancels it on the server.
 */
import type { CallToolResult, ElicitResult, Tool as McpTool } from "@modelcontextprotocol/sdk/types.js"
import { Clock, Effect, Result } from "effect"
import { outputBudgetBytes, truncateForModel } from "../agent/exec/ModelOutput.js"
import { MAX_ARGUMENT_DEPTH } from "../model/ModelOutputLimits.js"
import { denialText, type Tool, type ToolCall, type ToolContext } from "../agent/Tool.js"
import { durationFromMillis, type McpInvocation } from "../rpc/Event.js"
import type { CallHooks, McpConnection } from "./McpConnection.js"
import { toolApprovalMode } from "../config/McpServerConfig.js"
import { sanitizeInputSchema } from "./McpToolSchema.js"

/** The model's arguments: an empty string means none; anything else must be a JSON object. */
export const parseMcpArguments = (input: string): Result.Result<Record<string, unknown> | undefined, string> => {
  if (input.trim() === "") return Result.succeed(undefined)
  let parsed: unknown
  try {
    parsed = JSON.parse(input)
  } catch (error) {
    return Result.fail(error instanceof Error ? error.message : String(error))
  }
  if (parsed === null) return Result.succeed(undefined)
  if (typeof parsed !== "object" || Array.isArray(parsed)) return Result.fail("the arguments must be a JSON object")
  if (depthOf(parsed) > MAX_ARGUMENT_DEPTH) return Result.fail(`the arguments are nested too deeply (the limit is ${MAX_ARGUMENT_DEPTH} levels)`)
  return Result.succeed(parsed as Record<string, unknown>)
}

/** How deep objects and arrays nest in a parsed JSON value; iterative, so any depth is measured safely. */
const depthOf = (value: unknown): number => {
  let deepest = 0
  const pending: Array<readonly [unknown, number]> = [[value, 1]]
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!
    if (typeof next !== "object" || next === null) continue
    deepest = Math.max(deepest, depth)
    if (deepest > MAX_ARGUMENT_DEPTH) return deepest
    for (const child of Object.values(next)) pending.push([child, depth + 1])
  }
  return deepest
}

/** What the model reads of a result: its text parts, other parts named, and the structured content as JSON. */
export const mcpResultText = (result: CallToolResult, maxBytes?: number): string => {
  const parts = (result.content ?? []).map((part) => {
    switch (part.type) {
      case "text":
        return part.text
      case "image":
      case "audio":
        return `[${part.type}: ${part.mimeType}]`
      case "resource_link":
        return `[resource: ${part.uri}]`
      case "resource":
        return "text" in part.resource ? part.resource.text : `[resource: ${part.resource.uri}]`
      default:
        return JSON.stringify(part)
    }
  })
  // Servers often repeat the structured content as a JSON text part (MCP's compatibility rule): once is enough.
  if (result.structuredContent !== undefined) {
    const structured = JSON.stringify(result.structuredContent)
    if (!parts.includes(structured)) parts.push(structured)
  }
  const text = parts.join("\n")
  return truncateForModel(result.isError === true ? `tool call error: ${text}` : text, maxBytes)
}

/**
 * The call's answers to the server: its forms go to the user through the conversation
 * (`mcp_elicitation_request`), its progress becomes `mcp_tool_call_progress` events. Run with the
 * call's own services, so logs go where the call's go.
 */
const callHooks = (connection: McpConnection, call: ToolCall, context: ToolContext) =>
  Effect.map(Effect.context<never>(), (services): CallHooks => {
    const run = Effect.runPromiseWith(services)
    const server = connection.server.name
    return {
      // The content is passed back as the client gave it; the server checks it against its own schema.
      elicit: (request) => run(context.elicit({ callId: call.callId, server, ...request })) as Promise<ElicitResult>,
      progress: (progress) =>
        void run(context.emit({
          type: "mcp_tool_call_progress",
          call_id: call.callId,
          server,
          progress: progress.progress,
          ...(progress.total !== undefined ? { total: progress.total } : {}),
          ...(progress.message !== undefined ? { message: progress.message } : {})
        }))
    }
  })

/** Tells the client when the server crashed since it was last used (the call started it again). */
const reportCrash = (connection: McpConnection, context: ToolContext) =>
  Effect.suspend(() => {
    const crash = connection.takeCrashReport()
    return crash === undefined
      ? Effect.void
      : context.emit({ type: "background_event", message: `${crash}; it was started again` })
  })

const runCall = (connection: McpConnection, toolName: string, call: ToolCall, context: ToolContext) =>
  Effect.gen(function*() {
    const parsed = parseMcpArguments(call.input)
    if (Result.isFailure(parsed)) return `err: ${parsed.failure}`
    const args = parsed.success
    const invocation: McpInvocation = { server: connection.server.name, tool: toolName, arguments: args ?? null }
    const mode = toolApprovalMode(connection.server, toolName)
    if (mode === "prompt" || (mode === "auto" && context.turn.approvalPolicy === "untrusted")) {
      const outcome = yield* context.requestApproval({
        kind: "mcp",
        callId: call.callId,
        server: invocation.server,
        tool: toolName,
        arguments: invocation.arguments
      })
      if (outcome.decision !== "approved" && outcome.decision !== "approved_for_session") {
        return denialText(outcome, "the user denied this MCP tool call", (reason) => `the MCP tool call was not approved: ${reason}`)
      }
    }
    yield* context.emit({ type: "mcp_tool_call_begin", call_id: call.callId, invocation })
    const started = yield* Clock.currentTimeMillis
    const outcome = yield* Effect.result(connection.callTool(toolName, args, yield* callHooks(connection, call, context)))
    const duration = durationFromMillis((yield* Clock.currentTimeMillis) - started)
    yield* reportCrash(connection, context)
    if (Result.isFailure(outcome)) {
      const message = `tool call error: ${outcome.failure.message}`
      yield* context.emit({ type: "mcp_tool_call_end", call_id: call.callId, invocation, duration, result: { Err: message } })
      return truncateForModel(message)
    }
    const result = outcome.success
    yield* context.emit({ type: "mcp_tool_call_end", call_id: call.callId, invocation, duration, result: { Ok: result } })
    return mcpResultText(result, outputBudgetBytes(context.turn.config.toolOutputTokenLimit))
  })

/** `tool` of `connection`, offered to the model as `name`. */
export const mcpTool = (connection: McpConnection, tool: McpTool, name: string): Tool => ({
  name,
  spec: {
    type: "function",
    name,
    description: tool.description ?? tool.title ?? "",
    strict: false,
    parameters: sanitizeInputSchema(tool.inputSchema)
  },
  run: (call, context) => runCall(connection, tool.name, call, context),
  ...(connection.server.parallelToolCalls === true ? { parallel: true } : {})
})
