/**
 * The Linux sandbox: bubblewrap (DESIGN §4.11). `read-only` mounts the whole filesystem read-only;
 * `workspace-write` also binds cwd, the writable roots, `$TMPDIR` and `/tmp` read-write; the network is
 * cut (a fresh network namespace) unless the policy allows it. The sandbox's own PID namespace means
 * killing bwrap kills everything inside. A missing or broken bwrap is reported, never worked around.
 */
import { spawnSync } from "node:child_process"
import { accessSync, constants, existsSync, statSync } from "node:fs"
import { delimiter, join } from "node:path"
import type { SandboxPolicy } from "../../rpc/Enums.js"

export interface SandboxAvailable {
  readonly _tag: "Available"
  readonly bwrap: string
}
export interface SandboxUnavailable {
  readonly _tag: "Unavailable"
  readonly message: string
}

const HOW_TO_FIX = "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`) or set `codex_linux_sandbox_exe` " +
  "to its path; or, if you accept running commands unsandboxed, use sandbox mode `danger-full-access`."

const findOnPath = (name: string): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

const probed = new Map<string, SandboxAvailable | SandboxUnavailable>()

/** Finds bwrap (the configured path, else PATH) and checks once per path that it can start a sandbox. */
export const detectSandbox = (configured: string | undefined): SandboxAvailable | SandboxUnavailable => {
  const bwrap = configured ?? findOnPath("bwrap")
  if (bwrap === undefined) return { _tag: "Unavailable", message: `the sandbox is unavailable: bwrap was not found on PATH. ${HOW_TO_FIX}` }
  const cached = probed.get(bwrap)
  if (cached !== undefined) return cached
  let result: SandboxAvailable | SandboxUnavailable
  if (!existsSync(bwrap)) {
    result = { _tag: "Unavailable", message: `the sandbox is unavailable: ${bwrap} does not exist. ${HOW_TO_FIX}` }
  } else {
    const probe = spawnSync(bwrap, [...isolationArgs({ mode: "read-only" }), "--", "true"], { stdio: "pipe", timeout: 10_000 })
    result = probe.status === 0
      ? { _tag: "Available", bwrap }
      : {
        _tag: "Unavailable",
        message: `the sandbox is unavailable: ${bwrap} could not start a sandbox (${
          (probe.stderr?.toString("utf8").trim() || probe.error?.message) ?? `exit ${probe.status}`
        }). ${HOW_TO_FIX}`
      }
  }
  probed.set(bwrap, result)
  return result
}

const networkAllowed = (policy: SandboxPolicy) =>
  policy.mode === "danger-full-access" || (policy.mode === "workspace-write" && policy.network_access === true)

const isolationArgs = (policy: SandboxPolicy): Array<string> => [
  "--ro-bind", "/", "/",
  "--dev", "/dev",
  "--proc", "/proc",
  "--unshare-pid",
  "--die-with-parent",
  ...(networkAllowed(policy) ? [] : ["--unshare-net"])
]

/** Directories a workspace-write command may write to (agent core §6.6), those that exist. */
export const writableRoots = (policy: SandboxPolicy, cwd: string, env: Readonly<Record<string, string | undefined>>) => {
  if (policy.mode !== "workspace-write") return []
  const roots = [...(policy.writable_roots ?? []), cwd]
  if (policy.exclude_slash_tmp !== true) roots.push("/tmp")
  const tmpdir = env.TMPDIR
  if (policy.exclude_tmpdir_env_var !== true && tmpdir !== undefined && tmpdir !== "") roots.push(tmpdir)
  return [...new Set(roots)].filter((root) => {
    try {
      return statSync(root).isDirectory()
    } catch {
      return false
    }
  })
}

/** The full bwrap command line for `argv` under `policy`. */
export const sandboxedArgv = (
  bwrap: string,
  policy: SandboxPolicy,
  cwd: string,
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Array<string> => [
  bwrap,
  ...isolationArgs(policy),
  ...writableRoots(policy, cwd, env).flatMap((root) => ["--bind", root, root]),
  "--chdir", cwd,
  "--",
  ...argv
]
