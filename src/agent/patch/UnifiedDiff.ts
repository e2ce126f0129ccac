/**
 * Unified-diff hunks (`@@ -a,b +c,d @@` and the lines), without file headers: the `unified_diff` of a
 * patch's changes (1 line of context, as the reference shows them in approvals) and the body of the
 * turn's git-style diff (3 lines). Ranges print as GNU diff and git do (`-1` for a single line,
 * `-0,0` for none); a last line without a newline is followed by `\ No newline at end of file`.
 */
import { DELETE, diffLines, EQUAL } from "./LineDiff.js"

const NO_NEWLINE_MARKER = "\\ No newline at end of file"

/**
 * A text as lines. A last line without its newline keeps a trailing `\n` (which no split line can
 * otherwise contain), so it differs from the same line with its newline.
 */
const linesOf = (text: string): Array<string> => {
  if (text === "") return []
  const lines = text.split("\n")
  if (lines[lines.length - 1] === "") lines.pop()
  else lines[lines.length - 1] += "\n"
  return lines
}

const printLine = (prefix: string, line: string) =>
  line.endsWith("\n") ? `${prefix}${line}${NO_NEWLINE_MARKER}\n` : `${prefix}${line}\n`

/** `start,count` as diff prints a range: the start alone for one line, the line before for none. */
const range = (start: number, count: number) =>
  count === 1 ? `${start}` : count === 0 ? `${start - 1},0` : `${start},${count}`

/** The hunks turning `oldText` into `newText`; `""` when they are equal. */
export const unifiedDiffHunks = (oldText: string, newText: string, context: number): string => {
  const oldLines = linesOf(oldText)
  const newLines = linesOf(newText)
  const ops = diffLines(oldLines, newLines)
  // Line positions before each op, so every hunk header is found without rescanning.
  const oldAt = new Int32Array(ops.length + 1)
  const newAt = new Int32Array(ops.length + 1)
  const changed: Array<number> = []
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    oldAt[i + 1] = oldAt[i]! + (op === EQUAL || op === DELETE ? 1 : 0)
    newAt[i + 1] = newAt[i]! + (op === DELETE ? 0 : 1)
    if (op !== EQUAL) changed.push(i)
  }
  let out = ""
  let next = 0
  while (next < changed.length) {
    const start = Math.max(0, changed[next]! - context)
    let end = Math.min(ops.length, changed[next]! + context + 1)
    // Changes separated by at most 2 × context equal lines share a hunk.
    while (next + 1 < changed.length && changed[next + 1]! - context <= end) {
      next++
      end = Math.min(ops.length, changed[next]! + context + 1)
    }
    next++
    out += `@@ -${range(oldAt[start]! + 1, oldAt[end]! - oldAt[start]!)} +${range(newAt[start]! + 1, newAt[end]! - newAt[start]!)} @@\n`
    for (let i = start; i < end; i++) {
      const op = ops[i]!
      if (op === EQUAL) out += printLine(" ", oldLines[oldAt[i]!]!)
      else if (op === DELETE) out += printLine("-", oldLines[oldAt[i]!]!)
      else out += printLine("+", newLines[newAt[i]!]!)
    }
  }
  return out
}
