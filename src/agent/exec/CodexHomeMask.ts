/**
 * How CODEX_HOME is kept from commands: it holds the signed-in credentials (`auth.json`), every
 * conversation's rollout and the agent's own config, so a command must neither read it (the output
 * would reach the model) nor write it (a `sandbox_mode` in config.toml would outlast the sandbox).
 *
 * Normally the whole directory is covered by an empty, read-only tmpfs. When the workspace lies
 * inside CODEX_HOME (or is it, as an embedding may choose), covering it would hide the workspace too;
 * then only the entries that matter are masked: secrets and history become empty and unreadable,
 * config and global instructions read-only.
 */
import { lstatSync, realpathSync } from "node:fs"
import { join } from "node:path"
import { isDirectory } from "./PathLookup.js"
import { isInsideOrEqual } from "./WorkspaceRoots.js"

/** Entries with secrets or history: hidden. */
const SECRET_ENTRIES = ["auth.json", "sessions", "archived_sessions", "history.jsonl", "log"]
/** Entries that steer later conversations: read-only. */
const CONFIG_ENTRIES = ["config.toml", "AGENTS.md"]

const realEntry = (codexHome: string, name: string) => {
  const path = join(codexHome, name)
  return lstatSync(path, { throwIfNoEntry: false }) === undefined ? undefined : realpathSync(path)
}

const hide = (path: string) =>
  isDirectory(path) ? ["--tmpfs", path, "--remount-ro", path] : ["--ro-bind", "/dev/null", path]

const containsWorkspace = (codexHome: string, workspace: string) =>
  isDirectory(workspace) && isInsideOrEqual(realpathSync(codexHome), realpathSync(workspace))

/** What a patch may not write: all of CODEX_HOME, or, when it holds the workspace, the entries masked. */
export const codexHomeProtectedPaths = (codexHome: string, workspace: string): Array<string> =>
  isDirectory(codexHome) && containsWorkspace(codexHome, workspace)
    ? [...SECRET_ENTRIES, ...CONFIG_ENTRIES].map((name) => join(codexHome, name))
    : [codexHome]

/** The bubblewrap options that mask `codexHome` from a command whose turn works in `workspace`. */
export const codexHomeMaskArgs = (codexHome: string, workspace: string): Array<string> => {
  if (!isDirectory(codexHome)) return []
  const home = realpathSync(codexHome)
  if (!containsWorkspace(home, workspace)) return ["--tmpfs", home, "--remount-ro", home]
  const secrets = SECRET_ENTRIES.map((name) => realEntry(home, name)).filter((path) => path !== undefined)
  const config = CONFIG_ENTRIES.map((name) => realEntry(home, name)).filter((path) => path !== undefined)
  return [...secrets.flatMap(hide), ...config.flatMap((path) => ["--ro-bind", path, path])]
}
