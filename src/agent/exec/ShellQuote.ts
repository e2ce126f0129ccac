/**
 * POSIX-shell quoting of an argv, as Rust's `shlex` 1.3 `try_join` does it: it is shown
 * to users in approval messages, so it must match the reference exactly. Each word is cut into
 * chunks; a chunk grows while at least one style (unquoted, single quotes, double quotes) can still
 * hold all of it, and is written in the best of the styles left, in that order.
 */

const UNQUOTED = 1
const SINGLE = 2
const DOUBLE = 4

const UNQUOTED_CHARS = /^[A-Za-z0-9+\-./:@\]_]$/

/** The styles that can hold `char` (anywhere but at the start of a chunk). */
const stylesFor = (char: string): number => {
  if (char.codePointAt(0)! >= 0x80) return SINGLE | DOUBLE
  let styles = 0
  if (UNQUOTED_CHARS.test(char)) styles |= UNQUOTED
  if (char !== "'" && char !== "\\" && char !== "^") styles |= SINGLE
  if (char !== "$" && char !== "`" && char !== "!" && char !== "^") styles |= DOUBLE
  return styles
}

const quoteWord = (word: string): string => {
  if (word.length === 0) return "''"
  const chars = Array.from(word)
  let out = ""
  let at = 0
  while (at < chars.length) {
    let styles = UNQUOTED | SINGLE | DOUBLE
    let end = at
    // `^` is safe only right after an opening single quote (a Bash quirk), so it starts a single-quoted chunk.
    if (chars[at] === "^") {
      styles = SINGLE
      end++
    }
    while (end < chars.length && (styles & stylesFor(chars[end]!)) !== 0) {
      styles &= stylesFor(chars[end]!)
      end++
    }
    const chunk = chars.slice(at, end).join("")
    if (styles & UNQUOTED) out += chunk
    else if (styles & SINGLE) out += `'${chunk}'`
    else out += `"${chunk.replace(/["\\$`]/g, "\\$&")}"`
    at = end
  }
  return out
}

/** The argv as one command line. A NUL byte cannot be quoted; then the raw words are joined, as the reference does. */
export const shlexJoin = (argv: ReadonlyArray<string>): string =>
  argv.some((word) => word.includes("\0")) ? argv.join(" ") : argv.map(quoteWord).join(" ")
