/**
 * The workspaces of the conversations alive in this process. Conversations share writable roots
 * (`/tmp`, `$TMPDIR`, a configured directory), so one conversation's sandbox can usually reach another
 * one's workspace: every sandbox therefore treats the live workspaces inside its roots as it treats
 * its own — their `.git` (and their repositories') read-only, the workspaces and their ancestors
 * pinned (see `WorkspaceRoots`) — so no conversation can plant a hook in another's repository or move
 * it out from under it. A server in another process is not covered; the root check at each command
 * (see `RootIdentities`) still refuses to work in a workspace that moved.
 */
import { realpathSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"

/** Real path → how many live conversations work there. */
const held = new Map<string, number>()

const realPath = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** The workspaces one conversation holds: each counted once, all released together when it closes. */
export interface HeldWorkspaces {
  readonly hold: (cwd: string) => void
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
    if (mine.has(real)) return
    mine.add(real)
    held.set(real, (held.get(real) ?? 0) + 1)
  }
})))

/** The workspaces alive now (real paths). */
export const liveWorkspaces = (): ReadonlyArray<string> => [...held.keys()]
