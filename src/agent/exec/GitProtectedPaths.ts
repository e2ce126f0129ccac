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
import { lstatSync, realpathSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { readUntrustedFileSync, UntrustedFileError } from "../../files/UntrustedFile.js"
import { isDirectory } from "./PathLookup.js"

const realPath = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** Real git config and `.git` files are a few KiB; a larger one is read only this far. */
const MAX_GIT_FILE_BYTES = 1024 * 1024

/**
 * A git file's text, when it is a regular file: the work tree is the model's, so a `.git` or a config
 * there may be a FIFO (a plain read would block the whole server) or enormous.
 */
const readText = (path: string): string | undefined => {
  const bytes = readUntrustedFileSync(path, { maxBytes: MAX_GIT_FILE_BYTES, oversize: "truncate" })
  return bytes instanceof UntrustedFileError ? undefined : bytes.toString("utf8")
}

/** The git directories a `.git` file names: its `gitdir:` and, for a worktree, that directory's `commondir`. */
const gitDirsNamedBy = (gitFile: string): Array<string> => {
  const line = /^gitdir:\s*(.+?)\s*$/m.exec(readText(gitFile) ?? "")
  if (line === null) return []
  const gitDir = resolve(dirname(gitFile), line[1]!)
  const commonDir = readText(join(gitDir, "commondir"))
  return [gitDir, ...(commonDir === undefined ? [] : [resolve(gitDir, commonDir.trim())])].filter(isDirectory)
}

/** Config keys (lower-case, section.key) whose values are paths git runs or reads config from. */
const CODE_PATH_KEY = /^(core\.hookspath|core\.fsmonitor|include\.path|includeif\..*\.path)$/

interface CodePath {
  readonly value: string
  /** `core.hooksPath`: protected even before it exists, so the model cannot create it. */
  readonly isHooksPath: boolean
}

/**
 * The values of the code-path keys in one git config file. A line-level reading of git's format:
 * `[section]` / `[section "sub"]` headers, `key = value` lines, quotes and comments stripped.
 */
const codePathValues = (configText: string): Array<CodePath> => {
  const values: Array<CodePath> = []
  let section = ""
  for (const raw of configText.split("\n")) {
    const line = raw.trim()
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"(.*)")?\s*\]/.exec(line)
    if (header !== null) {
      section = header[2] === undefined ? header[1]!.toLowerCase() : `${header[1]!.toLowerCase()}.${header[2]}`
      continue
    }
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line)
    if (entry === null) continue
    const key = `${section.toLowerCase()}.${entry[1]!.toLowerCase()}`
    if (!CODE_PATH_KEY.test(key)) continue
    const value = entry[2]!.replace(/\s[#;].*$/, "").trim().replace(/^"(.*)"$/, "$1")
    if (value !== "") values.push({ value, isHooksPath: key === "core.hookspath" })
  }
  return values
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
 * The user's and the system's git config files: git reads them in every repository, and a relative
 * `core.hooksPath` there (`.githooks`, a team convention) names a directory in each work tree.
 */
const userConfigFiles = (home: string | undefined): Array<string> => [
  "/etc/gitconfig",
  ...(home === undefined ? [] : [join(home, ".gitconfig"), join(home, ".config", "git", "config")])
]

/** The protected paths of the repository whose work tree is `root` (none when it has no `.git`). */
export const gitProtectedPaths = (root: string, home: string | undefined): GitProtectedPaths => {
  const dotGit = join(root, ".git")
  if (!exists(dotGit)) return { existing: [], missingHookDirs: [] }
  const real = realPath(dotGit)
  const gitDirs = isDirectory(real) ? [real] : gitDirsNamedBy(real).map(realPath)
  const configs = [
    ...userConfigFiles(home).map((file) => ({ file, dir: dirname(file) })),
    ...gitDirs.map((gitDir) => ({ file: join(gitDir, "config"), dir: gitDir }))
  ]
  // In git's order (system, user, repository): the last `core.hooksPath` is the one git uses.
  const values = configs.flatMap(({ file, dir }) => codePathValues(readText(file) ?? "").map((codePath) => ({ codePath, dir })))
  const lastHooksPath = values.findLastIndex(({ codePath }) => codePath.isHooksPath)
  const configured = values.flatMap(({ codePath, dir }, index) =>
    candidatePaths(codePath.value, root, dir, home).map((path) => ({ path, isHooksPath: index === lastHooksPath }))
  )
  const usable = configured.map((entry) => ({ ...entry, outcome: lstatOutcome(entry.path) }))
    .filter(({ outcome }) => outcome !== "unusable")
  const existing = usable.filter(({ outcome }) => outcome !== "missing").map(({ path }) => realPath(protectedFor(path)))
  const hooksPaths = usable.filter(({ isHooksPath }) => isHooksPath)
  // A relative hooksPath is relative to the work tree; the config-directory reading is only a guess for other keys.
  const missingHookDirs = hooksPaths.length === 0 || hooksPaths.some(({ outcome }) => outcome !== "missing") ? [] : [hooksPaths[0]!.path]
  return { existing: [...new Set([real, ...gitDirs, ...existing])], missingHookDirs }
}
