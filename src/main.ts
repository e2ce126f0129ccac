/**
 * The `codex-effect` command line: `mcp` (the default) runs the stdio server; `login`, `logout` and
 * `sessions` manage credentials and saved conversations; `--version`, `--help` (also `help [command]`),
 * `--log-level` and repeatable `-c key=value` config overrides are shared by every subcommand.
 * Usage errors go to stderr only (stdout is the protocol) and exit with code 2.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Console, Data, Effect, Exit, Layer, Option, References } from "effect"
import { CliError, CliOutput, Command, Flag, GlobalFlag } from "effect/cli"
import { makeAuthCommands } from "./cli/AuthCommands.js"
import { makeSessionCommands } from "./cli/SessionCommands.js"
import { clusterCommand } from "./cli/ClusterCommands.js"
import { makeExecCommand } from "./faces/exec/ExecCommand.js"
import { type ClusterOptions, parseRunnerAddress } from "./cluster/ClusterOptions.js"
import { withCodexHomeDotEnv } from "./config/DotEnv.js"
import { CommandIsolation, urlPassword } from "./services/CommandIsolation.js"
import { collectingBetweenTurns, TurnEndCollection } from "./services/TurnEndCollection.js"
import { ProcessEnvironment } from "./services/ProcessEnvironment.js"
import { LOG_LEVEL_NAMES, parseLogLevel, stderrLoggerLayer } from "./server/Logging.js"
import { stdioServerLayer } from "./server/StdioSession.js"
import { resolveCodexHome } from "./services/Config.js"
import { serveStdio } from "./server/StdioServer.js"
import { type ListenAddress, parseListenAddress } from "./config/ListenAddress.js"
import { VERSION } from "./version.js"
import { closeInheritedDescriptors } from "./agent/exec/InheritedDescriptors.js"
import { settleCertificateLoading, settlesAfterFirstAnswer } from "./services/CertificateLoading.js"
import { otelTracingLayer } from "./server/OtelTracing.js"

// Before anything starts a process: no child of this server inherits what its launcher left open,
// nor the certificate files Node would read on a thread of its own while a child starts (the stdio
// server reads those after its first answer, see `CertificateLoading`).
closeInheritedDescriptors()
if (!settlesAfterFirstAnswer(process.argv.slice(2))) settleCertificateLoading()

/** A `CODEX_EFFECT_LOG` naming no level: an error, like an unknown `--log-level`. */
class LogLevelError extends Data.TaggedError("LogLevelError")<{ readonly message: string }> {
  readonly exitCode = 2
}

const envLogLevelName = process.env.CODEX_EFFECT_LOG ?? ""
const envLogLevel = envLogLevelName === "" ? "Info" : parseLogLevel(envLogLevelName)

/** The stderr threshold: `--log-level` wins over `CODEX_EFFECT_LOG`; `info` without either. */
const stderrThreshold = Effect.gen(function*() {
  const flag = yield* GlobalFlag.LogLevel
  if (Option.isSome(flag)) return flag.value
  if (envLogLevel !== undefined) return envLogLevel
  return yield* new LogLevelError({
    message: `unknown log level "${envLogLevelName}" in CODEX_EFFECT_LOG; expected one of: ${LOG_LEVEL_NAMES.join(", ")}`
  })
})

/** Undocumented, for tests: the progress heartbeat's interval, so a test need not wait the real one. */
const progressIntervalMs = ((value) => (Number.isInteger(value) && value > 0 ? value : undefined))(
  Number(process.env.CODEX_EFFECT_PROGRESS_INTERVAL_MS)
)

const configOverrides = Flag.String("config").pipe(
  Flag.withAlias("c"),
  Flag.withDescription(
    "Override a config.toml value: -c key=value (dotted keys, TOML values; repeatable). Example: -c model=\"o3\""
  ),
  Flag.atLeast(0)
)

