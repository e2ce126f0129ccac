/**
 * Pinning a directory in a sandbox: bound onto itself, a directory is a mount point of the sandbox's
 * mount namespace, and the kernel refuses to rename or remove a mount point there (`EBUSY`). A path
 * the server relies on — the workspace, a repository whose `.git` is protected, CODEX_HOME — keeps
 * its place only if it and every directory above it that a command may write are pinned: renaming
 * any one of them would let the command put something else at that path (a symlink to a system
 * directory, a copy of the repository with its own hooks). Directories outside every writable root
 * need no pin: the read-only `/` already refuses the rename.
 *
 * A pin holds inside one sandbox only; another sandbox (another conversation, its own namespace) can
 * still rename the directory, which is why the roots are also checked when each command starts
 * (see `RootIdentities`).
 */
import { dirname } from "node:path"
import { isInsideOrEqual } from "../../files/RealPaths.js"

/**
 * The directories to pin so that `path` (a real path) stays where it is: `path` and each of its
 * ancestors that lies strictly inside one of `writable` (real paths). The roots themselves are left
 * out: each is bound already, hence a mount point.
 */
export const pinsFor = (path: string, writable: ReadonlyArray<string>): Array<string> => {
  const pins: Array<string> = []
  for (let dir = path; writable.some((root) => isInsideOrEqual(root, dir)); dir = dirname(dir)) {
    if (!writable.includes(dir)) pins.push(dir)
    if (dirname(dir) === dir) break
  }
  return pins.reverse()
}
