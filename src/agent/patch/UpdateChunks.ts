/**
 * Applies an Update hunk's chunks to a file's text. Each chunk is located after the
 * previous one (its `@@` anchor first, then its old lines, with the fuzzy matcher); a chunk with no
 * old lines appends at the end of the file. Replacements are computed against the original lines and
 * then applied together, so the result never depends on the order of application.
 */
import { Result } from "effect"
import type { UpdateChunk } from "./PatchParser.js"
import { LineMatcher } from "./SeekSequence.js"

interface Replacement {
  readonly at: number
  readonly remove: number
  readonly insert: ReadonlyArray<string>
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

/** True when every newline of `text` is part of a `\r\n` (and there is at least one). */
const usesCrlf = (text: string): boolean => {
  const newlines = text.split("\n").length - 1
  return newlines > 0 && text.split("\r\n").length - 1 === newlines
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
      replacements.push({ at, remove: 0, insert: chunk.newLines })
      continue
    }
    let oldLines = chunk.oldLines
    let newLines = chunk.newLines
    let found = matcher.seek(oldLines, cursor, chunk.isEndOfFile)
    if (found === undefined && oldLines[oldLines.length - 1] === "") {
      // A trailing empty line stands for the file's final newline, which the split dropped.
      oldLines = oldLines.slice(0, -1)
      if (newLines[newLines.length - 1] === "") newLines = newLines.slice(0, -1)
      found = matcher.seek(oldLines, cursor, chunk.isEndOfFile)
    }
    if (found === undefined) {
      return Result.fail(`Failed to find expected lines ${rustDebugList(chunk.oldLines)} in ${path}`)
    }
    replacements.push({ at: found, remove: oldLines.length, insert: newLines })
    cursor = found + oldLines.length
  }
  return Result.succeed(replacements)
}

const applyReplacements = (lines: ReadonlyArray<string>, replacements: Array<Replacement>): Array<string> => {
  const sorted = replacements.map((r, order) => ({ ...r, order })).sort((a, b) => a.at - b.at || a.order - b.order)
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
  const result: Array<string> = []
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
 * named in it). The result ends with a newline unless it is empty; a file that used CRLF throughout
 * keeps CRLF.
 */
export const applyChunks = (content: string, chunks: ReadonlyArray<UpdateChunk>, path: string): Result.Result<string, string> => {
  const crlf = usesCrlf(content)
  const lines = (crlf ? content.replaceAll("\r\n", "\n") : content).split("\n")
  if (lines[lines.length - 1] === "") lines.pop()
  const replacements = findReplacements(lines, chunks, path)
  if (Result.isFailure(replacements)) return Result.fail(replacements.failure)
  const updated = applyReplacements(lines, replacements.success)
  if (updated.length === 0) return Result.succeed("")
  const newline = crlf ? "\r\n" : "\n"
  return Result.succeed(updated.join(newline) + newline)
}
