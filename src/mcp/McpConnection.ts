/**
 * One connection to one MCP server, through the official SDK `Client`: connect within the start-up
 * time-out, list the tools it offers, call them with the tool time-out. A stdio server that crashed is
 * started again on the next call. Closing kills the server's process group.
 *
 * The client declares the `elicitation` capability (forms and URLs): a server that asks the user during a
 * tool call gets the answer of whoever made that call (`CallHooks.elicit`), and its progress notifications
 * go to that call too. A request that arrives with no call running is declined.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import { type CallToolResult, ElicitRequestSchema, type ElicitResult, type Progress, type Tool as McpTool } from "@modelcontextprotocol/sdk/types.js"
import { Data, Effect } from "effect"
import type { Environment } from "../services/ProcessEnvironment.js"
import { VERSION } from "../version.js"
import { resolveServerProgram, serverProgramPath } from "../agent/exec/ServerPrograms.js"
import { isToolEnabled, type McpServerConfig } from "../config/McpServerConfig.js"
import { keepNotificationsBeforeAnswers } from "./NotificationOrder.js"
import { overLimit } from "../model/ModelOutputLimits.js"
import { fetchWithEventCap } from "../model/SseEventCap.js"
import { MAX_MCP_MESSAGE_BYTES, ProcessGroupStdioTransport } from "./ProcessGroupStdioTransport.js"

/** Why a server could not be used; `message` names the server and, for a process, ends with its stderr. */
export class McpServerError extends Data.TaggedError("McpServerError")<{ readonly message: string }> {}

/** The variables a stdio server inherits from ours (as the reference does); the rest stay private. */
const INHERITED_ENV = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LC_ALL", "TMPDIR"]

/** A server's listing is bounded: 100 pages. */
const MAX_TOOL_PAGES = 100

const CLIENT_INFO = { name: "codex-effect", version: VERSION }

/**
 * Where a stdio server starts when its config names no `cwd`. Never the conversation's: the model writes
 * there, and what a launcher loads from its working directory runs outside any sandbox (`npx` prefers a
 * `node_modules` package there, `python -m` and `node` a module there, `npm` reads `.npmrc`). `/` is
 * no sandbox's to write.
 */
export const STDIO_SERVER_CWD = "/"

export interface McpConnectionContext {
  readonly env: Environment
}

interface Live {
  readonly client: Client
  readonly transport: Transport
  readonly tools: ReadonlyArray<McpTool>
}

/** A server's question: a form (`requestedSchema`), or a page to open (`url`, URL mode, with its `elicitationId`). */
export type ServerElicitation =
  | { readonly message: string; readonly requestedSchema: Record<string, unknown> }
  | { readonly message: string; readonly url: string; readonly elicitationId: string }

/** What a tool call does with the server's questions and progress while it runs. */
export interface CallHooks {
  readonly elicit: (request: ServerElicitation) => Promise<ElicitResult>
  readonly progress: (progress: Progress) => void
}

