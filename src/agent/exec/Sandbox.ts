/**
 * The Linux sandbox: bubblewrap. `read-only` mounts the whole filesystem read-only; `workspace-write`
 * also binds the writable roots read-write (see `WorkspaceRoots`: the turn's cwd and the configured
 * roots, never the model's `workdir`), pins what must not move, then binds each root's `.git`
 * read-only again — all by descriptor, as resolved when the command starts (see `SandboxMounts`) and
 * checked against what the conversation first saw (see `RootIdentities`); the network is
 * cut (a fresh, empty network namespace) unless the policy allows it, and in either mode no socket can
 * reach a host socket path (see `SocketFilter`). CODEX_HOME is masked in every
 * mode (see `CodexHomeMask`), the server's own code is read-only (see `ServerCodeMask`), and both stay
 * where the server reads them (pinned, see `AncestorPins`). Every capability is dropped, so a command run by root cannot undo any
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
import { Context, Effect, Schema } from "effect"
import { ProcessEnvironment } from "../../services/ProcessEnvironment.js"
import type { SandboxPolicy } from "../../rpc/Enums.js"
import { codexHomeMaskArgs, codexHomePins } from "./CodexHomeMask.js"
import { checkRootIdentities, type RootIdentities } from "./RootIdentities.js"
import { mountArgs, type SandboxMount, sandboxMounts } from "./SandboxMounts.js"
import { serverCodeMaskArgs, serverCodePins } from "./ServerCodeMask.js"
import { type ProgramEnv, recordSandboxWritable, resolveServerProgram, sandboxWritable } from "./ServerPrograms.js"
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
  /** The conversation's record of its roots (see `RootIdentities`); without it nothing is compared. */
  readonly identities?: RootIdentities | undefined
  /** The processes the command may have at once (`sandbox_max_processes`, see `ProcessLimit`); the default when unset. */
  readonly maxProcesses?: number | undefined
}

/** The descriptor bwrap reads the seccomp filter from (see `SocketFilter`); the runner passes it as fd 3. */
export const SECCOMP_FD = 3

/** The seccomp filter a sandbox under `policy` runs with, if any: none under full access. */
export const sandboxFilter = (policy: SandboxPolicy): Uint8Array | undefined =>
  policy.mode === "danger-full-access" ? undefined : unixSocketFilter()

/** A sandbox ready to start: bwrap's options, and the paths to open and hand it as descriptors `firstMountFd`… */
export interface SandboxPlan {
  readonly args: Array<string>
  readonly mounts: ReadonlyArray<SandboxMount>
  /** What the command may write and the workspaces it protects: its own and the live ones (none under full access). */
  readonly guard?: { readonly writable: ReadonlyArray<string>; readonly covered: ReadonlyArray<string> }
}

/**
 * The bubblewrap options (everything between `bwrap` and `--`) that start a command in `startDir`, or
 * why the command is refused (a root is no longer what the conversation first saw). The mounts are
 * read from descriptors `firstMountFd`… of bwrap, the ones after its stdio and filter. Under
 * `danger-full-access` the command still gets its own PID namespace, so nothing it starts (`setsid`,
 * `nohup`, daemons) outlives it; `/` is bound read-write with devices, the network shared.
 */
