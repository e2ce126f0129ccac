/**
 * How CODEX_HOME is kept from commands: it holds the signed-in credentials (`auth.json`, `.env`),
 * every conversation's rollout and what the server loads and runs (config.toml with its MCP server
 * commands, AGENTS.md, the compile cache), so a command must neither read its secrets (the output
 * would reach the model) nor write anything in it, at any time.
 *
 * - Normally the whole directory is covered by an empty, read-only tmpfs.
 * - When a writable root or the workspace lies inside CODEX_HOME (or is it, as an embedding may choose),
 *   covering it would hide the workspace: then all of CODEX_HOME is bound read-only (so nothing can be
 *   created there either, whether or not it exists yet) and its secret entries are hidden. Under
 *   `danger-full-access` (a command the user let out of the sandbox) only the secrets are hidden and
 *   the existing config made read-only.
 * - CODEX_HOME must stay where the server reads it: it is a mount point in the sandbox either way, and
 *   every directory above it inside a writable root is pinned (see `PinnedAncestors`), so a command
 *   cannot rename it or a parent away and build a new one at the old path.
 * - A missing CODEX_HOME is created first (mode 0700), so a command cannot be the one to create it.
 *
 * The server reads CODEX_HOME by its real path, resolved once at start (see `Config`), so a symlink
 * on the way cannot be swapped either.
 */
import { lstatSync, mkdirSync, realpathSync } from "node:fs"
import { join } from "node:path"
import { isDirectory } from "./PathLookup.js"
import { pinAncestorsArgs } from "./PinnedAncestors.js"
import { isInsideOrEqual } from "./WorkspaceRoots.js"

/** Entries with secrets or history: hidden even when CODEX_HOME must stay visible. */
const SECRET_ENTRIES = ["auth.json", ".env", "sessions", "archived_sessions", "history.jsonl", "log"]
/** Entries that steer later conversations: read-only even under full access. */
const CONFIG_ENTRIES = ["config.toml", "AGENTS.md"]

const realEntry = (codexHome: string, name: string) => {
  const path = join(codexHome, name)
  return lstatSync(path, { throwIfNoEntry: false }) === undefined ? undefined : realpathSync(path)
}

const realPath = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

const hide = (path: string) =>
  isDirectory(path) ? ["--tmpfs", path, "--remount-ro", path] : ["--ro-bind", "/dev/null", path]

/** What a patch or `view_image` may not touch: all of CODEX_HOME. */
export const codexHomeProtectedPaths = (codexHome: string): Array<string> => [codexHome]

/**
 * The bubblewrap options that mask `codexHome` from a command whose turn works in `workspace` with
 * these `writable` roots (real paths), or under `danger-full-access` (`"everything"`): nothing is
 * pinned then, and a CODEX_HOME holding the workspace keeps only its secrets hidden and its config
 * read-only, since such a command may write anywhere.
 */
export const codexHomeMaskArgs = (
  codexHome: string,
  workspace: string,
  writable: ReadonlyArray<string> | "everything"
): Array<string> => {
  try {
    mkdirSync(codexHome, { recursive: true, mode: 0o700 })
  } catch {
    // Then no command can create it either: it runs as the same user, with less.
  }
  if (!isDirectory(codexHome)) return []
  const home = realpathSync(codexHome)
  const roots = writable === "everything" ? [] : writable
  const pins = pinAncestorsArgs(home, roots)
  const holdsWritable = [workspace, ...roots].some((root) => isInsideOrEqual(home, realPath(root)))
  if (!holdsWritable) return [...pins, "--tmpfs", home, "--remount-ro", home]
  const secrets = SECRET_ENTRIES.map((name) => realEntry(home, name)).filter((path) => path !== undefined)
  if (writable === "everything") {
    const config = CONFIG_ENTRIES.map((name) => realEntry(home, name)).filter((path) => path !== undefined)
    return [...secrets.flatMap(hide), ...config.flatMap((path) => ["--ro-bind", path, path])]
  }
  return [...pins, "--ro-bind", home, home, ...secrets.flatMap(hide)]
}
