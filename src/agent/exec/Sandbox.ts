/**
 * The Linux sandbox: bubblewrap. `read-only` mounts the whole filesystem read-only; `workspace-write`
 * also binds the writable roots read-write (see `WorkspaceRoots`: the turn's cwd and the configured
 * roots, never the model's `workdir`), then binds each root's `.git` read-only again; the network is
 * cut (a fresh, empty network namespace) unless the policy allows it, and no Unix-domain socket can be
 * opened in either mode (see `SocketFilter`). CODEX_HOME is masked in every
 * mode (see `CodexHomeMask`), the server's own code is read-only (see `ServerCodeMask`), and both stay
 * where the server reads them (see `PinnedAncestors`). Every capability is dropped, so a command run by root cannot undo any
 * of this by remounting. The command gets its own PID namespace and dies with its parent, so
 * killing the sandbox kills everything in it; `danger-full-access` uses that containment alone. A
 * missing or broken `bwrap` is a `SandboxUnavailable` error that says how to fix it — never a silent
 * run without the sandbox.
 *
 * `--new-session` is not used: the runner already starts every command in a new session and process
 * group (`detached: true` is `setsid`), so there is no terminal to protect, and a second session
 * inside would only take the command out of the process group the runner kills.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { resolve } from "node:path"
import type { Writable } from "node:stream"
import { Effect, Schema } from "effect"
import { ProcessEnvironment } from "../../config/ProcessEnvironment.js"
import type { SandboxPolicy } from "../../rpc/Enums.js"
import { codexHomeMaskArgs, codexHomePins } from "./CodexHomeMask.js"
import { resolveExecutable } from "./PathLookup.js"
import { serverCodeMaskArgs, serverCodePins } from "./ServerCodeMask.js"
import { unixSocketFilter } from "./SocketFilter.js"
import { type RootsEnv, workspaceRoots } from "./WorkspaceRoots.js"

/** bubblewrap is missing or cannot start a sandbox here; `message` says what happened and how to fix it. */
export class SandboxUnavailable extends Schema.TaggedError<SandboxUnavailable>()("SandboxUnavailable", {
  message: Schema.String
}) {}

const HOW_TO_FIX = "Commands in the read-only and workspace-write sandbox modes run inside bubblewrap: install it " +
  "(Debian/Ubuntu: `apt-get install bubblewrap`, Fedora: `dnf install bubblewrap`) or point `codex_linux_sandbox_exe` " +
  "at it; or, to run commands without any sandbox, set sandbox_mode = \"danger-full-access\"."

const unavailable = (what: string) => new SandboxUnavailable({ message: `The command sandbox is unavailable: ${what}. ${HOW_TO_FIX}` })

/** Whether commands under `policy` may use the network (when not, also set `CODEX_SANDBOX_NETWORK_DISABLED=1`). */
const networkAllowed = (policy: SandboxPolicy) =>
  policy.mode === "danger-full-access" || (policy.mode === "workspace-write" && policy.network_access === true)

/** What a sandbox is made of: the policy, the turn's workspace and what the command must not see. */
export interface SandboxSpec {
  readonly policy: SandboxPolicy
  /** The turn's cwd: the workspace root under `workspace-write`. Never a directory the model chose. */
  readonly workspace: string
  /** Kept from the command (see `CodexHomeMask`): credentials, rollouts, the agent's config. */
  readonly codexHome?: string | undefined
  /** The server's `$TMPDIR` and `$HOME` (see `workspaceRoots`). */
  readonly env?: RootsEnv | undefined
}

/** The descriptor bwrap reads the seccomp filter from (see `SocketFilter`); the runner passes it as fd 3. */
export const SECCOMP_FD = 3

/** The seccomp filter a sandbox under `policy` runs with, if any: none under full access. */
export const sandboxFilter = (policy: SandboxPolicy): Uint8Array | undefined =>
  policy.mode === "danger-full-access" ? undefined : unixSocketFilter()

/**
 * The bubblewrap options (everything between `bwrap` and `--`) that start a command in `startDir`.
 * Under `danger-full-access` the command still gets its own PID namespace, so nothing it starts
 * (`setsid`, `nohup`, daemons) outlives it; `/` is bound read-write with devices, the network shared.
 */
