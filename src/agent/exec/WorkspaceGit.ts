/**
 * Git run by the server itself on a workspace the model may have written (`gitDiffToRemote`). A
 * repository's own config and attributes can make git run programs: `core.fsmonitor`, hooks
 * (`core.hooksPath`), `diff.external` and textconv drivers, clean filters named in `.gitattributes`,
 * `core.pager`, credential helpers and `core.sshCommand` (a partial clone fetches missing objects
 * lazily), and `include` / `includeIf` can bring in any of them. The switches below turn off those that
 * can be turned off; the rest cannot be listed (a filter driver's name is the repository's choice),
 * so git itself runs inside the read-only sandbox: nothing writable, no network, CODEX_HOME hidden, no
 * Unix sockets. Whatever git starts there can only change the text git prints. Git gets a minimal
 * environment (none of the server's secrets), a time limit and an output cap; without a working
 * sandbox it does not run at all.
 */
import { Data, Effect } from "effect"
import { ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import { runCommand } from "./CommandRunner.js"
import { findBwrap } from "./Sandbox.js"

/** `internal`: git could not run (no sandbox, timed out, too much output) rather than answering about the directory. */
export class WorkspaceGitFailed extends Data.TaggedError("WorkspaceGitFailed")<{
  readonly args: ReadonlyArray<string>
  readonly reason: string
  readonly internal: boolean
}> {}

export interface WorkspaceGitOptions {
  /** The work tree git runs in (a client's or a turn's directory). */
  readonly cwd: string
  /** `codex_linux_sandbox_exe`, if configured. */
  readonly bwrapPath: string | undefined
  readonly codexHome: string
  /** Per git command; default 5 s. */
  readonly timeoutMs?: number
  /** stdout bytes per git command; past it the command fails; default 32 MiB. */
  readonly maxOutputBytes?: number
}

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024

/** Config that would run a program, overridden on the command line (which wins over every config file). */
const NEUTRAL_CONFIG = [
  "core.fsmonitor=false",
  "core.hooksPath=/dev/null",
  "core.pager=cat",
  "core.sshCommand=false",
  "credential.helper=",
  "protocol.allow=never"
].flatMap((setting) => ["-c", setting])

/** Subcommands that would run external diff or textconv drivers get the flags that stop them. */
const NO_DRIVERS: Readonly<Record<string, ReadonlyArray<string>>> = {
  diff: ["--no-ext-diff", "--no-textconv"]
}

/** The argv for `git <args>` with every switch above. */
export const workspaceGitArgv = (args: ReadonlyArray<string>): Array<string> => {
  const [subcommand, ...rest] = args
  if (subcommand === undefined) return ["git", ...NEUTRAL_CONFIG]
  return ["git", ...NEUTRAL_CONFIG, subcommand, ...(NO_DRIVERS[subcommand] ?? []), ...rest]
}

/** What git sees of the environment: enough to find itself and the user's own settings, nothing else. */
const gitEnvironment = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => ({
  ...(env.PATH !== undefined ? { PATH: env.PATH } : {}),
  ...(env.HOME !== undefined ? { HOME: env.HOME } : {}),
  LC_ALL: "C",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  GIT_OPTIONAL_LOCKS: "0",
  GIT_NO_LAZY_FETCH: "1",
  GIT_PAGER: "cat",
  PAGER: "cat"
})

/**
 * Runs `git <args>` in `options.cwd` inside the read-only sandbox; succeeds with stdout when the exit
 * code is in `okCodes` (`git diff --no-index` exits 1 on differences).
 */
export const workspaceGit = Effect.fnUntraced(function*(
  options: WorkspaceGitOptions,
  args: ReadonlyArray<string>,
  okCodes: ReadonlyArray<number> = [0]
) {
  const env = yield* ProcessEnvironment
  const internal = (reason: string) => new WorkspaceGitFailed({ args, reason, internal: true })
  const bwrapPath = yield* findBwrap(options.bwrapPath).pipe(Effect.mapError((error) => internal(error.message)))
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT
  const output = yield* runCommand({
    argv: workspaceGitArgv(args),
    cwd: options.cwd,
    env: gitEnvironment(env),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // The head alone holds `maxOutput`: a longer output is refused, never cut in the middle.
    captureBytesPerStream: 2 * maxOutput,
    sandbox: {
      bwrapPath,
      spec: { policy: { mode: "read-only" }, workspace: options.cwd, codexHome: options.codexHome, env: { TMPDIR: env.TMPDIR, HOME: env.HOME } }
    }
  }).pipe(Effect.mapError((error) => internal(error.message)))
  if (output.timedOut) return yield* internal(`git ${args[0] ?? ""} timed out`)
  if (output.captured.stdout.totalBytes > maxOutput) {
    return yield* internal(`git ${args[0] ?? ""} printed more than ${maxOutput} bytes`)
  }
  if (!okCodes.includes(output.exitCode)) {
    return yield* new WorkspaceGitFailed({ args, reason: output.stderr.trim() || `exit ${output.exitCode}`, internal: false })
  }
  return output.stdout
})
