/**
 * The `codex-effect` command line: `mcp` (the default) runs the stdio server; `login`, `logout` and
 * `sessions` manage credentials and saved conversations; `--version`, `--help` (also `help [command]`)
 * and repeatable `-c key=value` config overrides are shared by every subcommand.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect, Exit, Layer } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { makeAuthCommands } from "./cli/AuthCommands.js"
import { makeSessionCommands } from "./cli/SessionCommands.js"
import { stderrLogLevel, stderrLoggerLayer } from "./server/Logging.js"
import { serverLayer } from "./server/ServerLayer.js"
import { resolveCodexHome } from "./services/Config.js"
import { serveStdio } from "./server/StdioServer.js"
import { VERSION } from "./version.js"

const logLevel = stderrLogLevel(process.env.CODEX_EFFECT_LOG)

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

const runServer = (cliOverrides: ReadonlyArray<string>) =>
  serveStdio(process.stdin).pipe(Effect.provide(serverLayer({ stderrLogLevel: logLevel, cliOverrides, progressIntervalMs })))

const root = Command.make("codex-effect").pipe(Command.withSharedFlags({ config: configOverrides }))

const mcp = Command.make("mcp", {}, () =>
  Effect.gen(function*() {
    const { config } = yield* root
    yield* runServer(config)
  })).pipe(
    Command.withDescription(
      "Run the MCP server on stdin/stdout (the default): the `codex` and `codex-reply` tools and the conversation JSON-RPC API."
    )
  )

const { login, logout } = makeAuthCommands(Effect.map(root, ({ config }) => config))

const codexEffect = root.pipe(
  Command.withHandler(({ config }) => runServer(config)),
  Command.withDescription(
    "A coding agent that speaks the Codex wire protocols over stdio. Logs go to stderr (level: CODEX_EFFECT_LOG); " +
      "configuration is read from $CODEX_HOME/config.toml (default ~/.codex)."
  ),
  Command.withSubcommands([mcp, login, logout, makeSessionCommands(resolveCodexHome(process.env))])
)

/** `help` and `help <command>` mean `--help` and `<command> --help`, as in most CLIs. */
const argsOf = (argv: ReadonlyArray<string>) => (argv[0] === "help" ? [...argv.slice(1), "--help"] : argv)

const program = Command.runWith(codexEffect, { version: VERSION })(argsOf(process.argv.slice(2))).pipe(
  Effect.provide(Layer.mergeAll(NodeServices.layer, stderrLoggerLayer(logLevel)))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) {
      onExit(0)
      // Lingering handles (stdin, HTTP keep-alive sockets) must not keep a finished server alive.
      process.exit(0)
    }
    const error = Cause.squash(exit.cause)
    // A usage error has been printed already, with the help; "Help requested" would only add noise.
    if (!CliError.isCliError(error)) {
      process.stderr.write(`codex-effect: ${error instanceof Error ? error.message : String(error)}\n`)
    }
    const code = typeof error === "object" && error !== null && "exitCode" in error && typeof error.exitCode === "number"
      ? error.exitCode
      : 1
    onExit(code)
    process.exit(code)
  }
})
