/**
 * `codex-effect exec [flags] [PROMPT]` and `codex-effect exec [flags] resume <THREAD_ID> [PROMPT]`: the
 * command line of the reference's `codex exec`, which the official Codex SDK and CI scripts run. The
 * flags are shared with `resume`, so they may come before or after it, as the SDK writes them. The
 * prompt is the argument, or stdin when it is absent or `-`. Outside a git repository exec refuses to
 * run unless `--skip-git-repo-check` is given, as the reference does.
 */
import { resolve } from "node:path"
import { text } from "node:stream/consumers"
import { Data, Effect, Layer, type LogLevel, Option, References } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Environment } from "../../services/ProcessEnvironment.js"
import { ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { readableForModel } from "../../files/ModelReadable.js"
import { readUntrustedFileSync } from "../../files/UntrustedFile.js"
import { stderrLoggerLayer } from "../../server/Logging.js"
import { describePath, MAX_PARAMS_DEPTH, pathBeyondDepth } from "../../server/NestingDepth.js"
import { resolveCodexHome } from "../../services/Config.js"
import { usesColor } from "./HumanOutput.js"
import { execSettings } from "./ExecSettings.js"
import type { ResumeTarget } from "./ResumeThread.js"

/** A usage problem found before the turn starts (no prompt, no git repository, a bad schema file). */
class ExecUsageError extends Data.TaggedError("ExecUsageError")<{ readonly message: string }> {
  readonly exitCode = 1
}

/** What the `exec` command needs from the program around it: the root's `-c` list, the log level, the environment. */
export interface ExecContext<R1, R2, R3> {
  readonly cliOverrides: Effect.Effect<ReadonlyArray<string>, never, R1>
  readonly logLevel: Effect.Effect<LogLevel.LogLevel, unknown, R2>
  readonly env: Effect.Effect<Environment, never, R3>
}

const SCHEMA_MAX_BYTES = 1024 * 1024

const flags = {
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print events to stdout as JSONL (the Codex SDK's thread events)."), Flag.withDefault(false)),
  experimentalJson: Flag.Boolean("experimental-json").pipe(Flag.withHidden, Flag.withDefault(false)),
  model: Flag.String("model").pipe(Flag.withAlias("m"), Flag.withDescription("The model to use."), Flag.optional),
  sandbox: Flag.Literals("sandbox", ["read-only", "workspace-write", "danger-full-access"]).pipe(
    Flag.withAlias("s"),
    Flag.withDescription("Where the model's commands may write (default: config.toml's sandbox_mode, else read-only)."),
    Flag.optional
  ),
  cd: Flag.String("cd").pipe(Flag.withAlias("C"), Flag.withDescription("The agent's working directory."), Flag.optional),
  addDir: Flag.String("add-dir").pipe(Flag.withDescription("Another writable directory (repeatable)."), Flag.atLeast(0)),
  skipGitRepoCheck: Flag.Boolean("skip-git-repo-check").pipe(
    Flag.withDescription("Run outside a git repository too."),
    Flag.withDefault(false)
  ),
  outputSchema: Flag.String("output-schema").pipe(
    Flag.withDescription("A JSON Schema file the final answer must match (structured output)."),
    Flag.optional
  ),
  image: Flag.String("image").pipe(Flag.withAlias("i"), Flag.withDescription("An image to attach to the prompt (repeatable)."), Flag.atLeast(0)),
  outputLastMessage: Flag.String("output-last-message").pipe(
    Flag.withAlias("o"),
    Flag.withDescription("Also write the final message to this file."),
    Flag.optional
  ),
  bypass: Flag.Boolean("dangerously-bypass-approvals-and-sandbox").pipe(
    Flag.withDescription("Run every command without a sandbox or approvals. Only for runners that are sandboxed from outside."),
    Flag.withDefault(false)
  ),
  color: Flag.Literals("color", ["always", "never", "auto"]).pipe(
    Flag.withDescription("Colour the progress on stderr."),
    Flag.withDefault("auto" as const)
  ),
  // Passed by some SDK releases; accepted so they run, with nothing to do here.
  threadSource: Flag.String("thread-source").pipe(Flag.withHidden, Flag.optional),
  cyberAccessProgram: Flag.String("cyber-access-program").pipe(Flag.withHidden, Flag.optional)
}

type SharedFlags = Command.Command.Config.Infer<typeof flags>

const promptArgument = Argument.String("prompt").pipe(
  Argument.withDescription("The instructions; read from stdin when absent or `-`."),
  Argument.optional
)

/** The prompt: the argument, else all of stdin. */
const readPrompt = (argument: Option.Option<string>) =>
  Effect.gen(function*() {
    if (Option.isSome(argument) && argument.value !== "-") return argument.value
    if (process.stdin.isTTY === true) {
      return yield* new ExecUsageError({ message: "no prompt: pass it as an argument, or pipe it on stdin" })
    }
    const prompt = yield* Effect.promise(() => text(process.stdin))
    if (prompt.trim() === "") return yield* new ExecUsageError({ message: "no prompt: stdin was empty" })
    return prompt
  })

/**
 * The schema goes to the model, and the file may be a link a command of an earlier run left in the
 * workspace: it is read only if it is none of the server's secrets (see `ModelReadable`).
 */
const readOutputSchema = (path: string, codexHome: string) =>
  Effect.suspend(() => {
    const bytes = readUntrustedFileSync(path, { maxBytes: SCHEMA_MAX_BYTES }, readableForModel(codexHome))
    if (!Buffer.isBuffer(bytes)) return Effect.fail(new ExecUsageError({ message: `--output-schema ${path}: ${bytes.reason}` }))
    try {
      const schema: unknown = JSON.parse(bytes.toString("utf8"))
      if (typeof schema === "object" && schema !== null && !Array.isArray(schema)) {
        // Deeper than this, encoding the model request overflows the stack (a "connection error" then).
        const tooDeep = pathBeyondDepth(schema)
        if (tooDeep === undefined) return Effect.succeed(schema as Record<string, unknown>)
        return Effect.fail(new ExecUsageError({
          message: `--output-schema ${path}: ${describePath(tooDeep)} is nested more than ${MAX_PARAMS_DEPTH} levels deep`
        }))
      }
    } catch {
      // reported below
    }
    return Effect.fail(new ExecUsageError({ message: `--output-schema ${path}: not a JSON object` }))
  })

/**
 * The runtime interrupts the program on SIGINT/SIGTERM, which ends the turn and kills its commands as
 * the scopes close; this only sets the exit code that says so (128 + the signal's number).
 */
const signalExitCodes = Effect.acquireRelease(
  Effect.sync(() => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.exitCode = signal === "SIGINT" ? 130 : 143
      process.stderr.write(`codex-effect exec: interrupted (${signal})\n`)
    }
    process.once("SIGINT", onSignal)
    process.once("SIGTERM", onSignal)
    return onSignal
  }),
  (onSignal) =>
    Effect.sync(() => {
      process.off("SIGINT", onSignal)
      process.off("SIGTERM", onSignal)
    })
)