export interface McpConnection {
  readonly server: McpServerConfig
  /** The enabled tools the server listed when it (last) started. */
  readonly tools: () => ReadonlyArray<McpTool>
  /** The server process's id while a stdio server runs. */
  readonly pid: () => number | undefined
  /** Calls a tool with the server's tool time-out; interrupting the effect cancels the call. */
  readonly callTool: (
    tool: string,
    args: Record<string, unknown> | undefined,
    hooks?: CallHooks | undefined
  ) => Effect.Effect<CallToolResult, McpServerError>
  /** A crash not yet reported (the stderr tail), taken once. */
  readonly takeCrashReport: () => string | undefined
  readonly close: Effect.Effect<void>
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const withStderr = (message: string, transport: Transport | undefined) => {
  const tail = transport instanceof ProcessGroupStdioTransport ? transport.stderrTail() : ""
  return tail === "" ? message : `${message}; stderr: ${tail}`
}

const makeTransport = (server: McpServerConfig, context: McpConnectionContext): Transport => {
  const transport = server.transport
  if (transport.type === "stdio") {
    const inherited = Object.fromEntries([...INHERITED_ENV, ...(transport.envVars ?? [])].flatMap((key) => {
      const value = context.env[key]
      return value === undefined ? [] : [[key, value]]
    }))
    const cwd = transport.cwd ?? STDIO_SERVER_CWD
    // Never a program, or a PATH entry, where a sandboxed command could plant one (see `ServerPrograms`).
    const env: Record<string, string> = { ...inherited, ...transport.env }
    const lookup = { ...context.env, PATH: env.PATH }
    const located = resolveServerProgram(transport.command, lookup, cwd)
    if ("planted" in located) throw new Error(located.missing)
    if (env.PATH !== undefined) env.PATH = serverProgramPath(lookup)
    // A program found nowhere is left to the spawn, whose ENOENT says so as usual.
    const command = "path" in located ? located.path : transport.command
    return new ProcessGroupStdioTransport({ command, args: transport.args, env, cwd })
  }
  const headers: Record<string, string> = { ...transport.headers }
  for (const [header, variable] of Object.entries(transport.envHeaders ?? {})) {
    const value = context.env[variable]
    if (value !== undefined && value !== "") headers[header] = value
  }
  if (transport.bearerTokenEnvVar !== undefined) {
    const token = context.env[transport.bearerTokenEnvVar]
    if (token === undefined || token === "") {
      throw new Error(`the environment variable ${transport.bearerTokenEnvVar} (bearer_token_env_var) is not set`)
    }
    headers.Authorization = `Bearer ${token}`
  }
  // Its answers are data of any size: one message (a JSON body, or an event of a stream) is cut past the cap
  // while it arrives, like the stdio transport's lines; a long-lived event stream has no total.
  const capped = fetchWithEventCap(MAX_MCP_MESSAGE_BYTES, Number.POSITIVE_INFINITY, `MCP server \`${server.name}\`'s answer`)
  return new StreamableHTTPClientTransport(new URL(transport.url), { requestInit: { headers }, fetch: capped })
}

/**
 * A server's tools, in all: every one is offered to the model with each request, so a server (its answers
 * are data) that lists a flood page after page must not grow the server's memory or every request with it.
 */
const MAX_TOOLS = 1024
const MAX_TOOLS_CHARS = 8 * 1024 * 1024

const listAllTools = async (client: Client, signal: AbortSignal, timeout: number) => {
  const tools: Array<McpTool> = []
  let chars = 0
  let cursor: string | undefined
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout })
    tools.push(...result.tools)
    chars += result.tools.reduce((sum, tool) => sum + JSON.stringify(tool).length, 0)
    if (tools.length > MAX_TOOLS) throw new Error(`its tool list: ${overLimit("the tools", tools.length, MAX_TOOLS, "tools or more")}`)
    if (chars > MAX_TOOLS_CHARS) throw new Error(`its tool list: ${overLimit("the tools", chars, MAX_TOOLS_CHARS, "characters or more")}`)
    cursor = result.nextCursor
    if (cursor === undefined) break
  }
  return tools
}

