/**
 * Finds where a chunk's lines are in a file (agent core §7.3): four passes from the start index —
 * exact, ignoring trailing whitespace, ignoring surrounding whitespace, and with Unicode dashes,
 * quotes and spaces folded to ASCII — and the first hit wins. `eof` anchors the search at the end.
 */

const normalizePunctuation = (line: string) =>
  line.trim()
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .replace(/[\u2018-\u201B]/g, "'")
    .replace(/[\u201C-\u201F]/g, "\"")
    .replace(/[\u00A0\u2002-\u200A\u202F\u205F\u3000]/g, " ")

const PASSES: ReadonlyArray<(line: string) => string> = [
  (line) => line,
  (line) => line.trimEnd(),
  (line) => line.trim(),
  normalizePunctuation
]

export const seekSequence = (
  lines: ReadonlyArray<string>,
  pattern: ReadonlyArray<string>,
  start: number,
  eof: boolean
): number | undefined => {
  if (pattern.length === 0) return start
  if (pattern.length > lines.length) return undefined
  const from = eof ? lines.length - pattern.length : start
  for (const normalize of PASSES) {
    const wanted = pattern.map(normalize)
    for (let at = Math.max(from, 0); at + pattern.length <= lines.length; at++) {
      let matches = true
      for (let k = 0; k < wanted.length; k++) {
        if (normalize(lines[at + k]!) !== wanted[k]) {
          matches = false
          break
        }
      }
      if (matches) return at
    }
  }
  return undefined
}