export const planSandbox = (
  spec: SandboxSpec,
  startDir: string,
  firstMountFd = SECCOMP_FD + 1
): SandboxPlan | { readonly refused: string } => {
  const roots = workspaceRoots(spec.policy, spec.workspace, spec.env ?? {})
  const masked = spec.policy.mode === "danger-full-access" ? "everything" : roots
  const hidden = spec.codexHome === undefined ? [] : codexHomeMaskArgs(spec.codexHome, spec.workspace, masked)
  const contained = ["--die-with-parent", "--unshare-pid"]
  if (spec.policy.mode === "danger-full-access") {
    return { args: [...contained, "--dev-bind", "/", "/", "--proc", "/proc", ...hidden, "--chdir", startDir], mounts: [] }
  }
  // A symlink on the way to a root is the model's if any sandbox of the process could have made it, not only this one.
  const commandWritable = spec.identities === undefined ? [] : [...roots.writable, ...sandboxWritable(spec.env ?? {})]
  const changed = spec.identities === undefined ? undefined : checkRootIdentities(spec.identities, roots.origins, commandWritable)
  if (changed !== undefined) return { refused: changed }
  recordSandboxWritable(roots.writable)
  // CODEX_HOME and the server's own code stay where the server reads them (see `AncestorPins`).
  const serverPins = [...(spec.codexHome === undefined ? [] : codexHomePins(spec.codexHome, roots.writable)), ...serverCodePins(roots.writable)]
  const mounts = sandboxMounts({ ...roots, pinned: [...new Set([...roots.pinned, ...serverPins])] })
  const args = [
    ...contained,
    // Run as root, bwrap would leave the command every capability: enough to remount `/` read-write.
    "--cap-drop", "ALL",
    // Objects found by number or name rather than path (System V IPC, POSIX message queues, the hostname)
    // live in namespaces: fresh ones leave the command nothing of the host's to write but the binds.
    "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
    ...(networkAllowed(spec.policy) ? [] : ["--unshare-net"]),
    "--ro-bind", "/", "/",
    "--dev", "/dev",
    "--proc", "/proc",
    ...mountArgs(mounts, firstMountFd),
    ...roots.emptied.flatMap((dir) => ["--tmpfs", dir, "--remount-ro", dir]),
    ...serverCodeMaskArgs(roots.writable),
    ...hidden,
    ...(sandboxFilter(spec.policy) === undefined ? [] : ["--seccomp", String(SECCOMP_FD)]),
    "--chdir", startDir
  ]
  // What the sandbox protects as a workspace: its own (by what it resolved to) and the live ones.
  const own = roots.origins.filter((origin) => origin.given === resolve(spec.workspace)).map((origin) => origin.real)
  return { args, mounts, guard: { writable: roots.writable, covered: [...own, ...(spec.env?.liveWorkspaces ?? [])] } }
}

/** The bubblewrap options of `planSandbox`, for a spec without identities (the probe, tests). */
export const bwrapArgs = (spec: SandboxSpec, startDir: string): Array<string> => {
  const plan = planSandbox(spec, startDir)
  if ("refused" in plan) throw new Error(plan.refused)
  return plan.args
}

/** Where bwrap is: the configured path (a bare name is looked up on PATH), else `bwrap` on PATH. */
const locateBwrap = (
  configuredPath: string | undefined,
  env: ProgramEnv
): { readonly path: string } | { readonly missing: string } => {
  const name = configuredPath ?? "bwrap"
  // Never from a PATH entry a command could write: a planted `bwrap` would run unsandboxed (see `ServerPrograms`).
  const located = resolveServerProgram(name, env)
  if ("path" in located || !name.includes("/")) return located
  return { missing: `${resolve(name)} (codex_linux_sandbox_exe) does not exist or is not executable` }
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

/**
 * The probes made so far, one per bwrap path: the answer is the failure text, or undefined when bwrap works.
 * By default one set per process; a program may provide its own.
 */
export const SandboxProbes = Context.Reference<Map<string, Promise<string | undefined>>>("codex-effect/SandboxProbes", {
  defaultValue: () => new Map()
})

const probe = (
  probes: Map<string, Promise<string | undefined>>,
  bwrapPath: string,
  searchPath: string | undefined
): Promise<string | undefined> => {
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
  const env = yield* ProcessEnvironment
  const { PATH } = env
  const located = locateBwrap(configuredPath, env)
  if ("missing" in located) return yield* unavailable(located.missing)
  const probes = yield* SandboxProbes
  const failure = yield* Effect.promise(() => probe(probes, located.path, PATH))
  if (failure !== undefined) return yield* unavailable(failure)
  return located.path
})