/** The server's environment: this process's, plus what `CODEX_HOME/.env` adds (said on stderr, names only). */
const serverEnvironment = Effect.suspend(() => {
  const dotEnv = withCodexHomeDotEnv(process.env, resolveCodexHome(process.env))
  const said = dotEnv.problem !== undefined
    ? Effect.logWarning(dotEnv.problem)
    : dotEnv.loaded.length > 0
    ? Effect.logInfo(`loaded ${dotEnv.loaded.join(", ")} from CODEX_HOME/.env`)
    : Effect.void
  return Effect.as(said, dotEnv.env)
})

/**
 * `--cluster`: conversations as entities of a cluster over PostgreSQL. Loaded only then: a server without it
 * never needs the cluster engine or the PostgreSQL driver.
 */
const clusterConversations = (cluster: ClusterOptions | undefined) =>
  cluster === undefined ? undefined : Layer.unwrap(
    Effect.promise(() => import("./cluster/ClusterLayer.js")).pipe(
      Effect.map(({ clusteredConversations }) => clusteredConversations(cluster))
    )
  )

const runServer = (cliOverrides: ReadonlyArray<string>, cluster?: ClusterOptions, drainTimeoutMs?: number) =>
  Effect.gen(function*() {
    const stderrLogLevel = yield* stderrThreshold
    const env = yield* serverEnvironment
    yield* serveStdio({ drainTimeoutMs }).pipe(
      Effect.provide(stdioServerLayer({ stderrLogLevel, cliOverrides, progressIntervalMs, conversations: clusterConversations(cluster) })),
      Effect.provideService(ProcessEnvironment, env),
      Effect.provideService(CommandIsolation, { secrets: cluster === undefined ? [] : urlPassword(cluster.url) }),
      Effect.provideService(TurnEndCollection, collectingBetweenTurns())
    )
  })

/** A missing or empty `--auth-token-env` variable: the server must not start unprotected by mistake. */
class AuthTokenError extends Data.TaggedError("AuthTokenError")<{ readonly message: string }> {
  readonly exitCode = 2
}

const runHttpServer = (
  cliOverrides: ReadonlyArray<string>,
  listen: ListenAddress,
  authTokenEnv: Option.Option<string>,
  cluster: ClusterOptions | undefined,
  drainTimeoutMs: number
) =>
  Effect.gen(function*() {
    const stderrLogLevel = yield* stderrThreshold
    const env = yield* serverEnvironment
    // Without a token, any local process (a sandboxed command with network access included) could drive the agent.
    if (Option.isNone(authTokenEnv)) {
      return yield* new AuthTokenError({
        message: "--http needs --auth-token-env NAME: every request must carry `Authorization: Bearer <token>`, the token " +
          "read from $NAME, e.g. `export MCP_TOKEN=$(openssl rand -hex 32)` then `--auth-token-env MCP_TOKEN`"
      })
    }
    const authToken = env[authTokenEnv.value]
    if (authToken === undefined || authToken === "") {
      return yield* new AuthTokenError({ message: `--auth-token-env: the environment variable ${authTokenEnv.value} is not set or empty` })
    }
    // Loaded only here: the stdio server never needs the HTTP stack.
    const { serveHttp } = yield* Effect.promise(() => import("./server/http/ServeHttp.js"))
    const secrets = [authToken, ...(cluster === undefined ? [] : urlPassword(cluster.url))]
    return yield* serveHttp({
      stderrLogLevel,
      cliOverrides,
      progressIntervalMs,
      listen,
      authToken,
      drainTimeoutMs,
      conversations: clusterConversations(cluster)
    }).pipe(
      Effect.provide(Layer.mergeAll(stderrLoggerLayer(stderrLogLevel), Layer.succeed(References.MinimumLogLevel, stderrLogLevel))),
      Effect.provideService(ProcessEnvironment, env),
      Effect.provideService(CommandIsolation, { secrets }),
      Effect.provideService(TurnEndCollection, collectingBetweenTurns())
    )
  })