const run = <R1, R2, R3>(
  context: ExecContext<R1, R2, R3>,
  shared: SharedFlags,
  promptArg: Option.Option<string>,
  resume: ResumeTarget | undefined
) =>
  Effect.gen(function*() {
    const processCwd = process.cwd()
    const env = yield* context.env
    const settings = execSettings(
      {
        model: Option.getOrUndefined(shared.model),
        sandbox: Option.getOrUndefined(shared.sandbox),
        cd: Option.getOrUndefined(shared.cd),
        addDirs: shared.addDir,
        bypass: shared.bypass
      },
      yield* context.cliOverrides,
      env,
      processCwd
    )
    // Loaded only here: the other commands' start-up never evaluates exec's runtime and the agent.
    const [{ execAgentLayer, runExec }, { insideGitRepository, isDirectory }] = yield* Effect.promise(() =>
      Promise.all([import("./ExecRun.js"), import("../../services/WorkingDirectory.js")])
    )
    const cwd = settings.overrides.cwd ?? processCwd
    if (!isDirectory(cwd)) return yield* new ExecUsageError({ message: `--cd ${cwd}: not a directory` })
    if (!shared.skipGitRepoCheck && !insideGitRepository(cwd)) {
      return yield* new ExecUsageError({ message: "Not inside a git repository and --skip-git-repo-check was not specified." })
    }
    const codexHome = resolveCodexHome(env)
    const outputSchema = Option.isSome(shared.outputSchema)
      ? yield* readOutputSchema(resolve(processCwd, shared.outputSchema.value), codexHome)
      : undefined
    const json = shared.json || shared.experimentalJson
    if (!json && process.stdin.isTTY !== true && (Option.isNone(promptArg) || promptArg.value === "-")) {
      process.stderr.write("Reading prompt from stdin...\n")
    }
    const prompt = yield* readPrompt(promptArg)
    const logLevel = yield* context.logLevel
    yield* signalExitCodes
    yield* runExec({
      prompt,
      images: shared.image.map((path) => resolve(processCwd, path)),
      resume,
      overrides: settings.overrides,
      outputSchema,
      json,
      color: usesColor(shared.color, process.stderr.isTTY === true, settings.env.NO_COLOR !== undefined),
      outputLastMessage: Option.getOrUndefined(shared.outputLastMessage)
    }).pipe(
      Effect.provide(execAgentLayer(settings)),
      Effect.provide(Layer.mergeAll(stderrLoggerLayer(logLevel), Layer.succeed(References.MinimumLogLevel, logLevel))),
      Effect.provideService(ProcessEnvironment, settings.env)
    )
  }).pipe(Effect.scoped)

