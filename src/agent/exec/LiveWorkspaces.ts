/**
 * The workspaces of the conversations alive in this process. Conversations share writable roots
 * (`/tmp`, `$TMPDIR`, a configured directory), so one conversation's sandbox can usually reach another
 * one's workspace: every sandbox therefore treats the live workspaces inside its roots as it treats
 * its own — their `.git` (and their repositories') read-only, the workspaces and their ancestors
 * pinned (see `WorkspaceRoots`) — so no conversation can plant a hook in another's repository or move
 * it out from under it. A command that started before a workspace came alive inside its roots does not
 * protect it and cannot be made to: it is ended (see `registerRunningSandbox`). A server in another
 * process is not covered; the root check at each command (see `RootIdentities`) still refuses to work
 * in a workspace that moved.
 */
import { realpathSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { isInsideOrEqual } from "../../files/RealPaths.js"

/** Real path → how many live conversations work there. */
const held = new Map<string, number>()

/**
 * A sandboxed command still running: its writable roots and the live workspaces its sandbox protects
 * (those alive when it started), all real paths.
 */
export interface RunningSandbox {
  readonly writable: ReadonlyArray<string>
  readonly covered: ReadonlyArray<string>
  /** Ends the command (its whole process group); what was ended, for the log. */
  readonly end: () => string
}

const running = new Set<RunningSandbox>()

/**
 * Registers a running sandboxed command; the returned function unregisters it. A sandbox protects the
 * workspaces alive when it starts, and its mounts cannot change afterwards: a conversation that starts
 * later in a workspace inside its writable roots would be open to it (a hook planted in its repository,
 * its workspace moved). So such a command is ended when that happens (see `hold`).
 */
export const registerRunningSandbox = (sandbox: RunningSandbox): (() => void) => {
  // A conversation that came alive between the plan and the spawn is one the sandbox missed.
  if ([...held.keys()].some((workspace) => unprotects(sandbox, workspace))) {
    sandbox.end()
    return () => undefined
  }
  running.add(sandbox)
  return () => running.delete(sandbox)
}

const unprotects = (sandbox: RunningSandbox, workspace: string) =>
  !sandbox.covered.includes(workspace) && sandbox.writable.some((root) => isInsideOrEqual(root, workspace))

/** Ends the running commands whose sandbox can write `workspace` (a real path) but does not protect it; why, for the log. */
const endUnprotecting = (workspace: string): Array<string> => {
  const ended: Array<string> = []
  for (const sandbox of [...running]) {
    if (!unprotects(sandbox, workspace)) continue
    running.delete(sandbox)
    ended.push(`ended ${sandbox.end()}: a conversation started in ${workspace}, inside its writable roots, after it started`)
  }
  return ended
}

const realPath = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** The workspaces one conversation holds: each counted once, all released together when it closes. */
export interface HeldWorkspaces {
  /** Holds `cwd`; the commands that had to end for it (see `registerRunningSandbox`), said for the log. */
  readonly hold: (cwd: string) => ReadonlyArray<string>
}

/** Holds workspaces for as long as the calling scope (the conversation) lasts. */
export const holdLiveWorkspaces = Effect.acquireRelease(
  Effect.sync(() => new Set<string>()),
  (mine) =>
    Effect.sync(() => {
      for (const real of mine) {
        const count = (held.get(real) ?? 1) - 1
        if (count <= 0) held.delete(real)
        else held.set(real, count)
      }
    })
).pipe(Effect.map((mine): HeldWorkspaces => ({
  hold: (cwd) => {
    const real = realPath(cwd)
    if (mine.has(real)) return []
    mine.add(real)
    held.set(real, (held.get(real) ?? 0) + 1)
    return endUnprotecting(real)
  }
})))

/** The workspaces alive now (real paths). */
export const liveWorkspaces = (): ReadonlyArray<string> => [...held.keys()]
