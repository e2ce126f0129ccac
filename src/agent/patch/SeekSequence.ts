/**
 * Finds where a chunk's lines sit in a file (the reference's `seek_sequence`). Four passes, each
 * scanning forward from the start index, the first hit winning: exact; ignoring trailing whitespace;
 * ignoring surrounding whitespace; and trimmed with Unicode dashes, quotes and spaces folded to ASCII
 * (models often type `—` or `“` where the file has `-` or `"`). With `eof` the only candidate is the
 * end of the file. A `LineMatcher` normalises each file line at most once per pass, so many seeks
 * over one file stay linear in its size.
 */

/** Folds the Unicode punctuation that models substitute for ASCII, after trimming. */
const normalizePunctuation = (line: string): string =>
  line.trim()
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .replace(/[\u2018-\u201B]/g, "'")
    .replace(/[\u201C-\u201F]/g, "\"")
    .replace(/[\u00A0\u2002-\u200A\u202F\u205F\u3000]/g, " ")

type Normalize = (line: string) => string

const PASSES: ReadonlyArray<Normalize | undefined> = [
  undefined,
  (line) => line.trimEnd(),
  (line) => line.trim(),
  normalizePunctuation
]

/** A file's lines, ready to be searched repeatedly. The lines must not change while it is in use. */
export class LineMatcher {
  private readonly normalized: Array<ReadonlyArray<string> | undefined> = []

  constructor(readonly lines: ReadonlyArray<string>) {}

  private linesFor(pass: number): ReadonlyArray<string> {
    const normalize = PASSES[pass]
    if (normalize === undefined) return this.lines
    return (this.normalized[pass] ??= this.lines.map(normalize))
  }

  /** The index where `pattern` starts at or after `start` (at the very end with `eof`), or undefined. */
  seek(pattern: ReadonlyArray<string>, start: number, eof: boolean): number | undefined {
    if (pattern.length === 0) return start
    const lines = this.lines
    if (pattern.length > lines.length) return undefined
    const last = lines.length - pattern.length
    const from = eof ? last : Math.max(start, 0)
    for (let pass = 0; pass < PASSES.length; pass++) {
      const normalize = PASSES[pass]
      const wanted = normalize === undefined ? pattern : pattern.map(normalize)
      const haystack = this.linesFor(pass)
      const head = wanted[0]!
      for (let at = from; at <= last; at++) {
        if (haystack[at] !== head) continue
        let k = 1
        while (k < wanted.length && haystack[at + k] === wanted[k]) k++
        if (k === wanted.length) return at
      }
    }
    return undefined
  }
}

/** One-off form of `LineMatcher.seek`. */
export const seekSequence = (
  lines: ReadonlyArray<string>,
  pattern: ReadonlyArray<string>,
  start: number,
  eof: boolean
): number | undefined => new LineMatcher(lines).seek(pattern, start, eof)
