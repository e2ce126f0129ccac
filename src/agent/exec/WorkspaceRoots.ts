/**
 * Which directories a sandboxed command (or an auto-approved patch) may write, decided by the user's
 * settings alone: under `workspace-write`, the turn's cwd, the configured `writable_roots`, `/tmp`
 * (unless `exclude_slash_tmp`) and `$TMPDIR` (unless `exclude_tmpdir_env_var`). A directory the model
 * names (`workdir`, `cd dir &&`) only decides where a command starts, never what it may write.
 *
 * Two more rules close the ways around that:
 * - A root that would make everything writable (`/`, the user's home, or an ancestor of home) is
 *   refused unless the user listed it in `writable_roots` explicitly: a cwd like that refuses the
 *   command; `/tmp` or `$TMPDIR` like that (a HOME under /tmp) is only left out, so commands still run.
 * - Each root's `.git` stays read-only, with what its config points to in the work tree (see
 *   `GitProtectedPaths`): hooks and config there run code later, outside the sandbox. The
 *   repositories directly inside the workspace and the configured roots are covered too; deeper
 *   ones (and any created during the conversation) are not.
 *
 * Paths are real paths (symlinks resolved), since bubblewrap mounts and patch checks compare them.
 */
import { readdirSync, realpathSync } from "node:fs"
import { homedir } from "node:os"
import { isAbsolute, join, relative, resolve, sep } from "node:path"
import type { SandboxPolicy } from "../../rpc/Enums.js"
import { gitProtectedPaths } from "./GitProtectedPaths.js"
import { isDirectory } from "./PathLookup.js"

/** The server's environment as far as the roots care. */
export interface RootsEnv {
  readonly TMPDIR?: string | undefined
  readonly HOME?: string | undefined
}

/** An implicit root too broad to be writable, and where it came from. */
interface RefusedRoot {
  readonly root: string
  readonly origin: "the turn's cwd" | "/tmp" | "$TMPDIR"
}

export interface WorkspaceRoots {
  /** Writable directories (real paths, existing), broadest first so a nested bind is not hidden by its parent's. */
  readonly writable: ReadonlyArray<string>
  /** Read-only paths inside the writable roots: each root's `.git` and the git directory a `.git` file names. */
  readonly readOnly: ReadonlyArray<string>
  /** Configured git hook directories that do not exist yet: mounted empty and read-only so none can be made. */
  readonly emptied: ReadonlyArray<string>
  /** The cwd, when it would expose everything; non-empty means refuse the command. */
  readonly refused: ReadonlyArray<RefusedRoot>
  /** `/tmp` or `$TMPDIR` when they would expose everything: not writable, and worth one warning. */
  readonly leftOut: ReadonlyArray<RefusedRoot>
}

const realPath = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** Whether `path` is `root` or lies below it (both absolute). */
export const isInsideOrEqual = (root: string, path: string) => {
  const rel = relative(root, path)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/** `/`, home, or a directory that contains home: writing there means writing everywhere that matters. */
export const isTooBroadRoot = (root: string, home: string | undefined) =>
  root === "/" || (home !== undefined && home !== "" && isInsideOrEqual(root, realPath(home)))

/** At most this many subdirectories of a root are looked into for a repository, so a huge root stays cheap. */
const MAX_CHILD_REPOS = 256

/** The directories directly inside `root` (not symlinks, not `.git`), at most `MAX_CHILD_REPOS`. */
const childDirectories = (root: string): Array<string> => {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== ".git")
      .slice(0, MAX_CHILD_REPOS)
      .map((entry) => join(root, entry.name))
  } catch {
    return []
  }
}

/** The writable roots, read-only `.git` paths and refused roots of a turn (see the module comment). */
export const workspaceRoots = (policy: SandboxPolicy, workspace: string, env: RootsEnv): WorkspaceRoots => {
  if (policy.mode !== "workspace-write") return { writable: [], readOnly: [], emptied: [], refused: [], leftOut: [] }
  const home = env.HOME ?? homedir()
  const explicit = (policy.writable_roots ?? []).map((root) => realPath(resolve(workspace, root)))
  const implicit: Array<RefusedRoot> = [{ root: workspace, origin: "the turn's cwd" }]
  if (policy.exclude_slash_tmp !== true) implicit.push({ root: "/tmp", origin: "/tmp" })
  if (policy.exclude_tmpdir_env_var !== true && env.TMPDIR !== undefined && env.TMPDIR !== "") {
    implicit.push({ root: env.TMPDIR, origin: "$TMPDIR" })
  }
  const refused: Array<RefusedRoot> = []
  const leftOut: Array<RefusedRoot> = []
  const roots = [...explicit]
  for (const candidate of implicit) {
    const real = realPath(resolve(workspace, candidate.root))
    if (explicit.includes(real) || !isTooBroadRoot(real, home)) roots.push(real)
    else (candidate.origin === "the turn's cwd" ? refused : leftOut).push({ root: real, origin: candidate.origin })
  }
  const writable = [...new Set(roots)].filter(isDirectory).sort((a, b) => a.length - b.length)
  // The project roots (not /tmp or $TMPDIR, where other programs' repositories come and go) are also
  // looked into one level down: a directory of checkouts is a common workspace.
  const projects = writable.filter((root) => root === realPath(workspace) || explicit.includes(root))
  const repos = [...writable, ...projects.flatMap(childDirectories)]
  const git = repos.map((root) => gitProtectedPaths(root, home))
  const insideWritable = (path: string) => writable.some((root) => isInsideOrEqual(root, path))
  const readOnly = [...new Set(git.flatMap((paths) => paths.existing))].filter(insideWritable)
  const emptied = [...new Set(git.flatMap((paths) => paths.missingHookDirs))].filter(insideWritable)
  return { writable, readOnly, emptied, refused, leftOut }
}

/** The one warning about temp roots left out: which setting says so on purpose. */
export const leftOutRootsMessage = (leftOut: ReadonlyArray<RefusedRoot>): string =>
  leftOut.map((r) =>
    `${r.origin === "/tmp" ? "/tmp" : `$TMPDIR (${r.root})`} is not writable in the sandbox: it holds your home directory, ` +
    `so making it writable would make your home writable. Set \`${r.origin === "/tmp" ? "exclude_slash_tmp" : "exclude_tmpdir_env_var"} = true\` ` +
    "under [sandbox_workspace_write] in config.toml to leave it out on purpose (and silence this), or use a HOME outside it."
  ).join(" ")

/** The error for a turn whose implicit roots were refused: what was refused and how to allow it. */
export const refusedRootsMessage = (refused: ReadonlyArray<RefusedRoot>): string =>
  `workspace-write refuses to make ${refused.map((r) => `\`${r.root}\` (${r.origin})`).join(", ")} writable: ` +
  "it is `/`, your home directory or an ancestor of it, so every file there would be writable. Start the " +
  "conversation in a project directory, or, if you mean it, list that directory in `writable_roots` under " +
  "[sandbox_workspace_write] in config.toml."