/** The `exec` command (with `resume`), for the root command's subcommands. */
export const makeExecCommand = <R1, R2, R3>(context: ExecContext<R1, R2, R3>) => {
  const exec = Command.make("exec", { prompt: promptArgument }).pipe(
    Command.withSharedFlags(flags),
    Command.withHandler(({ prompt, ...shared }) => run(context, shared, prompt, undefined)),
    Command.withDescription(
      "Run one turn without a client, as `codex exec` does (the official Codex SDK's `codexPathOverride` can point here): " +
        "the prompt from the argument or stdin; JSONL events on stdout with --json, else progress on stderr and the final " +
        "message alone on stdout. Approval policy `never` unless -c approval_policy says otherwise. Exit 0 when the turn " +
        "completes, 1 when it fails, 130 when interrupted."
    ),
    Command.withExamples([
      { command: "codex-effect exec \"explain src/main.ts\" > answer.txt", description: "The answer alone on stdout" },
      { command: "echo \"fix the failing test\" | codex-effect exec --json -s workspace-write", description: "JSONL events for a script" },
      { command: "codex-effect exec resume 0199a1b2-… \"and now the docs\"", description: "Continue a saved thread" }
    ])
  )
  const resume = Command.make("resume", {
    threadId: Argument.String("thread-id").pipe(
      Argument.withDescription("The thread to continue (its thread.started id); with --last, the prompt."),
      Argument.optional
    ),
    prompt: promptArgument,
    last: Flag.Boolean("last").pipe(Flag.withDescription("Continue the newest saved thread."), Flag.withDefault(false))
  }, ({ last, prompt, threadId }) =>
    Effect.gen(function*() {
      const shared = yield* exec
      if (last) return yield* run(context, shared, Option.orElse(prompt, () => threadId), { last: true })
      if (Option.isNone(threadId)) return yield* new ExecUsageError({ message: "resume: pass the thread id, or --last" })
      return yield* run(context, shared, prompt, { threadId: threadId.value })
    })).pipe(
      Command.withDescription("Continue a saved thread with another prompt, in this new process.")
    )
  return exec.pipe(Command.withSubcommands([resume]))
}
