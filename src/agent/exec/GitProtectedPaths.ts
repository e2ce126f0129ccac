/**
 * The parts of a git repository that make git run code later, outside the sandbox, and so must stay
 * read-only inside a writable root: its `.git` (a directory, or the file of a worktree or submodule
 * together with the git directory it names and that directory's common directory), and whatever the
 * repository's config (its own, the user's and the system's) points into the work tree for that
 * purpose — `core.hooksPath` (husky and friends keep hooks in the work tree; a global `.githooks` names
 * one in every repository), `core.fsmonitor` when it names a script, and `include.path` /
 * `includeIf.*.path` files, which could set either.
 *
 * `WorkspaceRoots` applies this to each writable root, to the directories directly inside the
 * workspace and the configured roots, and to the repositories found deeper when the process first
 * looked (see `NestedRepositories`). One the model creates deeper down keeps a writable `.git`. The
 * agent's own git commands run inside the sandbox, so only a git the user runs later there is affected.
 */
import { lstatSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { type GitConfigEnv, gitCodePaths, readGitText } from "./GitConfigFiles.js"
import { isDirectory } from "./PathLookup.js"
import { realPathOrResolved } from "../../files/RealPaths.js"

/** The git directories a `.git` file names: its `gitdir:` and, for a worktree, that directory's `commondir`. */
const gitDirsNamedBy = (gitFile: string): Array<string> => {
  const line = /^gitdir:\s*(.+?)\s*$/m.exec(readGitText(gitFile) ?? "")
  if (line === null) return []
  const gitDir = resolve(dirname(gitFile), line[1]!)
  const commonDir = readGitText(join(gitDir, "commondir"))
  return [gitDir, ...(commonDir === undefined ? [] : [resolve(gitDir, commonDir.trim())])].filter(isDirectory)
}

/** A config value as a path: `~/` is home; relative paths are tried from the work tree and the config's directory. */
const candidatePaths = (value: string, workTree: string, configDir: string, home: string | undefined): Array<string> => {
  if (value.startsWith("~/")) return home === undefined ? [] : [join(home, value.slice(2))]
  return [...new Set([resolve(workTree, value), resolve(configDir, value)])]
}

export interface GitProtectedPaths {
  /** Existing paths to keep read-only. */
  readonly existing: ReadonlyArray<string>
  /** A configured hooks directory that does not exist yet: kept empty and read-only so it cannot be created. */
  readonly missingHookDirs: ReadonlyArray<string>
}

/**
 * What is at `path`: nothing (`ENOENT`), a name the file system refuses (too long, a NUL byte), a
 * path through a file (`ENOTDIR`), or something — including whatever cannot be checked, which is then
 * protected as if it existed. Never throws: the path comes from a config in the work tree, and a
 * 300-character `core.hooksPath` once made every command on that workspace die.
 */
const lstatOutcome = (path: string): "exists" | "missing" | "unusable" | "under-a-file" => {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) === undefined ? "missing" : "exists"
  } catch (error) {
    const code = (error as { code?: unknown }).code
    // A name the file system refuses can be neither created nor run by git: nothing to protect.
    if (code === "ENAMETOOLONG" || code === "ERR_INVALID_ARG_VALUE") return "unusable"
    return code === "ENOTDIR" ? "under-a-file" : "exists"
  }
}

const exists = (path: string) => lstatOutcome(path) === "exists"

/**
 * The path to keep read-only for `path`: itself, or when a file stands where one of its directories
 * should be, that file (a mount point cannot be replaced by the directory git would need).
 */
const protectedFor = (path: string): string => {
  if (lstatOutcome(path) !== "under-a-file") return path
  let ancestor = dirname(path)
  while (ancestor !== dirname(ancestor) && lstatOutcome(ancestor) !== "exists") ancestor = dirname(ancestor)
  return ancestor
}

/**
 * The protected paths of the repository whose work tree is `root` (none when it has no `.git`), with
 * the config git would read there under the environment `env` (see `GitConfigFiles`).
 */
export const gitProtectedPaths = (root: string, env: GitConfigEnv): GitProtectedPaths => {
  const dotGit = join(root, ".git")
  if (!exists(dotGit)) return { existing: [], missingHookDirs: [] }
  const home = env.HOME
  const real = realPathOrResolved(dotGit)
  const gitDirs = isDirectory(real) ? [real] : gitDirsNamedBy(real).map(realPathOrResolved)
  const values = gitCodePaths(root, gitDirs, env)
  // The last `core.hooksPath` is the one git uses; one set by a conditional include after it may be.
  const lastSure = values.findLastIndex(({ conditional, isHooksPath }) => isHooksPath && !conditional)
  const configured = values.map((codePath, index) => ({
    candidates: candidatePaths(codePath.value, root, codePath.dir, home)
      .map((path) => ({ path, outcome: lstatOutcome(path) }))
      .filter(({ outcome }) => outcome !== "unusable"),
    mayBeHooksPath: codePath.isHooksPath && index >= lastSure
  }))
  const existing = configured.flatMap(({ candidates }) => candidates)
    .filter(({ outcome }) => outcome !== "missing").map(({ path }) => realPathOrResolved(protectedFor(path)))
  // A relative hooksPath is relative to the work tree (the first candidate); the config-directory reading is only a guess for other keys.
  const missingHookDirs = configured
    .filter(({ candidates, mayBeHooksPath }) => mayBeHooksPath && candidates.length > 0 && candidates.every(({ outcome }) => outcome === "missing"))
    .map(({ candidates }) => candidates[0]!.path)
  return { existing: [...new Set([real, ...gitDirs, ...existing])], missingHookDirs: [...new Set(missingHookDirs)] }
}
