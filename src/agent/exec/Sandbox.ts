/**
 * The Linux sandbox: bubblewrap (DESIGN §4.11, agent core §6.6). `read-only` mounts the whole
 * filesystem read-only; `workspace-write` also binds cwd, the configured writable roots, `/tmp` and
 * `$TMPDIR` read-write; the network is cut (a fresh, empty network namespace) unless the policy allows
 * it. The command gets its own PID namespace and dies with its parent, so killing the sandbox kills
 * everything in it. A missing or broken `bwrap` is a `SandboxUnavailable` error that says how to fix
 * it — never a silent run without the sandbox.
 *
 * `--new-session` is not used: the runner already starts every command in a new session and process
 * group (`detached: true` is `setsid`), so there is no terminal to protect, and a second session
 * inside would only take the command out of the process group the runner kills.
 */
import { execFile } from "node:child_process"
import { resolve } from "node:path"
import { Effect, Schema } from "effect"
import type { SandboxPolicy } from "../../rpc/Enums.js"
import { isDirectory, resolveExecutable } from "./PathLookup.js"

/** bubblewrap is missing or cannot start a sandbox here; `message` says what happened and how to fix it. */
export class SandboxUnavailable extends Schema.TaggedError<SandboxUnavailable>()("SandboxUnavailable", {
  message: Schema.String
}) {}

const HOW_TO_FIX = "Commands in the read-only and workspace-write sandbox modes run inside bubblewrap: install it " +
  "(Debian/Ubuntu: `apt-get install bubblewrap`, Fedora: `dnf install bubblewrap`) or point `codex_linux_sandbox_exe` " +
  "at it; or, to run commands without any sandbox, set sandbox_mode = \"danger-full-access\"."

const unavailable = (what: string) => new SandboxUnavailable({ message: `The command sandbox is unavailable: ${what}. ${HOW_TO_FIX}` })

/** Whether commands under `policy` may use the network (when not, also set `CODEX_SANDBOX_NETWORK_DISABLED=1`). */
export const networkAllowed = (policy: SandboxPolicy) =>
  policy.mode === "danger-full-access" || (policy.mode === "workspace-write" && policy.network_access === true)

/**
 * The directories a `workspace-write` command may write to (§6.6), those that exist, broadest first
 * so a nested root's bind is not hidden by its parent's: the configured roots, cwd, `/tmp` (unless
 * `exclude_slash_tmp`) and `$TMPDIR` (unless `exclude_tmpdir_env_var`). Empty for other modes.
 */
export const writableRoots = (
  policy: SandboxPolicy,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>
): Array<string> => {
  if (policy.mode !== "workspace-write") return []
  const roots = [...(policy.writable_roots ?? []), cwd]
  if (policy.exclude_slash_tmp !== true) roots.push("/tmp")
  const tmpdir = env.TMPDIR
  if (policy.exclude_tmpdir_env_var !== true && tmpdir !== undefined && tmpdir !== "") roots.push(tmpdir)
  return [...new Set(roots.map((root) => resolve(cwd, root)))]
    .filter(isDirectory)
    .sort((a, b) => a.length - b.length)
}

export interface BwrapOptions {
  /** The server's `$TMPDIR`, writable under `workspace-write`. */
  readonly tmpdir?: string | undefined
}

/** The bubblewrap options (everything between `bwrap` and `--`) that run a command in `cwd` under `policy`. */
export const bwrapArgs = (policy: SandboxPolicy, cwd: string, options: BwrapOptions = {}): Array<string> => [
  "--die-with-parent",
  "--unshare-pid",
  ...(networkAllowed(policy) ? [] : ["--unshare-net"]),
  ...(policy.mode === "danger-full-access" ? ["--bind", "/", "/"] : ["--ro-bind", "/", "/"]),
  "--dev", "/dev",
  "--proc", "/proc",
  ...writableRoots(policy, cwd, { TMPDIR: options.tmpdir }).flatMap((root) => ["--bind", root, root]),
  "--chdir", cwd
]

/** The full command line: `bwrap <options> -- <argv>`. */
export const sandboxedArgv = (
  bwrapPath: string,
  policy: SandboxPolicy,
  cwd: string,
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = process.env
): Array<string> => [bwrapPath, ...bwrapArgs(policy, cwd, { tmpdir: env.TMPDIR }), "--", ...argv]

/** Where bwrap is: the configured path (a bare name is looked up on PATH), else `bwrap` on PATH. */
const locateBwrap = (configuredPath: string | undefined): { readonly path: string } | { readonly missing: string } => {
  const name = configuredPath ?? "bwrap"
  const path = resolveExecutable(name, process.env.PATH, process.cwd())
  if (path !== undefined) return { path }
  return {
    missing: name.includes("/")
      ? `${resolve(name)} (codex_linux_sandbox_exe) does not exist or is not executable`
      : `\`${name}\` was not found on PATH`
  }
}

/** The smallest sandbox with every isolation feature the policies use: it must run `true`. */
const PROBE_ARGS = [...bwrapArgs({ mode: "read-only" }, "/"), "--", "true"]
const PROBE_TIMEOUT_MS = 10_000

const probeFailure = (bwrapPath: string, detail: string) => `${bwrapPath} could not start a sandbox (${detail || "no output"})`

/** One probe per bwrap path per process: the answer is the failure text, or undefined when bwrap works. */
const probes = new Map<string, Promise<string | undefined>>()

const probe = (bwrapPath: string): Promise<string | undefined> => {
  const cached = probes.get(bwrapPath)
  if (cached !== undefined) return cached
  const started = new Promise<string | undefined>((resolveProbe) => {
    execFile(
      bwrapPath,
      PROBE_ARGS,
      { timeout: PROBE_TIMEOUT_MS, killSignal: "SIGKILL", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
      (error, _stdout, stderr) =>
        resolveProbe(error === null ? undefined : probeFailure(bwrapPath, String(stderr).trim() || error.message))
    )
  })
  probes.set(bwrapPath, started)
  return started
}

/**
 * The path of a bwrap that can start a sandbox here: `codex_linux_sandbox_exe` if configured, else
 * `bwrap` on PATH. Checked once per path (cached for the life of the process).
 */
export const findBwrap = Effect.fn("Sandbox.findBwrap")(function*(configuredPath?: string | undefined) {
  const located = locateBwrap(configuredPath)
  if ("missing" in located) return yield* unavailable(located.missing)
  const failure = yield* Effect.promise(() => probe(located.path))
  if (failure !== undefined) return yield* unavailable(failure)
  return located.path
})
