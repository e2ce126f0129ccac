/**
 * The git config a repository's git will read, found the way git finds it, and the values in it of the
 * keys that make git run code or read more config (`core.hooksPath`, `core.fsmonitor`, `include.path`,
 * `includeIf.*.path`). `GitProtectedPaths` protects what those values point at in a work tree.
 *
 * Git reads, in order (a later value wins): the system file (`$GIT_CONFIG_SYSTEM`, else `/etc/gitconfig`;
 * none under `GIT_CONFIG_NOSYSTEM`), the global files (`$GIT_CONFIG_GLOBAL` alone, else
 * `$XDG_CONFIG_HOME/git/config` — `~/.config/git/config` without it — then `~/.gitconfig`), the
 * repository's, then the command scope (`GIT_CONFIG_COUNT` pairs, `GIT_CONFIG_PARAMETERS` from `git -c`).
 * Each file's includes are read where they stand. The environment is the server's: the user's git runs
 * with the same one. Conditional includes are all taken as matching: protecting a path git would not
 * use costs nothing, missing one it would use lets the model plant a hook.
 */
import { dirname, join, resolve } from "node:path"
import { readUntrustedFileSync, UntrustedFileError } from "../../files/UntrustedFile.js"

/** The variables git reads to find its config, picked from the server's environment. */
export type GitConfigEnv = Readonly<Record<string, string | undefined>>

const GIT_CONFIG_VARIABLE = /^(HOME|XDG_CONFIG_HOME|GIT_CONFIG_\w+)$/

/** The part of `env` git's config lookup depends on. */
export const gitConfigEnvOf = (env: Readonly<Record<string, string | undefined>>): GitConfigEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => GIT_CONFIG_VARIABLE.test(name)))

/** Real git config and `.git` files are a few KiB; a larger one is read only this far. */
const MAX_GIT_FILE_BYTES = 1024 * 1024
/** Git's own limit on nested includes. */
const MAX_INCLUDE_DEPTH = 10
/** Included files read for one repository. */
const MAX_FILES_READ = 64
/** Code-path values taken from included files for one repository: real configs hold a handful. */
const MAX_VALUES = 1024
/** `GIT_CONFIG_COUNT` pairs looked at. */
const MAX_COMMAND_PAIRS = 256

/**
 * A git file's text, when it is a regular file: the work tree is the model's, so a `.git` or a config
 * there may be a FIFO (a plain read would block the whole server) or enormous.
 */
export const readGitText = (path: string): string | undefined => {
  const bytes = readUntrustedFileSync(path, { maxBytes: MAX_GIT_FILE_BYTES, oversize: "truncate" })
  return bytes instanceof UntrustedFileError ? undefined : bytes.toString("utf8")
}

export interface CodePath {
  readonly value: string
  /** `core.hooksPath`: protected even before it exists, so the model cannot create it. */
  readonly isHooksPath: boolean
  /** Set by an `includeIf` (or inside a file one includes): git may or may not use it. */
  readonly conditional: boolean
  /** The directory of the file that set it, for relative paths; the work tree for the command scope. */
  readonly dir: string
}

interface RawValue {
  readonly key: string
  readonly value: string
}

/** Config keys (lower-case, section.key) whose values are paths git runs or reads config from. */
const CODE_PATH_KEY = /^(core\.hookspath|core\.fsmonitor|include\.path|includeif\..*\.path)$/
const INCLUDE_KEY = /^(include\.path|includeif\..*\.path)$/

/**
 * The values of the code-path keys in one config file's text. A line-level reading of git's format:
 * `[section]` / `[section "sub"]` headers, `key = value` lines, quotes and comments stripped.
 */
const rawValues = (configText: string): Array<RawValue> => {
  const values: Array<RawValue> = []
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
    if (value !== "") values.push({ key, value })
  }
  return values
}

/** Where an include's path leads: `~/` is home, a relative path is relative to the including file. */
const includeTarget = (value: string, dir: string, home: string | undefined): string | undefined => {
  if (value.startsWith("~/")) return home === undefined ? undefined : join(home, value.slice(2))
  return value.startsWith("~") ? undefined : resolve(dir, value)
}

/**
 * One file's code paths, each include followed where it stands. A file git reads by itself is read
 * whole; what includes bring in shares the repository's budget, since a config the model wrote may
 * include itself thousands of times.
 */
