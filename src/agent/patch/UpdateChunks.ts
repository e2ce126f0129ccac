/**
 * Applies an Update hunk's chunks to a file's text. Each chunk is located after the
 * previous one (its `@@` anchor first, then its old lines, with the fuzzy matcher); a chunk with no
 * old lines appends at the end of the file. Replacements are computed against the original lines and
 * then applied together, so the result never depends on the order of application.
 */
import { Result } from "effect"
import type { UpdateChunk } from "./PatchParser.js"
import { DELETE, type DiffOp, EQUAL, INSERT } from "./LineDiff.js"
import { LineMatcher } from "./SeekSequence.js"

interface Replacement {
  readonly at: number
  readonly remove: number
  readonly insert: ReadonlyArray<string>
  /** The patch's markers for `old` and `insert`, in patch order. */
  readonly ops: ReadonlyArray<DiffOp>
}

/** Rust's `{:?}` of a string, which the reference uses to list lines it could not find. */
const rustDebugString = (text: string): string => {
  let out = "\""
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (char === "\"" || char === "\\") out += `\\${char}`
    else if (char === "\n") out += "\\n"
    else if (char === "\r") out += "\\r"
    else if (char === "\t") out += "\\t"
    else if (char === "\0") out += "\\0"
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\u{${code.toString(16)}}`
    else out += char
  }
  return `${out}"`
}

/** `["a", "b"]`, as Rust debug-prints a `Vec<String>`. */
export const rustDebugList = (lines: ReadonlyArray<string>): string => `[${lines.map(rustDebugString).join(", ")}]`

/** A line of the file and the newline that ended it (`""` for a last line without one). */
interface Line {
  readonly text: string
  readonly ending: string
}

/** The file's lines, each with its own ending, so a file mixing CRLF and LF keeps both. */
const splitLines = (content: string): Array<Line> => {
  if (content === "") return []
  const parts = content.split("\n")
  // What follows the last newline: empty when the file ends with one, else a last line without one.
  const last = parts.pop()!
  const lines = parts.map((part): Line =>
    part.endsWith("\r") ? { text: part.slice(0, -1), ending: "\r\n" } : { text: part, ending: "\n" }
  )
  if (last !== "") lines.push({ text: last, ending: "" })
  return lines
}

/** The one ending every line of the file uses (`\n` for a file with none), or undefined when they differ. */
const uniformEnding = (lines: ReadonlyArray<Line>): string | undefined => {
  let found: string | undefined
  for (const { ending } of lines) {
    if (ending === "" || ending === found) continue
    if (found !== undefined) return undefined
    found = ending
  }
  return found ?? "\n"
}

/**
 * The inserted lines with their endings, following the patch's own markers: a kept (context)
 * line keeps its ending; in a changed block the k-th new line takes the ending of the k-th line it
 * replaces (the block's last one when it adds more); a pure insertion takes the ending of the line
 * before it.
 */
const withEndings = (lines: ReadonlyArray<Line>, replacement: Replacement): Array<Line> => {
  const endingAt = (index: number) => lines[index]?.ending ?? lines[index + 1]?.ending ?? ""
  const result: Array<Line> = []
  let oldIndex = replacement.at
  let newIndex = 0
  let replaced: Array<string> = []
  let added: Array<string> = []
  const flush = () => {
    const before = endingAt(oldIndex - replaced.length - 1)
    added.forEach((text, k) => result.push({ text, ending: replaced[k] ?? replaced.at(-1) ?? before }))
    replaced = []
    added = []
  }
  for (const op of replacement.ops) {
    if (op === EQUAL) {
      flush()
      result.push({ text: replacement.insert[newIndex++]!, ending: endingAt(oldIndex++) })
    } else if (op === DELETE) {
      replaced.push(endingAt(oldIndex++))
    } else {
      added.push(replacement.insert[newIndex++]!)
    }
  }
  flush()
  return result
}

/**
 * `ops` without the last line of one side: the last op that is `own` or a context line; a context
 * line stays as a line of the other side only (`other`).
 */
const withoutLast = (ops: ReadonlyArray<DiffOp>, own: DiffOp, other: DiffOp): Array<DiffOp> => {
  const result = [...ops]
  const index = result.findLastIndex((op) => op === own || op === EQUAL)
  if (index < 0) return result
  if (result[index] === own) result.splice(index, 1)
  else result[index] = other
  return result
}

