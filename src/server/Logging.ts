/**
 * Where the server's logs go. Never stdout (that is the protocol): always stderr, filtered by
 * `--log-level` or else `CODEX_EFFECT_LOG` (trace, debug, info (default), warn, error, none), and, once
 * the client has called `logging/setLevel`, also to the client as `notifications/message` at that
 * level and above.
 */
import { Cause, Context, Effect, Layer, Logger, LogLevel, Queue, References } from "effect"
import { LoggingMessageNotification } from "effect/ai/McpSchema"
import type { Rpc } from "effect/rpc"
import type { LoggingLevel } from "../rpc/Mcp.js"
import { OutgoingSender } from "./OutgoingSender.js"

const MCP_LEVEL_RANK: Record<LoggingLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7
}

const toMcpLevel = (level: LogLevel.LogLevel): LoggingLevel => {
  switch (level) {
    case "Fatal":
      return "critical"
    case "Error":
      return "error"
    case "Warn":
      return "warning"
    case "Info":
      return "info"
    default:
      return "debug"
  }
}

const STDERR_LEVELS: Record<string, LogLevel.LogLevel> = {
  all: "All",
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  warning: "Warn",
  error: "Error",
  fatal: "Fatal",
  none: "None"
}

/** The names `--log-level` and `CODEX_EFFECT_LOG` accept. */
export const LOG_LEVEL_NAMES = Object.keys(STDERR_LEVELS)

/** The level named `value` (any case); undefined for a name no level has. */
export const parseLogLevel = (value: string): LogLevel.LogLevel | undefined =>
  Object.hasOwn(STDERR_LEVELS, value.toLowerCase()) ? STDERR_LEVELS[value.toLowerCase()] : undefined

/** The level the client asked for with `logging/setLevel`, if it has. */
export class ClientLogLevel extends Context.Service<ClientLogLevel, {
  readonly get: () => LoggingLevel | undefined
  readonly set: (level: LoggingLevel) => Effect.Effect<void>
}>()("codex-effect/ClientLogLevel") {
  static readonly layer = Layer.sync(ClientLogLevel, () => {
    let current: LoggingLevel | undefined
    return ClientLogLevel.of({ get: () => current, set: (level) => Effect.sync(() => void (current = level)) })
  })
}

const messageText = (message: unknown): string =>
  Array.isArray(message) ? message.map((part) => typeof part === "string" ? part : JSON.stringify(part)).join(" ") : String(message)

const stderrLogger = (threshold: LogLevel.LogLevel) =>
  Logger.make((options) => {
    if (threshold === "None" || LogLevel.isGreaterThan(threshold, options.logLevel)) return
    const line = Logger.formatLogFmt.log(options)
    process.stderr.write(line + "\n")
  })

/** Log messages waiting for the client; past this many, new ones are dropped rather than held. */
const CLIENT_LOG_QUEUE_CAPACITY = 1_000

/**
 * Loggers run synchronously, so the client's messages go through a queue: a fiber owned by the
 * layer's scope sends them in order, waiting for room in the outgoing queue like every other sender.
 */
const clientLogger = Effect.gen(function*() {
  const sender = yield* OutgoingSender
  const clientLevel = yield* ClientLogLevel
  const messages = yield* Queue.dropping<Rpc.Payload<typeof LoggingMessageNotification>>(CLIENT_LOG_QUEUE_CAPACITY)
  yield* Queue.take(messages).pipe(
    Effect.flatMap((message) => sender.notify(LoggingMessageNotification, message)),
    Effect.forever,
    Effect.forkScoped
  )
  return Logger.make((options) => {
    const wanted = clientLevel.get()
    if (wanted === undefined) return
    const level = toMcpLevel(options.logLevel)
    if (MCP_LEVEL_RANK[level] < MCP_LEVEL_RANK[wanted]) return
    const cause = options.cause.reasons.length === 0 ? "" : `\n${Cause.pretty(options.cause)}`
    Queue.offerUnsafe(messages, { level, logger: "codex-effect", data: messageText(options.message) + cause })
  })
})

/** Replaces Effect's default (stdout) logger: stderr plus the client, when it asked. */
export const serverLoggerLayer = (stderrThreshold: LogLevel.LogLevel) =>
  Layer.mergeAll(
    Logger.layer([stderrLogger(stderrThreshold), clientLogger]),
    // Debug for a client that asks for it; lower when stderr wants trace.
    Layer.succeed(References.MinimumLogLevel, LogLevel.isGreaterThan(stderrThreshold, "Debug") ? "Debug" : stderrThreshold)
  )

/** stderr only, for code that runs before the server exists (CLI errors, config loading). */
export const stderrLoggerLayer = (stderrThreshold: LogLevel.LogLevel) =>
  Logger.layer([stderrLogger(stderrThreshold)])
