/**
 * The git repositories nested anywhere below a project root (the workspace, a configured root), as they
 * were the first time this process looked: those are the user's checkouts (a monorepo's `packages/lib`,
 * `vendor/a/b/c`), and their `.git` must stay read-only like the root's own (see `WorkspaceRoots`), or
 * a hook the model plants runs the next time the user runs git there, outside the sandbox.
 *
 * The list is taken once per root and kept for the life of the process: a repository a command creates
 * later is the model's own (it may commit in it), and a scan at every command would cost a walk of the
 * whole tree each time. The walk is breadth first, never follows a symlink nor enters a `.git`, and
 * stops after `MAX_VISITED_DIRS` directories or below `MAX_DEPTH`, so a huge tree (dependencies, build
 * output) costs a bounded time once; the repositories nearest the root are the ones found.
 */
import { type Dirent, readdirSync } from "node:fs"
import { join } from "node:path"

/** Directories read at most per root, once (measured: 2,000 directories of a `node_modules` in 0.27 s on a busy 2-core machine). */
const MAX_VISITED_DIRS = 5_000
/** Levels below the root looked into. */
const MAX_DEPTH = 12
/** Repositories kept per root: each costs a few mounts per command. */
const MAX_REPOSITORIES = 256
/** Roots remembered; past it the oldest is forgotten (and scanned again if it comes back). */
const MAX_ROOTS = 1024

const seen = new Map<string, ReadonlyArray<string>>()

const entriesOf = (dir: string): Array<Dirent> => {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
}

const scan = (root: string): Array<string> => {
  const found: Array<string> = []
  let level = [root]
  let visited = 0
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0 && found.length < MAX_REPOSITORIES; depth++) {
    const next: Array<string> = []
    for (const dir of level) {
      if (visited++ >= MAX_VISITED_DIRS) return found
      const entries = entriesOf(dir)
      if (dir !== root && entries.some((entry) => entry.name === ".git")) found.push(dir)
      // `isDirectory` of a listed entry is false for a symlink: nothing outside the tree is walked.
      for (const entry of entries) if (entry.isDirectory() && entry.name !== ".git") next.push(join(dir, entry.name))
    }
    level = next
  }
  return found.slice(0, MAX_REPOSITORIES)
}

/** The repositories below `root` (a real path) when this process first looked, the root itself excluded. */
export const nestedRepositories = (root: string): ReadonlyArray<string> => {
  const known = seen.get(root)
  if (known !== undefined) return known
  const found = scan(root)
  if (seen.size >= MAX_ROOTS) seen.delete(seen.keys().next().value!)
  seen.set(root, found)
  return found
}
