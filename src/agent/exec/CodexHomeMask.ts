/**
 * How CODEX_HOME is kept from commands: it holds the signed-in credentials (`auth.json`, `.env`),
 * every conversation's rollout and what the server loads and runs (config.toml with its MCP server
 * commands, AGENTS.md, the compile cache), so a command must neither read its secrets (the output
 * would reach the model) nor write anything in it, at any time.
 *
 * - Normally the whole directory is covered by an empty, read-only tmpfs.
 * - When a writable root or the workspace lies inside CODEX_HOME (or is it, as an embedding may choose),
 *   covering it would hide the workspace: then all of CODEX_HOME is bound read-only (so nothing can be
 *   created there either, whether or not it exists yet) and its secret entries are hidden. A writable
 *   root below CODEX_HOME (a project kept there) is bound writable again, unless it lies in one of
 *   the server's own entries; CODEX_HOME itself as the workspace stays read-only. Under
 *   `danger-full-access` (a command the user let out of the sandbox) only the secrets are hidden and
 *   the existing config made read-only.
 * - CODEX_HOME must stay where the server reads it: it is a mount point in the sandbox either way, and
 *   every directory above it inside a writable root is pinned (see `AncestorPins`), so a command
 *   cannot rename it or a parent away and build a new one at the old path.
 * - A missing CODEX_HOME is created first (mode 0700), so a command cannot be the one to create it.
 * - An entry that is a link out of CODEX_HOME (`config.toml` linked from a dotfiles repository) leads
 *   the server's reads elsewhere: its target is bound read-only too (hidden for a secret entry, kept
 *   from being made when missing) and the directories above it are pinned, wherever it lies.
 *
 * The server reads CODEX_HOME by its real path, resolved once at start (see `Config`), so a symlink
 * on the way cannot be swapped either.
 */
