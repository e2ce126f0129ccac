/**
 * Fuzzy search of file and directory paths under a set of roots, for the app-server's `fuzzyFileSearch`:
 * the query's characters must appear in order in the path relative to its root (case-insensitive); a
 * contiguous run, a match at a word start and a match in the last component score higher. The walk is
 * bounded (entries visited and results returned) so a search of a huge tree answers promptly, and stops
 * when the request is cancelled. As the reference's walker: hidden files are listed, `.ignore` files
 * and, inside a git repository, `.gitignore` files (of the root, its sub-directories and the directories
 * above it up to the repository's top), `.git/info/exclude` and git's global excludes file leave paths
 * out, an ignored directory is not entered. Unlike it, `.git` directories are skipped (the reference
 * lists their insides); symlinks are listed but not followed.
 */
import { access, readdir, readFile } from "node:fs/promises"
import { basename, dirname, join, resolve } from "node:path"
import { Context, Effect, Layer, Option } from "effect"
import { readUntrustedFile } from "../files/UntrustedFile.js"
import { emptyChain, type IgnoreChain, isIgnored, parseIgnoreFile, withFile } from "./IgnoreRules.js"
import { type Environment, ProcessEnvironment } from "./ProcessEnvironment.js"

export interface FileMatch {
  readonly root: string
  /** Relative to `root`, `/`-separated. */
  readonly path: string
  readonly matchType: "file" | "directory"
  readonly fileName: string
  readonly score: number
  /** Positions in `path` of the query's characters. */
  readonly indices: ReadonlyArray<number>
}

/** At most this many matches per search, best first. */
export const MAX_MATCHES = 50
/** At most this many entries visited per root. */
const MAX_VISITED = 50_000

const isBoundary = (path: string, index: number) => index === 0 || "/._- ".includes(path[index - 1]!)

/** Where `query` (lower case) matches `path`, and how well; undefined when it does not. */
export const matchPath = (query: string, path: string): { readonly score: number; readonly indices: Array<number> } | undefined => {
  if (query.length === 0) return undefined
  const lower = path.toLowerCase()
  const nameStart = path.lastIndexOf("/") + 1
  // A contiguous occurrence beats any scattered one: the best-placed one counts.
  let best: { score: number; indices: Array<number> } | undefined
  for (let at = lower.indexOf(query); at !== -1; at = lower.indexOf(query, at + 1)) {
    const score = 16 * query.length + (isBoundary(path, at) ? 8 : 0) + (at >= nameStart ? 8 : 0)
    if (best === undefined || score > best.score) best = { score, indices: Array.from(query, (_, i) => at + i) }
  }
  if (best !== undefined) return best
  const indices: Array<number> = []
  let score = 0
  for (let i = 0, from = 0; i < query.length; i++) {
    const at = lower.indexOf(query[i]!, from)
    if (at === -1) return undefined
    const previous = indices[indices.length - 1]
    score += (previous !== undefined && at === previous + 1 ? 12 : 4) + (isBoundary(path, at) ? 4 : 0)
    indices.push(at)
    from = at + 1
  }
  return { score, indices }
}

/** Larger ignore files (or ones that are not regular files) are not read: a hostile tree must not stall the search. */
const MAX_IGNORE_FILE_BYTES = 1 << 20

const readIgnoreFile = async (base: string, file: string) => {
  // Checked on the opened file, not before: one swapped for a FIFO after a `stat` held a thread of libuv's pool for good.
  const bytes = await Effect.runPromise(readUntrustedFile(file, { maxBytes: MAX_IGNORE_FILE_BYTES }).pipe(Effect.option))
  return Option.isSome(bytes) ? parseIgnoreFile(base, bytes.value.toString("utf8")) : undefined
}

/** The top directory of the git repository holding `dir`, if any. */
const gitTopOf = async (dir: string): Promise<string | undefined> => {
  for (let current = dir; ; current = dirname(current)) {
    if (await access(join(current, ".git")).then(() => true, () => false)) return current
    if (dirname(current) === current) return undefined
  }
}

/** `core.excludesFile` of a git config file's text, if set. */
const excludesFileSetting = (text: string): string | undefined => {
  let inCore = false
  let setting: string | undefined
  for (const line of text.split("\n")) {
    const section = /^\s*\[([^\]]+)\]/.exec(line)
    if (section !== null) inCore = section[1]!.trim().toLowerCase() === "core"
    const entry = inCore ? /^\s*excludesfile\s*=\s*(.*?)\s*$/i.exec(line) : null
    if (entry !== null) setting = entry[1]!.replace(/^"(.*)"$/, "$1")
  }
  return setting
}

