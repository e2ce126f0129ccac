/**
 * Waiting for a process to die. There is no event for another process's death, so this re-checks
 * on each turn of the event loop until the deadline, then fails loudly. A zombie counts as dead: a
 * killed grandchild is reparented to PID 1, which may reap it late. Also: a process's peak memory.
 */
import { readdirSync, readFileSync } from "node:fs"

export const isRunning = (pid: number): boolean => {
  try {
    // Field 3 of /proc/<pid>/stat is the state; Z is a zombie (dead, not yet reaped).
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
  } catch {
    return false
  }
}

/** The pids of the processes running exactly `argv` (e.g. a command inside a sandbox, whose own pid is another namespace's). */
export const pidsRunning = (argv: ReadonlyArray<string>): Array<number> =>
  readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8") === argv.join("\0") + "\0"
    } catch {
      return false
    }
  })

export const waitForProcessExit = async (pid: number, timeoutMs = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} is still running after ${timeoutMs} ms`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** The peak resident set size of a running process so far (`VmHWM`), in MiB. */
export const peakRssMiB = (pid: number): number => {
  const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  if (line === null) throw new Error(`no VmHWM in /proc/${pid}/status`)
  return Number(line[1]) / 1024
}
