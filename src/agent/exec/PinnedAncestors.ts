/**
 * Keeping a path where it is while a sandbox runs. A writable root lets a command rename or remove
 * any directory inside it, and with it everything below: a path the server relies on (CODEX_HOME,
 * a mask, a read-only bind) would then name whatever the command puts there next. A mount point
 * cannot be renamed or removed in its mount namespace (EBUSY), so binding each directory between
 * the writable root and the path onto itself pins the chain for the sandbox's whole life. Every
 * sandbox of the server pins the same chains, so concurrent sandboxes (each in its own namespace)
 * cannot move them either.
 *
 * A pin is `--bind dir dir`, and bubblewrap binds the host's directory: whatever the sandbox mounted
 * below it before would be covered. So pins go with the writable roots' binds, broadest first, before
 * any read-only bind or mask (see `bwrapArgs`). Paths are real paths, as `WorkspaceRoots` gives them.
 */
import { dirname, isAbsolute, relative, sep } from "node:path"

/** Whether `path` is `root` or lies below it (both absolute); on its own so `WorkspaceRoots` can use this module. */
const isInsideOrEqual = (root: string, path: string) => {
  const rel = relative(root, path)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/**
 * The directories strictly between the outermost writable root holding `path` and `path` itself,
 * outermost first; none when no writable root holds it (nothing there can be renamed) or it is a root.
 */
export const ancestorsToPin = (path: string, writable: ReadonlyArray<string>): Array<string> => {
  const holding = writable.filter((root) => isInsideOrEqual(root, path) && root !== path)
  if (holding.length === 0) return []
  const outermost = holding.reduce((a, b) => (a.length <= b.length ? a : b))
  const chain: Array<string> = []
  for (let dir = dirname(path); dir !== outermost && isInsideOrEqual(outermost, dir); dir = dirname(dir)) chain.unshift(dir)
  return chain
}