/** Starts the server and lists its tools within `startupTimeoutMs`; on failure the process is gone. */
const start = (
  server: McpServerConfig,
  context: McpConnectionContext,
  onClose: (transport: Transport) => void,
  elicit: CallHooks["elicit"]
) =>
  Effect.gen(function*() {
    let transport: Transport | undefined
    const client = new Client(CLIENT_INFO, { capabilities: { elicitation: { form: {}, url: {} } } })
    client.setRequestHandler(ElicitRequestSchema, ({ params }) =>
      params.mode === "url"
        ? elicit({ message: params.message, url: params.url, elicitationId: params.elicitationId })
        : elicit({ message: params.message, requestedSchema: params.requestedSchema as Record<string, unknown> })
    )
    const connect = Effect.tryPromise({
      try: async (signal) => {
        transport = makeTransport(server, context)
        await client.connect(transport, { signal, timeout: server.startupTimeoutMs })
        const owned = transport
        keepNotificationsBeforeAnswers(owned)
        // Set after connect: the client installs its own handler, which this one calls on.
        const clientOnClose = owned.onclose
        owned.onclose = () => {
          clientOnClose?.()
          onClose(owned)
        }
        return await listAllTools(client, signal, server.startupTimeoutMs)
      },
      catch: (error) => error
    })
    const tools = yield* connect.pipe(
      Effect.timeoutOrElse({
        duration: server.startupTimeoutMs,
        orElse: () => Effect.fail(new Error(`did not start within ${server.startupTimeoutMs / 1000} s (startup_timeout_sec)`))
      }),
      // Failed, timed out or interrupted (the conversation closed): the process must not stay behind.
      Effect.onError(() => Effect.promise(() => client.close().catch(() => undefined))),
      Effect.mapError((error) =>
        new McpServerError({ message: withStderr(`MCP server \`${server.name}\` failed to start: ${describe(error)}`, transport) })
      )
    )
    return { client, transport: transport!, tools: tools.filter((tool) => isToolEnabled(server, tool.name)) } satisfies Live
  })

/** Connects to `server`; fails (with the process already gone) when it cannot start. */
export const connectMcpServer = (server: McpServerConfig, context: McpConnectionContext) =>
  Effect.gen(function*() {
    let live: Live | undefined
    let closed = false
    let crashReport: string | undefined
    const onClose = (transport: Transport) => {
      if (closed || live?.transport !== transport) return
      crashReport = withStderr(`MCP server \`${server.name}\` exited`, transport)
      live = undefined
    }
    /** The calls running now, newest last: a server's form goes to the newest (calls on one server rarely overlap). */
    const calls: Array<CallHooks> = []
    const elicit: CallHooks["elicit"] = (request) => {
      const caller = calls.at(-1)
      return caller === undefined ? Promise.resolve({ action: "decline" }) : caller.elicit(request)
    }
    live = yield* start(server, context, onClose, elicit)
    const lastTools = live.tools

    /** The running connection, starting a crashed stdio server again. */
    const running = Effect.suspend(() => {
      if (live !== undefined) return Effect.succeed(live)
      if (closed) return Effect.fail(new McpServerError({ message: `MCP server \`${server.name}\` is closed` }))
      return start(server, context, onClose, elicit).pipe(Effect.tap((started) => Effect.sync(() => {
        live = started
      })))
    })

    const callTool = (tool: string, args: Record<string, unknown> | undefined, hooks?: CallHooks) =>
      running.pipe(Effect.flatMap((connection) =>
        Effect.tryPromise({
          try: async (signal) => {
            if (hooks !== undefined) calls.push(hooks)
            try {
              return await connection.client.callTool(
                { name: tool, ...(args !== undefined ? { arguments: args } : {}) },
                undefined,
                { signal, timeout: server.toolTimeoutMs, ...(hooks !== undefined ? { onprogress: hooks.progress } : {}) }
              ) as CallToolResult
            } finally {
              if (hooks !== undefined) calls.splice(calls.indexOf(hooks), 1)
            }
          },
          catch: (error) => {
            const message = describe(error)
            const timedOut = /timed out/i.test(message)
            return new McpServerError({
              message: timedOut
                ? `tool call timed out after ${server.toolTimeoutMs / 1000} s (tool_timeout_sec)`
                : withStderr(message, connection.transport)
            })
          }
        })
      ))

    const connection: McpConnection = {
      server,
      tools: () => live?.tools ?? lastTools,
      pid: () => (live?.transport instanceof ProcessGroupStdioTransport ? live.transport.pid : undefined),
      callTool,
      takeCrashReport: () => {
        const report = crashReport
        crashReport = undefined
        return report
      },
      close: Effect.suspend(() => {
        closed = true
        const current = live
        live = undefined
        return current === undefined ? Effect.void : Effect.promise(() => current.client.close().catch(() => undefined))
      })
    }
    return connection
  })
