/**
 * A cap on the processes (threads included: the kernel counts tasks) one sandboxed command may have at
 * once, so a fork bomb the model runs stops at the cap instead of filling the user's process table.
 *
 * The cap is `RLIMIT_NPROC`, set inside the sandbox by `prlimit` (util-linux), which then runs the
 * command. The kernel counts that limit per user namespace: run by a normal user, bubblewrap gives each
 * sandbox a user namespace of its own, so a limit set inside counts the sandbox's processes only, not
 * the user's others (set before bubblewrap, it would count every process of the user). What it cannot
 * do, said plainly: the kernel never applies `RLIMIT_NPROC` to root (uid 0) nor to a process with
 * `CAP_SYS_RESOURCE`, and a setuid bubblewrap makes no user namespace, so the count would be the user's
 * whole: in those cases no cap is set. Nor is there a cgroup: a pids controller needs a delegated,
 * writable cgroup the server does not assume.
 */
import { statSync } from "node:fs"
import type { ProgramEnv } from "./ServerPrograms.js"
import { resolveServerProgram } from "./ServerPrograms.js"

/** Generous for builds (a JVM or a parallel test run holds a few hundred threads); a fork bomb reaches it in milliseconds. */
export const DEFAULT_MAX_PROCESSES = 2048

const isSetuid = (path: string) => {
  try {
    return (statSync(path).mode & 0o4000) !== 0
  } catch {
    return false
  }
}

/**
 * What goes between bubblewrap's `--` and the command: `prlimit --nproc=N:N --` when the cap binds
 * (see the module comment), else nothing. `max` 0 turns the cap off.
 */
export const processLimitPrefix = (max: number, bwrapPath: string, env: ProgramEnv): Array<string> => {
  if (max <= 0 || process.getuid?.() === 0 || isSetuid(bwrapPath)) return []
  // Inside the sandbox the host's programs are where they are outside; a copy the model planted is not looked at.
  const prlimit = resolveServerProgram("prlimit", env)
  return "path" in prlimit ? [prlimit.path, `--nproc=${max}:${max}`, "--"] : []
}