const fileValues = (
  file: string,
  home: string | undefined,
  budget: { files: number; values: number },
  depth = 0,
  conditional = false
): Array<CodePath> => {
  if (depth > 0 && budget.files-- <= 0) return []
  const dir = dirname(file)
  return rawValues(readGitText(file) ?? "").flatMap(({ key, value }) => {
    if (depth > 0 && budget.values-- <= 0) return []
    const codePath: CodePath = { value, isHooksPath: key === "core.hookspath", conditional, dir }
    if (!INCLUDE_KEY.test(key) || depth >= MAX_INCLUDE_DEPTH) return [codePath]
    const target = includeTarget(value, dir, home)
    const nested = target === undefined ? [] : fileValues(target, home, budget, depth + 1, conditional || key.startsWith("includeif."))
    return [codePath, ...nested]
  })
}

/** Each distinct code path once, where it last appears (the order decides which hooksPath git uses). */
const lastOfEach = (values: ReadonlyArray<CodePath>): Array<CodePath> => {
  const byKey = new Map<string, CodePath>()
  for (const value of values) {
    const key = JSON.stringify([value.value, value.dir, value.isHooksPath, value.conditional])
    byKey.delete(key)
    byKey.set(key, value)
  }
  return [...byKey.values()]
}

const isTrue = (value: string | undefined) => value !== undefined && /^(1|true|yes|on)$/i.test(value.trim())

/** The system and global files, in git's order. */
const userConfigFiles = (env: GitConfigEnv): Array<string> => {
  const home = env.HOME
  const system = isTrue(env.GIT_CONFIG_NOSYSTEM) ? [] : [env.GIT_CONFIG_SYSTEM ?? "/etc/gitconfig"]
  if (env.GIT_CONFIG_GLOBAL !== undefined) return [...system, env.GIT_CONFIG_GLOBAL]
  const xdgHome = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== "" ? env.XDG_CONFIG_HOME : home && join(home, ".config")
  return [...system, ...(xdgHome ? [join(xdgHome, "git", "config")] : []), ...(home ? [join(home, ".gitconfig")] : [])]
}

/** `'key'='value'` items of `GIT_CONFIG_PARAMETERS` (and the older `'key=value'`), shell-quoted by git. */
const parameterPairs = (parameters: string): Array<RawValue> => {
  const unquote = (quoted: string) => quoted.slice(1, -1).replace(/'\\''/g, "'")
  const pairs: Array<RawValue> = []
  for (const match of parameters.matchAll(/('(?:[^']|'\\'')*')(?:=('(?:[^']|'\\'')*'))?/g)) {
    const first = unquote(match[1]!)
    const [key, value] = match[2] === undefined
      ? [first.slice(0, Math.max(0, first.indexOf("="))), first.slice(first.indexOf("=") + 1)]
      : [first, unquote(match[2])]
    pairs.push({ key: key.toLowerCase(), value })
  }
  return pairs
}

/** The command scope: `git -c` (as `GIT_CONFIG_PARAMETERS`) and the `GIT_CONFIG_COUNT` pairs. */
const commandScopeValues = (env: GitConfigEnv, workTree: string): Array<CodePath> => {
  const count = Math.min(MAX_COMMAND_PAIRS, Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10) || 0)
  const pairs = [
    ...parameterPairs(env.GIT_CONFIG_PARAMETERS ?? ""),
    ...Array.from({ length: Math.max(0, count) }, (_, n) => ({
      key: (env[`GIT_CONFIG_KEY_${n}`] ?? "").toLowerCase(),
      value: env[`GIT_CONFIG_VALUE_${n}`] ?? ""
    }))
  ]
  return pairs
    .filter(({ key, value }) => CODE_PATH_KEY.test(key) && value !== "")
    .map(({ key, value }) => ({ value, isHooksPath: key === "core.hookspath", conditional: false, dir: workTree }))
}

/** Every code path git would read for the repository at `workTree` with git directories `gitDirs`, in git's order. */
export const gitCodePaths = (workTree: string, gitDirs: ReadonlyArray<string>, env: GitConfigEnv): Array<CodePath> => {
  const budget = { files: MAX_FILES_READ, values: MAX_VALUES }
  const files = [...userConfigFiles(env), ...gitDirs.map((gitDir) => join(gitDir, "config"))]
  return lastOfEach([...files.flatMap((file) => fileValues(file, env.HOME, budget)), ...commandScopeValues(env, workTree)])
}