import { type Dirent, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { CODEX_HOME_SECRET_ENTRIES } from "../../files/ModelReadable.js"
import { isDirectory } from "./PathLookup.js"
import { pinsFor } from "./AncestorPins.js"
import { isInsideOrEqual } from "../../files/RealPaths.js"
import type { WorkspaceRoots } from "./WorkspaceRoots.js"
import { realPathAsFarAsExists } from "../../files/RealPaths.js"

/** Entries with secrets or history: hidden even when CODEX_HOME must stay visible. */
const SECRET_ENTRIES = CODEX_HOME_SECRET_ENTRIES
/** Entries that steer later conversations: read-only even under full access. */
const CONFIG_ENTRIES = ["config.toml", "AGENTS.md"]
/** Everything the server itself reads or writes in CODEX_HOME: never part of a writable root. */
const SERVER_ENTRIES = [...SECRET_ENTRIES, ...CONFIG_ENTRIES, "history.jsonl.lock", "node-compile-cache"]

const realEntry = (codexHome: string, name: string) => {
  const path = join(codexHome, name)
  return lstatSync(path, { throwIfNoEntry: false }) === undefined ? undefined : realpathSync(path)
}

const hide = (path: string) =>
  isDirectory(path) ? ["--tmpfs", path, "--remount-ro", path] : ["--ro-bind", "/dev/null", path]

/** The roots among `writable` below CODEX_HOME (`home`, a real path) and apart from the server's own entries. */
const rootsInside = (home: string, writable: ReadonlyArray<string>) =>
  writable.filter((root) =>
    root !== home && isInsideOrEqual(home, root) && !SERVER_ENTRIES.some((name) => isInsideOrEqual(join(home, name), root))
  )

/**
 * What a patch or `view_image` may not touch among `targets`: all of CODEX_HOME, unless
 * every target lies in a root below it that the sandbox keeps writable too (see `codexHomeMaskArgs`).
 */
export const codexHomeProtectedPaths = (
  codexHome: string,
  writable: ReadonlyArray<string>,
  targets: ReadonlyArray<string>
): Array<string> => {
  const home = realPathAsFarAsExists(codexHome)
  const inner = rootsInside(home, writable.map(realPathAsFarAsExists))
  const allInside = targets.length > 0 &&
    targets.map(realPathAsFarAsExists).every((target) => inner.some((root) => isInsideOrEqual(root, target)))
  return allInside ? [] : [codexHome]
}

/** CODEX_HOME's real path, created first (mode 0700) so no command can be the one to create it. */
const ensureCodexHome = (codexHome: string): string | undefined => {
  try {
    mkdirSync(codexHome, { recursive: true, mode: 0o700 })
  } catch {
    // Then no command can create it either: it runs as the same user, with less.
  }
  return isDirectory(codexHome) ? realpathSync(codexHome) : undefined
}

/** At most this many links among CODEX_HOME's entries are followed: it holds a handful of entries. */
const MAX_LINKED_ENTRIES = 256

/**
 * CODEX_HOME's entries that are links to somewhere outside it (dotfiles kept in a repository, linked
 * in one by one), as their real targets; a dangling link's target as far as it resolves, since a command
 * that creates the file there would write what the server reads next. Masking CODEX_HOME hides the
 * links, not what they lead to.
 */
const linkedTargets = (home: string): Array<string> => {
  let entries: Array<Dirent>
  try {
    entries = readdirSync(home, { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((entry) => entry.isSymbolicLink())
    .slice(0, MAX_LINKED_ENTRIES)
    .flatMap((entry) => {
      const link = join(home, entry.name)
      try {
        return [realPathAsFarAsExists(resolve(home, readlinkSync(link)))]
      } catch {
        return []
      }
    })
    .filter((target) => !isInsideOrEqual(home, target))
}

/**
 * The binds for the targets of CODEX_HOME's links (see `linkedTargets`): a secret entry's is hidden wherever
 * it lies (the whole file system is readable), any other's is read-only where a command could write it, and
 * a missing one a command could create is kept missing (see `keepMissing`).
 */
const linkedTargetArgs = (home: string, writable: ReadonlyArray<string>): Array<string> => {
  const secrets = SECRET_ENTRIES.map((name) => realPathAsFarAsExists(join(home, name)))
  return linkedTargets(home).flatMap((target) => {
    const exists = existsSync(target)
    const creatable = writable.some((root) => isInsideOrEqual(root, target))
    if (!exists) return creatable ? keepMissing(target) : []
    if (secrets.includes(target)) return hide(target)
    return creatable ? ["--ro-bind", target, target] : []
  })
}

/**
 * Keeps a missing `target` from being made: an empty file bound read-only in its place, or, when its
 * directory is missing too, an empty read-only directory in place of the first missing one (bubblewrap
 * leaves that empty file or directory behind). Either is a mount point: it can be neither removed nor
 * renamed, and its existing parent is pinned (see `codexHomePins`).
 */
const keepMissing = (target: string): Array<string> => {
  let missing = target
  while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing)
  return missing === target ? ["--ro-bind", "/dev/null", target] : ["--tmpfs", missing, "--remount-ro", missing]
}

/**
 * The directories to pin (see `AncestorPins`) so CODEX_HOME stays where the server reads it, and so do
 * the targets of its links: renaming a directory above one away would let a command build another there.
 */
export const codexHomePins = (codexHome: string, writable: ReadonlyArray<string>): Array<string> => {
  const home = ensureCodexHome(codexHome)
  if (home === undefined) return []
  // A missing directory cannot be pinned (nor moved): only those that exist are.
  const linked = linkedTargets(home).flatMap((target) => pinsFor(dirname(target), writable)).filter(isDirectory)
  return [...new Set([...pinsFor(dirname(home), writable), ...linked])]
}

/**
 * The bubblewrap options that mask `codexHome` from a command whose turn works in `workspace` with
 * these roots (real paths), or under `danger-full-access` (`"everything"`): then a CODEX_HOME holding
 * the workspace keeps only its secrets hidden and its config read-only, since such a command may
 * write anywhere. They go after every writable bind and pin (see `codexHomePins`).
 */
export const codexHomeMaskArgs = (
  codexHome: string,
  workspace: string,
  roots: Pick<WorkspaceRoots, "writable" | "readOnly" | "emptied"> | "everything"
): Array<string> => {
  const home = ensureCodexHome(codexHome)
  if (home === undefined) return []
  const writable = roots === "everything" ? [] : roots.writable
  const holdsWritable = [workspace, ...writable].some((root) => isInsideOrEqual(home, realPathAsFarAsExists(root)))
  if (!holdsWritable) return ["--tmpfs", home, "--remount-ro", home, ...linkedTargetArgs(home, writable)]
  const secrets = SECRET_ENTRIES.map((name) => realEntry(home, name)).filter((path) => path !== undefined)
  if (roots === "everything") {
    const config = CONFIG_ENTRIES.map((name) => realEntry(home, name)).filter((path) => path !== undefined)
    return [...secrets.flatMap(hide), ...config.flatMap((path) => ["--ro-bind", path, path])]
  }
  // A writable root below CODEX_HOME and apart from the server's own entries (a project kept there)
  // stays writable: bound again over the read-only CODEX_HOME, with its read-only parts (`.git`) again.
  const inner = rootsInside(home, writable)
  const insideInner = (path: string) => inner.some((root) => isInsideOrEqual(root, path))
  return [
    "--ro-bind", home, home,
    ...secrets.flatMap(hide),
    ...inner.flatMap((root) => ["--bind", root, root]),
    ...roots.readOnly.filter(insideInner).flatMap((path) => ["--ro-bind", path, path]),
    ...roots.emptied.filter(insideInner).flatMap((dir) => ["--tmpfs", dir, "--remount-ro", dir]),
    ...linkedTargetArgs(home, writable)
  ]
}
