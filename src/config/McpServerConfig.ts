/**
 * `[mcp_servers.<name>]` in config.toml: other MCP servers whose tools the model may call. A server is
 * either a child process spoken to over stdio (`command`, `args`, `env`) or a streamable HTTP endpoint
 * (`url`, with an optional bearer token read from an environment variable and extra headers).
 */
import { Result, Schema } from "effect"

/**
 * Whether a tool's calls are asked about: `auto` as the approval policy says (asked under `untrusted`),
 * `prompt` always, `approve` never.
 */
export const McpToolApprovalMode = Schema.Literals(["auto", "prompt", "approve"])
export type McpToolApprovalMode = typeof McpToolApprovalMode.Type

/** One `[mcp_servers.<name>]` table as written; which fields belong together is checked by `resolveMcpServers`. */
export const McpServerToml = Schema.Struct({
  command: Schema.optionalKey(Schema.String),
  args: Schema.optionalKey(Schema.Array(Schema.String)),
  env: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /**
   * Variables passed on from our environment by name: a name, or `{ name, source }` as the current Codex CLI
   * writes it. Only `source = "local"` (the default) exists here; a variable from another source is not passed.
   */
  env_vars: Schema.optionalKey(Schema.Array(Schema.Union([
    Schema.String,
    Schema.Struct({ name: Schema.String, source: Schema.optionalKey(Schema.String) })
  ]))),
  cwd: Schema.optionalKey(Schema.String),
  url: Schema.optionalKey(Schema.String),
  bearer_token_env_var: Schema.optionalKey(Schema.String),
  http_headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /** Header name → the environment variable holding its value. */
  env_http_headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  startup_timeout_sec: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
  /** The Codex CLI's older spelling of `startup_timeout_sec`. */
  startup_timeout_ms: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  tool_timeout_sec: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
  enabled: Schema.optionalKey(Schema.Boolean),
  enabled_tools: Schema.optionalKey(Schema.Array(Schema.String)),
  disabled_tools: Schema.optionalKey(Schema.Array(Schema.String)),
  required: Schema.optionalKey(Schema.Boolean),
  supports_parallel_tool_calls: Schema.optionalKey(Schema.Boolean),
  default_tools_approval_mode: Schema.optionalKey(McpToolApprovalMode),
  /** Per tool: `[mcp_servers.<name>.tools.<tool>] approval_mode = …`. */
  tools: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({ approval_mode: Schema.optionalKey(McpToolApprovalMode) })))
})
export type McpServerToml = typeof McpServerToml.Type

export type McpServerTransport =
  | {
    readonly type: "stdio"
    readonly command: string
    readonly args: ReadonlyArray<string>
    /** Added to the server process's environment. */
    readonly env: Readonly<Record<string, string>>
    /** Variables of ours passed on by name. */
    readonly envVars?: ReadonlyArray<string> | undefined
    /** Where the process starts; `/` when unset, never the conversation's cwd (see `STDIO_SERVER_CWD`). */
    readonly cwd?: string | undefined
  }
  | {
    readonly type: "http"
    readonly url: string
    /** The environment variable holding a bearer token, read when the server is connected. */
    readonly bearerTokenEnvVar?: string | undefined
    readonly headers: Readonly<Record<string, string>>
    /** Header name → the environment variable holding its value, read when the server is connected. */
    readonly envHeaders?: Readonly<Record<string, string>> | undefined
  }

/** A validated server entry, from config.toml or passed in code by an embedding program. */
export interface McpServerConfig {
  /** Matches `^[a-zA-Z0-9_-]+$`: it prefixes the tool names the model sees. */
  readonly name: string
  readonly transport: McpServerTransport
  readonly startupTimeoutMs: number
  readonly toolTimeoutMs: number
  /** Only these tools are offered, when set. */
  readonly enabledTools?: ReadonlyArray<string> | undefined
  readonly disabledTools: ReadonlyArray<string>
  /** `required = true`: a task does not run without this server (it fails, naming it, when the server cannot start). */
  readonly required?: boolean | undefined
  /** `supports_parallel_tool_calls = true`: its tools' calls of one response run at the same time. */
  readonly parallelToolCalls?: boolean | undefined
  /** `default_tools_approval_mode` and the per-tool `approval_mode`s; `auto` for every tool when unset. */
  readonly toolApproval?: {
    readonly defaultMode: McpToolApprovalMode
    readonly modes: Readonly<Record<string, McpToolApprovalMode>>
  } | undefined
}

