/**
 * A pseudo-terminal for a command without a native module: the command runs under `script(1)`, which
 * opens a PTY, runs it there and relays the PTY to plain pipes. The size is set from inside (`stty`
 * before the command) and changed from outside with `stty -F` on the PTY that the command's process
 * holds as its stdin (`/proc/<pid>/fd/0`), which also signals SIGWINCH to its foreground group, as a
 * terminal window's resize does.
 */
import { execFile } from "node:child_process"
import { readFileSync, readlinkSync } from "node:fs"
import { Effect } from "effect"
import { resolveServerProgram } from "./ServerPrograms.js"
import { shlexJoin } from "./ShellQuote.js"

export interface TerminalSize {
  readonly rows: number
  readonly cols: number
}

/** `argv` run on a new PTY of `size` (the PTY's default size when absent). */
export const underPseudoTerminal = (argv: ReadonlyArray<string>, size?: TerminalSize): Array<string> => {
  const command = shlexJoin(argv)
  const sized = size === undefined ? command : `stty rows ${size.rows} cols ${size.cols} 2>/dev/null; exec ${command}`
  return ["script", "-qefc", sized, "/dev/null"]
}

/** Processes visited at most when looking for the one on the PTY (bwrap, its init, script, the command). */
const MAX_VISITED = 64

const childrenOf = (pid: number): Array<number> => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter((s) => s !== "").map(Number)
  } catch {
    return []
  }
}

const onPseudoTerminal = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/fd/0`).startsWith("/dev/pts/")
  } catch {
    return false
  }
}

/** The first process below `root` (breadth first) whose stdin is a PTY: what `script` started. */
const terminalHolder = (root: number): number | undefined => {
  const queue = [root]
  for (let visited = 0; queue.length > 0 && visited < MAX_VISITED; visited++) {
    const pid = queue.shift()!
    if (pid !== root && onPseudoTerminal(pid)) return pid
    queue.push(...childrenOf(pid))
  }
  return undefined
}

/**
 * Resizes the PTY of the command started as process `root` by `underPseudoTerminal`. Fails with the
 * reason when there is none (the command ended, or never ran on a PTY) or `stty` cannot set it.
 */
export const resizePseudoTerminal = (root: number, size: TerminalSize, env: NodeJS.ProcessEnv) =>
  Effect.callback<void, string>((resume) => {
    const holder = terminalHolder(root)
    if (holder === undefined) return resume(Effect.fail("process is not attached to a PTY"))
    const stty = resolveServerProgram("stty", env)
    if (!("path" in stty)) return resume(Effect.fail(stty.missing))
    execFile(
      stty.path,
      ["-F", `/proc/${holder}/fd/0`, "rows", String(size.rows), "cols", String(size.cols)],
      { timeout: 5_000, env: {} },
      (error, _stdout, stderr) => resume(error === null ? Effect.void : Effect.fail(stderr.trim() || error.message))
    )
  })