const findReplacements = (
  lines: ReadonlyArray<string>,
  chunks: ReadonlyArray<UpdateChunk>,
  path: string
): Result.Result<Array<Replacement>, string> => {
  const matcher = new LineMatcher(lines)
  const replacements: Array<Replacement> = []
  let cursor = 0
  for (const chunk of chunks) {
    if (chunk.changeContext !== undefined) {
      const anchor = matcher.seek([chunk.changeContext], cursor, false)
      if (anchor === undefined) return Result.fail(`Failed to find context '${chunk.changeContext}' in ${path}`)
      cursor = anchor + 1
    }
    if (chunk.oldLines.length === 0) {
      // The reference appends pure additions at the end of the file, whatever the anchor.
      const at = lines.length > 0 && lines[lines.length - 1] === "" ? lines.length - 1 : lines.length
      replacements.push({ at, remove: 0, insert: chunk.newLines, ops: chunk.ops })
      continue
    }
    let oldLines = chunk.oldLines
    let newLines = chunk.newLines
    let ops = chunk.ops
    let found = matcher.seek(oldLines, cursor, chunk.isEndOfFile)
    if (found === undefined && oldLines[oldLines.length - 1] === "") {
      // A trailing empty line stands for the file's final newline, which the split dropped.
      oldLines = oldLines.slice(0, -1)
      ops = withoutLast(ops, DELETE, INSERT)
      if (newLines[newLines.length - 1] === "") {
        newLines = newLines.slice(0, -1)
        ops = withoutLast(ops, INSERT, DELETE)
      }
      found = matcher.seek(oldLines, cursor, chunk.isEndOfFile)
    }
    if (found === undefined) {
      return Result.fail(`Failed to find expected lines ${rustDebugList(chunk.oldLines)} in ${path}`)
    }
    replacements.push({ at: found, remove: oldLines.length, insert: newLines, ops })
    cursor = found + oldLines.length
  }
  return Result.succeed(replacements)
}

const applyReplacements = (lines: ReadonlyArray<Line>, replacements: Array<Replacement>): Array<Line> => {
  // Nearly every file uses one ending throughout: its new lines simply take it, with no diffing.
  const uniform = uniformEnding(lines)
  const endings = (r: Replacement) =>
    uniform !== undefined ? r.insert.map((text): Line => ({ text, ending: uniform })) : withEndings(lines, r)
  const sorted = replacements
    .map((r, order) => ({ at: r.at, remove: r.remove, insert: endings(r), order }))
    .sort((a, b) => a.at - b.at || a.order - b.order)
  const disjoint = sorted.every((r, i) => i === 0 || sorted[i - 1]!.at + sorted[i - 1]!.remove <= r.at)
  if (!disjoint) {
    // Overlapping matches (possible with `*** End of File`): splice from the last, as the reference does.
    const result = [...lines]
    for (let i = sorted.length - 1; i >= 0; i--) {
      const { at, remove, insert } = sorted[i]!
      result.splice(at, Math.min(remove, Math.max(result.length - at, 0)), ...insert)
    }
    return result
  }
  const result: Array<Line> = []
  let position = 0
  for (const { at, remove, insert } of sorted) {
    for (; position < at; position++) result.push(lines[position]!)
    for (const line of insert) result.push(line)
    position = at + remove
  }
  for (; position < lines.length; position++) result.push(lines[position]!)
  return result
}

/**
 * The new text of a file after `chunks`, or the reference's error text (`path` is how the file is
 * named in it). The result ends with a newline unless it is empty. Line endings are kept line by line:
 * an untouched line keeps its own, a replaced line takes the one of the line it replaces, and a line
 * that had none (the old last line, or one inserted after it) takes the file's last ending.
 */
export const applyChunks = (content: string, chunks: ReadonlyArray<UpdateChunk>, path: string): Result.Result<string, string> => {
  const lines = splitLines(content)
  const replacements = findReplacements(lines.map((line) => line.text), chunks, path)
  if (Result.isFailure(replacements)) return Result.fail(replacements.failure)
  const updated = applyReplacements(lines, replacements.success)
  const fallback = lines.findLast((line) => line.ending !== "")?.ending ?? "\n"
  return Result.succeed(updated.map((line) => line.text + (line.ending === "" ? fallback : line.ending)).join(""))
}
