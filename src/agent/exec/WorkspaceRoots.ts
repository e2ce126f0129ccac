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
 *   repositories directly inside the workspace and the configured roots are covered too, as are
 *   those nested deeper that were there when the process first looked (see `NestedRepositories`),
 *   their submodules and a repository that holds a root; one a command creates deeper down is the
 *   model's own. The workspaces of the process's other live conversations that lie in
 *   these roots are protected the same way (see `LiveWorkspaces`).
 * - What the sandbox relies on cannot be moved from inside it: every root, every protected path and
 *   each of their ancestors inside a writable root is pinned (see `AncestorPins`), so a command can
 *   neither rename the workspace's parent and leave a symlink in its place nor rename a repository
 *   and put a copy with a writable `.git` where it was.
 *
 * Paths are real paths (symlinks resolved), resolved once per command: the sandbox binds what was
 * resolved here by descriptor (see `SandboxMounts`).
 */
import { lstatSync, readdirSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { readUntrustedFileSync, UntrustedFileError } from "../../files/UntrustedFile.js"
import type { SandboxPolicy } from "../../rpc/Enums.js"
import { pinsFor } from "./AncestorPins.js"
import { type GitConfigEnv, gitConfigEnvOf } from "./GitConfigFiles.js"
import { gitProtectedPaths } from "./GitProtectedPaths.js"
import { liveWorkspaces } from "./LiveWorkspaces.js"
import { nestedRepositories } from "./NestedRepositories.js"
import { isDirectory } from "./PathLookup.js"
import { isInsideOrEqual, realPathOrResolved } from "../../files/RealPaths.js"

/** The server's environment as far as the roots care. */
export interface RootsEnv {
  readonly TMPDIR?: string | undefined
  readonly HOME?: string | undefined
  /** The variables git finds its config by (`GitConfigFiles`): the user's git there reads the same config. */
  readonly git?: GitConfigEnv | undefined
  /** The other conversations' workspaces (see `LiveWorkspaces`): protected like this one where the roots reach them. */
  readonly liveWorkspaces?: ReadonlyArray<string> | undefined
}

/** The roots' view of the server: its `$TMPDIR`, `$HOME` and git's config variables, and the live conversations' workspaces. */
export const rootsEnvOf = (env: Readonly<Record<string, string | undefined>>): RootsEnv => ({
  TMPDIR: env.TMPDIR,
  HOME: env.HOME,
  git: gitConfigEnvOf(env),
  liveWorkspaces: liveWorkspaces()
})

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
  /** Directories inside the writable roots that no command may rename or remove (see `AncestorPins`). */
  readonly pinned: ReadonlyArray<string>
  /** Each writable root as the settings name it (absolute) and its real path (see `RootIdentities`). */
  readonly origins: ReadonlyArray<RootOrigin>
}

/** A writable root as named (the turn's cwd, a configured root, `/tmp`, `$TMPDIR`) and what it resolved to. */
export interface RootOrigin {
  readonly given: string
  readonly real: string
}

const NO_ROOTS: WorkspaceRoots = { writable: [], readOnly: [], emptied: [], refused: [], leftOut: [], pinned: [], origins: [] }

/** `/`, home, or a directory that contains home: writing there means writing everywhere that matters. */
export const isTooBroadRoot = (root: string, home: string | undefined) =>
  root === "/" || (home !== undefined && home !== "" && isInsideOrEqual(root, realPathOrResolved(home)))

/** At most this many repositories directly inside a root are protected, so the mounts stay few. */
const MAX_CHILD_REPOS = 256

/**
 * The `cap` repositories among `dirs` whose `.git` is oldest (created first; its change time where the
 * file system keeps no birth time). A cap taken in name or directory order could be filled by
 * directories a command makes to sort first, pushing the user's checkouts out; a command cannot make
 * a `.git` older than the ones that were there before it ran.
 */
const oldestRepositories = (dirs: ReadonlyArray<string>, cap: number): Array<string> =>
  dirs.flatMap((dir) => {
    const stat = lstatSync(join(dir, ".git"), { throwIfNoEntry: false })
    return stat === undefined ? [] : [{ dir, born: stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.ctimeMs }]
  })
    .sort((a, b) => a.born - b.born)
    .slice(0, cap)
    .map(({ dir }) => dir)

/** The repositories directly inside `root` (not symlinks, not `.git`), at most `MAX_CHILD_REPOS` (see `oldestRepositories`). */
const childDirectories = (root: string): Array<string> => {
  try {
    const dirs = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== ".git")
      .map((entry) => join(root, entry.name))
    return oldestRepositories(dirs, MAX_CHILD_REPOS)
  } catch {
    return []
  }
}