const httpFlag = Flag.String("http").pipe(
  Flag.withDescription(
    "Serve MCP over streamable HTTP at http://HOST:PORT/mcp instead of stdio: --http [HOST:]PORT (host defaults to 127.0.0.1, " +
      "loopback only). Needs --auth-token-env. Requests with a foreign Origin are refused (403)."
  ),
  Flag.mapTryCatch(parseListenAddress, (error) => (error instanceof Error ? error.message : String(error))),
  Flag.optional
)

const authTokenEnvFlag = Flag.String("auth-token-env").pipe(
  Flag.withDescription(
    "With --http (required): every request must carry `Authorization: Bearer <token>`, the token read from this environment variable (401 without it); commands never see its value."
  ),
  Flag.optional
)

/** A usage error is the error and a pointer to the help, on stderr: the help on stdout would reach an MCP client. */
const usagePresenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Effect.gen(function*() {
        const formatter = yield* CliOutput.Formatter
        yield* Console.error(formatter.formatErrors(event.errors))
        yield* Console.error(`See \`${event.commandPath.join(" ")} --help\`.`)
      })
      : CliOutput.defaultPresenter.present(event)
})

const profileFlag = Flag.String("profile").pipe(
  Flag.withAlias("p"),
  Flag.withDescription("Use this config profile: `[profiles.<name>]` in config.toml, else $CODEX_HOME/<name>.config.toml."),
  Flag.optional
)

/** `--profile NAME` is `-c profile="NAME"`, before the other overrides so an explicit `-c profile=…` still wins. */
const withProfile = ({ config, profile }: { readonly config: ReadonlyArray<string>; readonly profile: Option.Option<string> }) =>
  Option.isSome(profile) ? [`profile=${JSON.stringify(profile.value)}`, ...config] : config

const root = Command.make("codex-effect").pipe(Command.withSharedFlags({ config: configOverrides, profile: profileFlag }))

const clusterFlag = Flag.String("cluster").pipe(
  Flag.withDescription(
    "Join a cluster over this PostgreSQL URL: this process hosts its share of the conversations and reaches the others wherever they live (see docs/scale.md)."
  ),
  Flag.optional
)

const runnerAddressFlag = Flag.String("runner-address").pipe(
  Flag.withDescription("With --cluster: [HOST:]PORT where the other runners reach this one (default 127.0.0.1:34431)."),
  Flag.withDefault("127.0.0.1:34431"),
  Flag.mapTryCatch(parseRunnerAddress, (error) => (error instanceof Error ? error.message : String(error)))
)

const drainTimeoutFlag = Flag.Int("drain-timeout").pipe(
  Flag.withDescription(
    "On SIGTERM, seconds the requests running may take to get their answers (new ones are refused) before they end with an error (default 300)."
  ),
  Flag.withDefault(300)
)

const mcp = Command.make("mcp", {
  http: httpFlag,
  authTokenEnv: authTokenEnvFlag,
  cluster: clusterFlag,
  runnerAddress: runnerAddressFlag,
  drainTimeout: drainTimeoutFlag
}, ({ authTokenEnv, cluster: clusterUrl, drainTimeout, http, runnerAddress }) =>
  Effect.gen(function*() {
    const config = withProfile(yield* root)
    const cluster = Option.isSome(clusterUrl) ? { url: clusterUrl.value, ...runnerAddress } : undefined
    if (Option.isSome(http)) return yield* runHttpServer(config, http.value, authTokenEnv, cluster, drainTimeout * 1000)
    // A token meant to protect an HTTP server that is not started: the user meant --http.
    if (Option.isSome(authTokenEnv)) {
      return yield* Effect.fail(new AuthTokenError({ message: "--auth-token-env applies only with --http [HOST:]PORT" }))
    }
    yield* runServer(config, cluster, drainTimeout * 1000)
  })).pipe(
    Command.withDescription(
      "Run the MCP server on stdin/stdout (the default), or over HTTP with --http: the `codex` and `codex-reply` tools and the conversation JSON-RPC API."
    )
  )

