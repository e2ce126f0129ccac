/**
 * `.gitignore`-style rules, as the reference's file walker (the `ignore` crate) applies them: a file's
 * patterns hold for the paths under its directory; the last matching pattern of a file decides (`!`
 * re-includes); a deeper file overrides a shallower one; `.ignore` files override `.gitignore` files,
 * which override the repository's `.git/info/exclude`, which overrides git's global excludes file. Patterns: `#` comments, `\` escapes, a trailing
 * `/` for directories only, a `/` elsewhere anchors the pattern to the file's directory, `*`, `?`,
 * `[...]` classes and `**` across directories.
 */

interface Rule {
  readonly regex: RegExp
  readonly negated: boolean
  readonly directoryOnly: boolean
}

/** The rules of one ignore file, for the paths under `base` (absolute, without a trailing `/`). */
export interface IgnoreFile {
  readonly base: string
  readonly rules: ReadonlyArray<Rule>
}

/** Which kind of file the rules come from; earlier kinds win over later ones. */
export type IgnoreKind = "ignore" | "gitignore" | "exclude" | "global"

const escapeRegex = (char: string) => (/[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char)

/** A glob (already without its `!`, leading `/` and trailing `/`) as a regex over `/`-separated paths. */
const globRegex = (glob: string, anchored: boolean): RegExp => {
  let source = ""
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!
    if (char === "*" && glob[i + 1] === "*") {
      const atStart = i === 0 || glob[i - 1] === "/"
      const atEnd = i + 2 === glob.length || glob[i + 2] === "/"
      if (atStart && atEnd) {
        // `**/` is any number of directories, a final `**` is anything below.
        if (i + 2 === glob.length) source += ".*"
        else source += "(?:.*/)?"
        i += 2
        continue
      }
      source += "[^/]*"
      i++
    } else if (char === "*") {
      source += "[^/]*"
    } else if (char === "?") {
      source += "[^/]"
    } else if (char === "[") {
      const close = glob.indexOf("]", i + 2)
      if (close === -1) {
        source += "\\["
        continue
      }
      const body = glob.slice(i + 1, close)
      const negatedClass = body.startsWith("!") || body.startsWith("^")
      source += `[${negatedClass ? "^" : ""}${(negatedClass ? body.slice(1) : body).replaceAll("\\", "\\\\").replaceAll("]", "\\]")}]`
      i = close
    } else if (char === "\\" && i + 1 < glob.length) {
      source += escapeRegex(glob[++i]!)
    } else {
      source += escapeRegex(char)
    }
  }
  return new RegExp(`^${anchored ? "" : "(?:.*/)?"}${source}$`)
}

/** Parses the text of an ignore file. */
export const parseIgnoreFile = (base: string, text: string): IgnoreFile => {
  const rules: Array<Rule> = []
  for (const raw of text.split(/\r?\n/)) {
    // Trailing spaces go unless escaped.
    let line = raw.replace(/(?<!\\) +$/, "")
    if (line.length === 0 || line.startsWith("#")) continue
    const negated = line.startsWith("!")
    if (negated) line = line.slice(1)
    if (line.startsWith("\\#") || line.startsWith("\\!")) line = line.slice(1)
    const directoryOnly = line.endsWith("/")
    if (directoryOnly) line = line.slice(0, -1)
    const anchored = line.includes("/")
    if (line.startsWith("/")) line = line.slice(1)
    if (line.length === 0) continue
    rules.push({ regex: globRegex(line, anchored), negated, directoryOnly })
  }
  return { base, rules }
}

/** Whether one file says `path` (absolute) is ignored (true), re-included (false), or nothing (undefined). */
const verdictOf = (file: IgnoreFile, path: string, directory: boolean): boolean | undefined => {
  if (!path.startsWith(`${file.base}/`)) return undefined
  const relative = path.slice(file.base.length + 1)
  for (let i = file.rules.length - 1; i >= 0; i--) {
    const rule = file.rules[i]!
    if (rule.directoryOnly && !directory) continue
    if (rule.regex.test(relative)) return !rule.negated
  }
  return undefined
}

/** The ignore files that hold in a directory, by kind, deepest last. */
export interface IgnoreChain {
  readonly ignore: ReadonlyArray<IgnoreFile>
  readonly gitignore: ReadonlyArray<IgnoreFile>
  readonly exclude: ReadonlyArray<IgnoreFile>
  readonly global: ReadonlyArray<IgnoreFile>
}

export const emptyChain: IgnoreChain = { ignore: [], gitignore: [], exclude: [], global: [] }

export const withFile = (chain: IgnoreChain, kind: IgnoreKind, file: IgnoreFile): IgnoreChain =>
  file.rules.length === 0 ? chain : { ...chain, [kind]: [...chain[kind], file] }

/** Whether `path` (absolute) is ignored: the first kind with a verdict decides, the deepest file first. */
export const isIgnored = (chain: IgnoreChain, path: string, directory: boolean): boolean => {
  for (const files of [chain.ignore, chain.gitignore, chain.exclude, chain.global]) {
    for (let i = files.length - 1; i >= 0; i--) {
      const verdict = verdictOf(files[i]!, path, directory)
      if (verdict !== undefined) return verdict
    }
  }
  return false
}
