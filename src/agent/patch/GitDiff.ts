/**
 * One file's section of a git-style diff, as `git diff` prints it and `git apply` reads it: the
 * `diff --git` header, mode lines for new and deleted files (and mode changes), rename lines, the
 * `index <old>..<new>` blob ids, `---`/`+++` names (`/dev/null` for a missing side) and the hunks.
 * Paths git would quote (control characters, quotes, backslashes, non-ASCII) are C-quoted as git does.
 */
import { createHash } from "node:crypto"
import { unifiedDiffHunks } from "./UnifiedDiff.js"

/** One side of a file diff; `path` is relative to the repository (or working directory) root. */
export interface GitFileSide {
  readonly path: string
  readonly content: Buffer
  /** `100644` or `100755`. */
  readonly mode: string
}

const ZERO_OID = "0".repeat(40)

/** The git blob id of `content` (SHA-1 of `blob <size>\0<bytes>`). */
const gitBlobId = (content: Buffer): string =>
  createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex")

/** A file mode as git records it: executable or not. */
export const gitModeOf = (statMode: number): string => ((statMode & 0o111) !== 0 ? "100755" : "100644")

const C_ESCAPES: Readonly<Record<string, string>> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\u000b": "\\v",
  "\f": "\\f",
  "\r": "\\r",
  "\"": "\\\"",
  "\\": "\\\\"
}

/** `name` as git prints it: unchanged when plain, else in double quotes with C escapes and octal bytes. */
export const quoteGitPath = (name: string): string => {
  if (!/[\u0000-\u001f"\\\u007f-\uffff]/.test(name)) return name
  let out = "\""
  for (const byte of Buffer.from(name, "utf8")) {
    const char = String.fromCharCode(byte)
    const escape = C_ESCAPES[char]
    if (escape !== undefined) out += escape
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, "0")}`
    else out += char
  }
  return `${out}"`
}

/** Git adds a tab after a `---`/`+++` name containing a space, so the name's end is unambiguous. */
const headerName = (name: string) => {
  const quoted = quoteGitPath(name)
  return quoted.includes(" ") && !quoted.startsWith("\"") ? `${quoted}\t` : quoted
}

/** Git's own heuristic for binary content: a NUL byte in the first 8000 bytes. */
const isBinary = (content: Buffer) => content.subarray(0, 8000).includes(0)

/**
 * The section for a file that went from `before` to `after` (undefined: the file did not exist on
 * that side); `""` when nothing changed.
 */
export const gitFileDiff = (before: GitFileSide | undefined, after: GitFileSide | undefined, context = 3): string => {
  if (before === undefined && after === undefined) return ""
  const oldName = `a/${(before ?? after)!.path}`
  const newName = `b/${(after ?? before)!.path}`
  const renamed = before !== undefined && after !== undefined && before.path !== after.path
  const sameContent = before !== undefined && after !== undefined && before.content.equals(after.content)
  if (sameContent && !renamed && before.mode === after.mode) return ""
  let out = `diff --git ${quoteGitPath(oldName)} ${quoteGitPath(newName)}\n`
  if (before === undefined) out += `new file mode ${after!.mode}\n`
  else if (after === undefined) out += `deleted file mode ${before.mode}\n`
  else if (before.mode !== after.mode) out += `old mode ${before.mode}\nnew mode ${after.mode}\n`
  if (renamed) out += `rename from ${quoteGitPath(before.path)}\nrename to ${quoteGitPath(after.path)}\n`
  if (sameContent) return out
  const oldId = before === undefined ? ZERO_OID : gitBlobId(before.content)
  const newId = after === undefined ? ZERO_OID : gitBlobId(after.content)
  const modeSuffix = before !== undefined && after !== undefined && before.mode === after.mode ? ` ${before.mode}` : ""
  out += `index ${oldId}..${newId}${modeSuffix}\n`
  const minus = before === undefined ? "/dev/null" : oldName
  const plus = after === undefined ? "/dev/null" : newName
  if ((before !== undefined && isBinary(before.content)) || (after !== undefined && isBinary(after.content))) {
    return `${out}Binary files ${quoteGitPath(minus)} and ${quoteGitPath(plus)} differ\n`
  }
  const hunks = unifiedDiffHunks(before?.content.toString("utf8") ?? "", after?.content.toString("utf8") ?? "", context)
  // An empty file created or deleted has no hunks, and git then prints no `---`/`+++` lines either.
  return hunks === "" ? out : `${out}--- ${headerName(minus)}\n+++ ${headerName(plus)}\n${hunks}`
}
