/**
 * The statements of a TOML document with their places in the text, so a writer can change one key and
 * leave every other byte alone. A statement is a table header (`[a.b]`, `[[a]]`) or a `key = value`
 * line; the comment and blank lines just above a statement belong to it (they go when it goes), as in
 * the reference's editor (toml_edit); the ones after the last statement are the document's trailer.
 * Only valid TOML is scanned (the caller parses it first): strings of the four kinds, arrays and inline
 * tables spanning lines with comments in them are skipped whole.
 */

export interface TomlStatement {
  readonly kind: "table" | "arrayTable" | "keyValue"
  /** The full path: a header's, or a key's table path followed by its (dotted) key. */
  readonly path: ReadonlyArray<string>
  /** The path of the header a key-value sits under (empty at the top); a header's own path. */
  readonly tablePath: ReadonlyArray<string>
  /** Whether the statement sits under a `[[...]]` header (its path goes through an array). */
  readonly inArray: boolean
  /** Where its leading comment and blank lines start. */
  readonly prefixStart: number
  readonly start: number
  /** A key-value's value; equal to `end` for headers. */
  readonly valueStart: number
  readonly valueEnd: number
  /** After its line break (or the end of the text). */
  readonly end: number
}

export interface TomlDocument {
  readonly text: string
  readonly statements: ReadonlyArray<TomlStatement>
  /** Where the first statement's comment lines may start (after a byte order mark). */
  readonly bodyStart: number
  /** Where the comment and blank lines after the last statement start. */
  readonly trailerStart: number
}

const isBare = (char: string) => /[A-Za-z0-9_-]/.test(char)

/** Skips spaces and tabs. */
const skipBlanks = (text: string, at: number) => {
  while (text[at] === " " || text[at] === "\t") at++
  return at
}

/** After the line break that ends the line `at` is on (or the end of the text). */
const endOfLine = (text: string, at: number) => {
  const newline = text.indexOf("\n", at)
  return newline === -1 ? text.length : newline + 1
}

/** Reads a string starting at `at` (any of the four kinds); answers its end and, for keys, its text. */
const scanString = (text: string, at: number): { readonly end: number; readonly value: string } => {
  const quote = text[at]!
  const triple = text.startsWith(quote.repeat(3), at)
  const delimiter = triple ? quote.repeat(3) : quote
  let i = at + delimiter.length
  let value = ""
  while (i < text.length) {
    const char = text[i]!
    if (quote === "\"" && char === "\\") {
      const next = text[i + 1]!
      const escapes: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", "\"": "\"", "\\": "\\" }
      if (next === "u" || next === "U") {
        const length = next === "u" ? 4 : 8
        value += String.fromCodePoint(Number.parseInt(text.slice(i + 2, i + 2 + length), 16))
        i += 2 + length
      } else {
        value += escapes[next] ?? ""
        i += 2
      }
      continue
    }
    if (text.startsWith(delimiter, i)) {
      let end = i + delimiter.length
      // A multi-line string may end with up to two quotes of its own before the delimiter.
      if (triple) while (end - i < 5 && text[end] === quote) end++
      return { end, value: value + text.slice(i, end - delimiter.length) }
    }
    value += char
    i++
  }
  return { end: text.length, value }
}

/** Reads a dotted key at `at`; answers its parts and where it ends. */
const scanKey = (text: string, at: number, stop: string): { readonly parts: Array<string>; readonly end: number } => {
  const parts: Array<string> = []
  let i = skipBlanks(text, at)
  for (;;) {
    if (text[i] === "\"" || text[i] === "'") {
      const string = scanString(text, i)
      parts.push(string.value)
      i = string.end
    } else {
      const from = i
      while (i < text.length && isBare(text[i]!)) i++
      parts.push(text.slice(from, i))
    }
    i = skipBlanks(text, i)
    if (text[i] !== ".") break
    i = skipBlanks(text, i + 1)
  }
  if (!stop.includes(text[i] ?? "")) throw new Error(`unexpected ${JSON.stringify(text[i])} in a key at ${i}`)
  return { parts, end: i }
}

/** Skips a value starting at `at`: a string, an array or inline table (to its closing bracket), or a bare word. */
const scanValue = (text: string, at: number): number => {
  const char = text[at]
  if (char === "\"" || char === "'") return scanString(text, at).end
  if (char === "[" || char === "{") {
    let depth = 0
    let i = at
    while (i < text.length) {
      const c = text[i]!
      if (c === "\"" || c === "'") {
        i = scanString(text, i).end
        continue
      }
      if (c === "#") {
        i = endOfLine(text, i)
        continue
      }
      if (c === "[" || c === "{") depth++
      else if (c === "]" || c === "}") {
        depth--
        if (depth === 0) return i + 1
      }
      i++
    }
    return text.length
  }
  // A bare value (number, boolean, date-time, which may hold one space) ends at a comment or the line's end.
  let i = at
  while (i < text.length && text[i] !== "\n" && text[i] !== "#" && text[i] !== "," && text[i] !== "]" && text[i] !== "}") i++
  while (i > at && (text[i - 1] === " " || text[i - 1] === "\t" || text[i - 1] === "\r")) i--
  return i
}

/** Scans `text`, which must be valid TOML. */
export const scanToml = (text: string): TomlDocument => {
  const statements: Array<TomlStatement> = []
  let tablePath: ReadonlyArray<string> = []
  let inArray = false
  // A byte order mark stays where it is, ahead of everything.
  let i = text.startsWith("\uFEFF") ? 1 : 0
  let prefixStart = i
  while (i < text.length) {
    const start = skipBlanks(text, i)
    const char = text[start]
    if (char === undefined || char === "\n" || char === "\r" || char === "#") {
      i = endOfLine(text, start)
      continue
    }
    if (char === "[") {
      const array = text[start + 1] === "["
      const key = scanKey(text, start + (array ? 2 : 1), "]")
      const end = endOfLine(text, key.end)
      tablePath = key.parts
      inArray = array || statements.some((s) => s.kind === "arrayTable" && isPrefix(s.path, key.parts))
      statements.push({ kind: array ? "arrayTable" : "table", path: key.parts, tablePath, inArray, prefixStart, start, valueStart: end, valueEnd: end, end })
      prefixStart = i = end
      continue
    }
    const key = scanKey(text, start, "=")
    const valueStart = skipBlanks(text, key.end + 1)
    const valueEnd = scanValue(text, valueStart)
    const end = endOfLine(text, valueEnd)
    statements.push({ kind: "keyValue", path: [...tablePath, ...key.parts], tablePath, inArray, prefixStart, start, valueStart, valueEnd, end })
    prefixStart = i = end
  }
  return { text, statements, bodyStart: text.startsWith("\uFEFF") ? 1 : 0, trailerStart: prefixStart }
}

/** Whether `prefix` is `path` or one of its ancestors. */
export const isPrefix = (prefix: ReadonlyArray<string>, path: ReadonlyArray<string>) =>
  prefix.length <= path.length && prefix.every((part, index) => part === path[index])