/** A real `.gitmodules` is a few KiB; a larger one is read only this far. */
const MAX_GITMODULES_BYTES = 1024 * 1024

/** At most this many submodules of a repository are protected. */
const MAX_SUBMODULES = 64

/** The work trees of the submodules `.gitmodules` lists in `repo` (existing repositories, the `MAX_SUBMODULES` oldest). */
const submoduleDirectories = (repo: string): Array<string> => {
  // The work tree is the model's: a FIFO named `.gitmodules` must not block the server, nor a huge one fill it.
  const bytes = readUntrustedFileSync(join(repo, ".gitmodules"), { maxBytes: MAX_GITMODULES_BYTES, oversize: "truncate" })
  if (bytes instanceof UntrustedFileError) return []
  const text = bytes.toString("utf8")
  // `.gitmodules` is the model's to edit: bogus entries listed first must not push the real ones out.
  const listed = [...text.matchAll(/^\s*path\s*=\s*"?(.+?)"?\s*$/gm)]
    .map((match) => realPathOrResolved(resolve(repo, match[1]!)))
    .filter((dir) => isInsideOrEqual(repo, dir) && dir !== repo && isDirectory(dir))
  return oldestRepositories([...new Set(listed)], MAX_SUBMODULES)
}

/** The writable roots, read-only `.git` paths, pins and refused roots of a turn (see the module comment). */
export const workspaceRoots = (policy: SandboxPolicy, workspace: string, env: RootsEnv): WorkspaceRoots => {
  if (policy.mode !== "workspace-write") return NO_ROOTS
  const home = env.HOME ?? homedir()
  const given = (root: string): RootOrigin => {
    const absolute = resolve(workspace, root)
    return { given: absolute, real: realPathOrResolved(absolute) }
  }
  const configured = (policy.writable_roots ?? []).map(given)
  const explicit = configured.map((origin) => origin.real)
  const implicit: Array<RefusedRoot> = [{ root: workspace, origin: "the turn's cwd" }]
  if (policy.exclude_slash_tmp !== true) implicit.push({ root: "/tmp", origin: "/tmp" })
  if (policy.exclude_tmpdir_env_var !== true && env.TMPDIR !== undefined && env.TMPDIR !== "") {
    implicit.push({ root: env.TMPDIR, origin: "$TMPDIR" })
  }
  const refused: Array<RefusedRoot> = []
  const leftOut: Array<RefusedRoot> = []
  const origins = [...configured]
  for (const candidate of implicit) {
    const origin = given(candidate.root)
    if (explicit.includes(origin.real) || !isTooBroadRoot(origin.real, home)) origins.push(origin)
    else (candidate.origin === "the turn's cwd" ? refused : leftOut).push({ root: origin.real, origin: candidate.origin })
  }
  const writable = [...new Set(origins.map((origin) => origin.real))].filter(isDirectory).sort((a, b) => a.length - b.length)
  // The project roots (not /tmp or $TMPDIR, where other programs' repositories come and go) are also
  // looked into one level down: a directory of checkouts is a common workspace.
  const insideWritable = (path: string) => writable.some((root) => isInsideOrEqual(root, path))
  const others = (env.liveWorkspaces ?? []).filter((path) => insideWritable(path) && isDirectory(path))
  const projects = [...writable.filter((root) => root === realPathOrResolved(workspace) || explicit.includes(root)), ...others]
  // A root inside a writable root is pinned with its ancestors there, which may hold a repository (a
  // workspace in a subdirectory of a checkout under /tmp): that repository's `.git` is protected too.
  const rootAncestors = writable.flatMap((root) => pinsFor(dirname(root), writable))
  const nested = projects.flatMap((root) => nestedRepositories(root))
  const topRepos = [...new Set([...writable, ...rootAncestors, ...others, ...projects.flatMap(childDirectories), ...nested])]
  const repos = [...topRepos, ...topRepos.flatMap(submoduleDirectories)]
  const gitEnv = { ...env.git, HOME: home }
  const git = repos.map((root) => gitProtectedPaths(root, gitEnv))
  const readOnly = [...new Set(git.flatMap((paths) => paths.existing))].filter(insideWritable)
  const emptied = [...new Set(git.flatMap((paths) => paths.missingHookDirs))].filter(insideWritable)
  const anchors = [...writable, ...others, ...readOnly.map(dirname), ...emptied.map(dirname)]
  const pinned = [...new Set(anchors.flatMap((path) => pinsFor(path, writable)))].filter(isDirectory)
  return { writable, readOnly, emptied, refused, leftOut, pinned, origins: origins.filter((origin) => writable.includes(origin.real)) }
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