/** git's global excludes file: `core.excludesFile` (~/.gitconfig over $XDG_CONFIG_HOME/git/config), else $XDG_CONFIG_HOME/git/ignore. */
const globalExcludesFile = async (env: Environment): Promise<string | undefined> => {
  const home = env.HOME
  const configHome = env.XDG_CONFIG_HOME || (home === undefined ? undefined : join(home, ".config"))
  for (const config of [home && join(home, ".gitconfig"), configHome && join(configHome, "git", "config")]) {
    if (!config) continue
    const setting = await readFile(config, "utf8").then(excludesFileSetting, () => undefined)
    if (setting !== undefined) return setting.startsWith("~/") && home !== undefined ? join(home, setting.slice(2)) : setting
  }
  return configHome && join(configHome, "git", "ignore")
}

/**
 * The rules from above `root` that hold under it: `.ignore` files, and in a repository its `.gitignore`
 * files, `.git/info/exclude` and git's global excludes file.
 */
const rulesAbove = async (root: string, gitTop: string | undefined, env: Environment): Promise<IgnoreChain> => {
  let chain = emptyChain
  if (gitTop !== undefined) {
    const exclude = await readIgnoreFile(gitTop, join(gitTop, ".git", "info", "exclude"))
    if (exclude !== undefined) chain = withFile(chain, "exclude", exclude)
    const globalPath = await globalExcludesFile(env)
    const global = globalPath === undefined ? undefined : await readIgnoreFile(gitTop, globalPath)
    if (global !== undefined) chain = withFile(chain, "global", global)
  }
  const above: Array<string> = []
  for (let current = dirname(root); current !== root && !above.includes(current); current = dirname(current)) above.unshift(current)
  for (const dir of above) {
    const ignore = await readIgnoreFile(dir, join(dir, ".ignore"))
    if (ignore !== undefined) chain = withFile(chain, "ignore", ignore)
    if (gitTop !== undefined && (dir === gitTop || dir.startsWith(`${gitTop}/`))) {
      const gitignore = await readIgnoreFile(dir, join(dir, ".gitignore"))
      if (gitignore !== undefined) chain = withFile(chain, "gitignore", gitignore)
    }
  }
  return chain
}

const searchRoot = async (root: string, query: string, found: Array<FileMatch>, env: Environment, signal: AbortSignal) => {
  const base = resolve(root)
  const gitTop = await gitTopOf(base)
  const pending: Array<{ readonly relative: string; readonly chain: IgnoreChain }> = [{ relative: "", chain: await rulesAbove(base, gitTop, env) }]
  let visited = 0
  while (pending.length > 0 && visited < MAX_VISITED && !signal.aborted) {
    const { relative, chain: above } = pending.shift()!
    const directory = join(base, relative)
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => [])
    let chain = above
    for (const kind of ["ignore", "gitignore"] as const) {
      if ((kind === "ignore" || gitTop !== undefined) && entries.some((entry) => entry.name === `.${kind}` && entry.isFile())) {
        const file = await readIgnoreFile(directory === "/" ? "" : directory, join(directory, `.${kind}`))
        if (file !== undefined) chain = withFile(chain, kind, file)
      }
    }
    for (const entry of entries) {
      if (++visited > MAX_VISITED) break
      const isDirectory = entry.isDirectory()
      if (entry.name === ".git" || isIgnored(chain, join(directory, entry.name), isDirectory)) continue
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`
      if (isDirectory) pending.push({ relative: path, chain })
      const match = matchPath(query, path)
      if (match === undefined) continue
      found.push({
        root,
        path,
        matchType: isDirectory ? "directory" : "file",
        fileName: basename(path),
        score: match.score,
        indices: match.indices
      })
    }
  }
}

export class FileSearch extends Context.Service<FileSearch, {
  /** The best matches of `query` under `roots` (none for an empty query), best first, then by path. */
  readonly search: (query: string, roots: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<FileMatch>>
}>()("codex-effect/FileSearch") {
  static readonly layer = Layer.effect(FileSearch, Effect.gen(function*() {
    const env = yield* ProcessEnvironment
    return FileSearch.of({
      search: Effect.fn("FileSearch.search")(function*(query: string, roots: ReadonlyArray<string>) {
        const lowered = query.toLowerCase()
        if (lowered.length === 0) return []
        const found: Array<FileMatch> = []
        yield* Effect.promise((signal) => Promise.all(roots.map((root) => searchRoot(root, lowered, found, env, signal))))
        return found
          .sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path))
          .slice(0, MAX_MATCHES)
      })
    })
  }))
}