const appServer = Command.make("app-server", {}, () =>
  Effect.gen(function*() {
    const config = withProfile(yield* root)
    const stderrLogLevel = yield* stderrThreshold
    const env = yield* serverEnvironment
    // Loaded only here: the MCP server never needs the app-server face.
    const { serveAppServer } = yield* Effect.promise(() => import("./faces/app-server/AppServerLayer.js"))
    yield* serveAppServer({ stderrLogLevel, cliOverrides: config }).pipe(
      Effect.provideService(ProcessEnvironment, env),
      Effect.provideService(TurnEndCollection, collectingBetweenTurns())
    )
  })).pipe(
    Command.withDescription(
      "Serve app-server v2 (threads, turns, items: the protocol of Codex IDE clients) on stdin/stdout, newline-delimited JSON-RPC."
    )
  )

const { login, logout } = makeAuthCommands(Effect.map(root, withProfile))

/** exec's progress is its own output: logs stay at warnings unless --log-level or CODEX_EFFECT_LOG ask for more. */
const exec = makeExecCommand({
  // `--profile` (the root's) reaches exec as `-c profile=…`, like every other command.
  cliOverrides: Effect.map(root, withProfile),
  logLevel: Effect.flatMap(GlobalFlag.LogLevel, (flag) => (Option.isNone(flag) && envLogLevelName === "" ? Effect.succeed("Warn" as const) : stderrThreshold)),
  env: serverEnvironment
})

const codexEffect = root.pipe(
  Command.withHandler((flags) => runServer(withProfile(flags))),
  Command.withDescription(
    "A coding agent that speaks the Codex wire protocols over stdio (or HTTP: `mcp --http`). Logs go to stderr (level: --log-level, else CODEX_EFFECT_LOG; default info); " +
      "configuration is read from $CODEX_HOME/config.toml (default ~/.codex)."
  ),
  Command.withSubcommands([mcp, exec, appServer, login, logout, makeSessionCommands(resolveCodexHome(process.env)), clusterCommand])
)

/** `help` and `help <command>` mean `--help` and `<command> --help`, as in most CLIs. */
const argsOf = (argv: ReadonlyArray<string>) => (argv[0] === "help" ? [...argv.slice(1), "--help"] : argv)

const program = Command.runWith(codexEffect, { version: VERSION })(argsOf(process.argv.slice(2))).pipe(
  // `[otel]`: spans go out while the program runs and are flushed when it ends.
  Effect.provide(otelTracingLayer(resolveCodexHome(process.env))),
  // Commands other than the server log through this logger; `--log-level` overrides the minimum level in them.
  Effect.provide(Layer.mergeAll(
    NodeServices.layer,
    stderrLoggerLayer("All"),
    usagePresenter,
    Layer.succeed(References.MinimumLogLevel, envLogLevel ?? "Info")
  ))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) {
      // A signal that interrupted `exec` set the code that says which (130, 143).
      const code = typeof process.exitCode === "number" ? process.exitCode : 0
      onExit(code)
      // Lingering handles (stdin, HTTP keep-alive sockets) must not keep a finished server alive.
      process.exit(code)
    }
    const error = Cause.squash(exit.cause)
    // A usage error has been printed already; "Help requested" would only add noise.
    if (!CliError.isCliError(error)) {
      process.stderr.write(`codex-effect: ${error instanceof Error ? error.message : String(error)}\n`)
    }
    const code = CliError.isCliError(error) && error._tag === "ShowHelp" && error.errors.length > 0
      ? 2
      : typeof error === "object" && error !== null && "exitCode" in error && typeof error.exitCode === "number"
      ? error.exitCode
      : 1
    onExit(code)
    process.exit(code)
  }
})