/** How calls of `tool` are approved (see `McpToolApprovalMode`). */
export const toolApprovalMode = (server: McpServerConfig, tool: string): McpToolApprovalMode =>
  (server.toolApproval !== undefined && Object.hasOwn(server.toolApproval.modes, tool) ? server.toolApproval.modes[tool] : undefined) ??
    server.toolApproval?.defaultMode ?? "auto"

export const DEFAULT_STARTUP_TIMEOUT_MS = 10_000
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000

const SERVER_NAME = /^[a-zA-Z0-9_-]+$/

/** Whether the server offers `tool` under its `enabled_tools` / `disabled_tools`. */
export const isToolEnabled = (server: McpServerConfig, tool: string) =>
  (server.enabledTools === undefined || server.enabledTools.includes(tool)) && !server.disabledTools.includes(tool)

/** The names of `env_vars` read from this process's environment. */
const localEnvVars = (entries: McpServerToml["env_vars"]): ReadonlyArray<string> | undefined =>
  entries?.flatMap((entry) =>
    typeof entry === "string" ? [entry] : entry.source === undefined || entry.source === "local" ? [entry.name] : []
  )

const resolveOne = (name: string, entry: McpServerToml): Result.Result<McpServerConfig, string> => {
  const problem = (message: string) => Result.fail(`mcp_servers.${name}: ${message}`)
  if (!SERVER_NAME.test(name)) return problem("server names may only use letters, digits, `_` and `-`")
  const hasCommand = entry.command !== undefined
  const hasUrl = entry.url !== undefined
  if (hasCommand === hasUrl) return problem("set exactly one of `command` (a stdio server) or `url` (a streamable HTTP server)")
  if (hasCommand && (entry.bearer_token_env_var !== undefined || entry.http_headers !== undefined || entry.env_http_headers !== undefined)) {
    return problem("`bearer_token_env_var`, `http_headers` and `env_http_headers` need `url`, not `command`")
  }
  if (hasUrl && (entry.args !== undefined || entry.env !== undefined || entry.env_vars !== undefined || entry.cwd !== undefined)) {
    return problem("`args`, `env`, `env_vars` and `cwd` need `command`, not `url`")
  }
  if (entry.command !== undefined && entry.command.trim() === "") return problem("`command` is empty")
  if (entry.url !== undefined && !URL.canParse(entry.url)) return problem(`\`url\` is not a URL`)
  const transport: McpServerTransport = entry.command !== undefined
    ? { type: "stdio", command: entry.command, args: entry.args ?? [], env: entry.env ?? {}, envVars: localEnvVars(entry.env_vars), cwd: entry.cwd }
    : {
      type: "http",
      url: entry.url!,
      bearerTokenEnvVar: entry.bearer_token_env_var,
      headers: entry.http_headers ?? {},
      envHeaders: entry.env_http_headers
    }
  return Result.succeed({
    name,
    transport,
    startupTimeoutMs: entry.startup_timeout_sec !== undefined
      ? Math.round(entry.startup_timeout_sec * 1000)
      : entry.startup_timeout_ms ?? DEFAULT_STARTUP_TIMEOUT_MS,
    toolTimeoutMs: Math.round((entry.tool_timeout_sec ?? DEFAULT_TOOL_TIMEOUT_MS / 1000) * 1000),
    enabledTools: entry.enabled_tools,
    disabledTools: entry.disabled_tools ?? [],
    ...(entry.required === true ? { required: true } : {}),
    ...(entry.supports_parallel_tool_calls === true ? { parallelToolCalls: true } : {}),
    ...(entry.default_tools_approval_mode !== undefined || entry.tools !== undefined
      ? {
        toolApproval: {
          defaultMode: entry.default_tools_approval_mode ?? "auto",
          modes: Object.fromEntries(
            Object.entries(entry.tools ?? {}).flatMap(([tool, settings]) => settings.approval_mode !== undefined ? [[tool, settings.approval_mode]] : [])
          )
        }
      }
      : {})
  })
}

/** The enabled servers of `[mcp_servers]`, in name order; the first bad entry is an error naming it. */
export const resolveMcpServers = (
  table: Readonly<Record<string, McpServerToml>>
): Result.Result<ReadonlyArray<McpServerConfig>, string> => {
  const servers: Array<McpServerConfig> = []
  for (const name of Object.keys(table).sort()) {
    const entry = table[name]!
    const resolved = resolveOne(name, entry)
    if (Result.isFailure(resolved)) return Result.fail(resolved.failure)
    if (entry.enabled !== false) servers.push(resolved.success)
  }
  return Result.succeed(servers)
}
