/**
 * Where a key is written in a TOML file, so a config problem can name the line. smol-toml gives
 * positions only for syntax errors, so this reads the text again: table headers (`[a.b]`, `[[a]]`)
 * and `key = value` lines, with bare, quoted and dotted keys. Multi-line strings are skipped.
 * A key set inside an inline table is found at the line of the nearest enclosing key.
 */

/** Splits a TOML key (`a."b.c".d`) into its parts. */
const splitDottedKey = (text: string): Array<string> => {
  const parts: Array<string> = []
  let current = ""
  let quote: string | undefined
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined
      else current += char
    } else if (char === "\"" || char === "'") {
      quote = char
    } else if (char === ".") {
      parts.push(current.trim())
      current = ""
    } else {
      current += char
    }
  }
  parts.push(current.trim())
  return parts
}

const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/
const ASSIGNMENT = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/

const pathKey = (path: ReadonlyArray<string>) => path.join("\u0000")

/** Counts the multi-line string delimiters on a line: an odd count opens or closes one. */
const toggles = (line: string) => (line.match(/"""|'''/g) ?? []).length % 2 === 1

export interface TomlLocations {
  /** The 1-based line where `path` (or the nearest enclosing key written in the file) is set. */
  readonly lineOf: (path: ReadonlyArray<string>) => number | undefined
}

export const tomlLocations = (text: string): TomlLocations => {
  const lines = new Map<string, number>()
  const remember = (path: ReadonlyArray<string>, line: number) => {
    const key = pathKey(path)
    if (!lines.has(key)) lines.set(key, line)
  }
  let table: Array<string> = []
  let inMultiline = false
  text.split(/\r?\n/).forEach((line, index) => {
    if (inMultiline) {
      if (toggles(line)) inMultiline = false
      return
    }
    const header = HEADER.exec(line)
    if (header !== null) {
      table = splitDottedKey(header[1]!)
      // `[a.b]` also places `a` when no line of its own names it, for a problem reported on `a` itself.
      for (let length = 1; length <= table.length; length++) remember(table.slice(0, length), index + 1)
      return
    }
    const assignment = ASSIGNMENT.exec(line)
    if (assignment !== null) {
      // `a.b = 1` also places the table `a`, for a problem reported on `a` itself.
      const path = [...table, ...splitDottedKey(assignment[1]!)]
      for (let length = table.length + 1; length <= path.length; length++) remember(path.slice(0, length), index + 1)
    }
    if (toggles(line)) inMultiline = true
  })
  return {
    lineOf: (path) => {
      for (let length = path.length; length > 0; length--) {
        const line = lines.get(pathKey(path.slice(0, length)))
        if (line !== undefined) return line
      }
      return undefined
    }
  }
}