export const bwrapArgs = (spec: SandboxSpec, startDir: string): Array<string> => {
  const roots = workspaceRoots(spec.policy, spec.workspace, spec.env ?? {})
  const masked = spec.policy.mode === "danger-full-access" ? "everything" : roots
  const hidden = spec.codexHome === undefined ? [] : codexHomeMaskArgs(spec.codexHome, spec.workspace, masked)
  const contained = ["--die-with-parent", "--unshare-pid"]
  if (spec.policy.mode === "danger-full-access") {
    return [...contained, "--dev-bind", "/", "/", "--proc", "/proc", ...hidden, "--chdir", startDir]
  }
  const pins = [...(spec.codexHome === undefined ? [] : codexHomePins(spec.codexHome, roots.writable)), ...serverCodePins(roots.writable)]
  const binds = [...new Set([...roots.writable, ...pins])].sort((a, b) => a.length - b.length)
  return [
    ...contained,
    // Run as root, bwrap would leave the command every capability: enough to remount `/` read-write.
    "--cap-drop", "ALL",
    ...(networkAllowed(spec.policy) ? [] : ["--unshare-net"]),
    "--ro-bind", "/", "/",
    "--dev", "/dev",
    "--proc", "/proc",
    // The roots and the pins that keep the server's files in place, broadest first: a bind covers what
    // was mounted below it before.
    ...binds.flatMap((dir) => ["--bind", dir, dir]),
    // After the writable binds, so they cover what the binds exposed.
    ...roots.readOnly.flatMap((path) => ["--ro-bind", path, path]),
    ...roots.emptied.flatMap((dir) => ["--tmpfs", dir, "--remount-ro", dir]),
    ...serverCodeMaskArgs(roots.writable),
    ...hidden,
    ...(sandboxFilter(spec.policy) === undefined ? [] : ["--seccomp", String(SECCOMP_FD)]),
    "--chdir", startDir
  ]
}

/** The full command line: `bwrap <options> -- <argv>`. */
export const sandboxedArgv = (
  bwrapPath: string,
  spec: SandboxSpec,
  startDir: string,
  argv: ReadonlyArray<string>
): Array<string> => [bwrapPath, ...bwrapArgs(spec, startDir), "--", ...argv]

/** Where bwrap is: the configured path (a bare name is looked up on PATH), else `bwrap` on PATH. */
const locateBwrap = (
  configuredPath: string | undefined,
  searchPath: string | undefined
): { readonly path: string } | { readonly missing: string } => {
  const name = configuredPath ?? "bwrap"
  const path = resolveExecutable(name, searchPath, "/")
  if (path !== undefined) return { path }
  return {
    missing: name.includes("/")
      ? `${resolve(name)} (codex_linux_sandbox_exe) does not exist or is not executable`
      : `\`${name}\` was not found on PATH`
  }
}

/** The smallest sandbox with every isolation feature the policies use (the filter included): it must run `true`. */
const PROBE_POLICY: SandboxPolicy = { mode: "read-only" }
const PROBE_ARGS = [...bwrapArgs({ policy: PROBE_POLICY, workspace: "/" }, "/"), "--", "true"]
const PROBE_TIMEOUT_MS = 10_000
const PROBE_STDERR_BYTES = 4096

/** The child's stdio for a sandbox under `policy`: stdin closed, the given output streams, fd 3 for the filter. */
export const sandboxStdio = (policy: SandboxPolicy, output: "pipe" | "ignore"): Array<"pipe" | "ignore"> =>
  ["ignore", output, "pipe", ...(sandboxFilter(policy) === undefined ? [] : ["pipe" as const])]

/**
 * Hands bwrap the filter on fd 3 (it reads to EOF, then closes it before the command starts). A bwrap
 * that dies first makes the write fail; its exit status says why, so the error is dropped.
 */
export const sendSandboxFilter = (child: ChildProcess, policy: SandboxPolicy): void => {
  const filter = sandboxFilter(policy)
  const fd = child.stdio[SECCOMP_FD] as Writable | null | undefined
  if (filter === undefined || fd == null) return
  fd.on("error", () => {})
  fd.end(filter)
}

const probeFailure = (bwrapPath: string, detail: string) => `${bwrapPath} could not start a sandbox (${detail || "no output"})`

/** One probe per bwrap path per process: the answer is the failure text, or undefined when bwrap works. */
const probes = new Map<string, Promise<string | undefined>>()

const probe = (bwrapPath: string, searchPath: string | undefined): Promise<string | undefined> => {
  const cached = probes.get(bwrapPath)
  if (cached !== undefined) return cached
  const started = new Promise<string | undefined>((resolveProbe) => {
    const child = spawn(bwrapPath, PROBE_ARGS, {
      env: { PATH: searchPath ?? "/usr/bin:/bin" },
      stdio: sandboxStdio(PROBE_POLICY, "ignore")
    })
    let stderr = ""
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(0, PROBE_STDERR_BYTES)
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), PROBE_TIMEOUT_MS)
    child.on("error", (error) => {
      clearTimeout(timer)
      resolveProbe(probeFailure(bwrapPath, error.message))
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolveProbe(code === 0 ? undefined : probeFailure(bwrapPath, stderr.trim() || `exit status ${code ?? signal}`))
    })
    sendSandboxFilter(child, PROBE_POLICY)
  })
  probes.set(bwrapPath, started)
  return started
}

/**
 * The path of a bwrap that can start a sandbox here: `codex_linux_sandbox_exe` if configured, else
 * `bwrap` on PATH. Checked once per path (cached for the life of the process).
 */
export const findBwrap = Effect.fn("Sandbox.findBwrap")(function*(configuredPath?: string | undefined) {
  const { PATH } = yield* ProcessEnvironment
  const located = locateBwrap(configuredPath, PATH)
  if ("missing" in located) return yield* unavailable(located.missing)
  const failure = yield* Effect.promise(() => probe(located.path, PATH))
  if (failure !== undefined) return yield* unavailable(failure)
  return located.path
})
