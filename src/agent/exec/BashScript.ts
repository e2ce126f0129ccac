/**
 * The plain subset of bash that a `bash -lc "<script>"` may use to still count as a list of simple
 * commands: words, single-quoted strings, double-quoted strings without expansions,
 * joined by `&&`, `||`, `;`, `|` or newlines. Anything else — redirections, `$`, backticks, globs,
 * braces, subshells, comments, background `&`, assignments, quoted pieces glued to other text — makes
 * the script "not plain", and the caller treats it as an opaque program.
 */

/** Characters a bare (unquoted) word may contain: none of them is special to bash. */
const BARE_WORD_CHAR = /[A-Za-z0-9_\-./:@%+,^=]/

type Token =
  | { readonly kind: "word"; readonly text: string; readonly bare: boolean }
  | { readonly kind: "and-or-pipe" }
  | { readonly kind: "terminator" }

/** A quoted string starting at `at` (which holds the quote), or undefined if unterminated or not plain. */
const readQuoted = (script: string, at: number): { readonly text: string; readonly end: number } | undefined => {
  const quote = script[at]!
  const close = script.indexOf(quote, at + 1)
  if (close === -1) return undefined
  const text = script.slice(at + 1, close)
  // Inside double quotes `$`, backticks and `\` are live; `!` is history expansion in some shells.
  if (quote === "\"" && /[$`\\!]/.test(text)) return undefined
  return { text, end: close + 1 }
}

/** A word ending at `end` runs straight into a quoted piece (`a"b"`, `'x'y`): a concatenation, not plain. */
const gluedToNext = (script: string, end: number) => {
  const next = script[end]
  return next !== undefined && (next === "'" || next === "\"" || BARE_WORD_CHAR.test(next))
}

const tokenize = (script: string): Array<Token> | undefined => {
  const tokens: Array<Token> = []
  let at = 0
  while (at < script.length) {
    const char = script[at]!
    const pair = script.slice(at, at + 2)
    if (char === " " || char === "\t") {
      at++
    } else if (pair === "&&" || pair === "||") {
      tokens.push({ kind: "and-or-pipe" })
      at += 2
    } else if (pair === "|&" || pair === ";;") {
      return undefined
    } else if (char === "|") {
      tokens.push({ kind: "and-or-pipe" })
      at++
    } else if (char === ";" || char === "\n") {
      tokens.push({ kind: "terminator" })
      at++
    } else if (char === "'" || char === "\"") {
      const quoted = readQuoted(script, at)
      if (quoted === undefined || gluedToNext(script, quoted.end)) return undefined
      tokens.push({ kind: "word", text: quoted.text, bare: false })
      at = quoted.end
    } else if (BARE_WORD_CHAR.test(char)) {
      const start = at
      while (at < script.length && BARE_WORD_CHAR.test(script[at]!)) at++
      if (gluedToNext(script, at)) return undefined
      tokens.push({ kind: "word", text: script.slice(start, at), bare: true })
    } else {
      return undefined
    }
  }
  return tokens
}

/**
 * The commands of a plain script, in order, or undefined when the script is not plain (see the module
 * comment) or is empty. Pipelines and `&&`/`||` chains are flattened: `a | b && c` gives `[a, b, c]`.
 */
export const parsePlainScript = (script: string): Array<Array<string>> | undefined => {
  const tokens = tokenize(script)
  if (tokens === undefined) return undefined
  const commands: Array<Array<string>> = []
  let current: Array<string> = []
  let danglingOperator = false
  for (const token of tokens) {
    if (token.kind === "word") {
      // `NAME=value cmd` is an assignment, not an argument.
      if (current.length === 0 && token.bare && token.text.includes("=")) return undefined
      current.push(token.text)
      danglingOperator = false
      continue
    }
    if (current.length === 0) {
      // A terminator may repeat or trail (`ls;`, blank lines); an operator needs a command on each side.
      if (token.kind === "and-or-pipe" || danglingOperator) return undefined
      continue
    }
    commands.push(current)
    current = []
    danglingOperator = token.kind === "and-or-pipe"
  }
  if (danglingOperator) return undefined
  if (current.length > 0) commands.push(current)
  return commands.length > 0 ? commands : undefined
}

/** The script of `bash -lc "<script>"` (the only wrapper the reference looks inside), if `argv` is one. */
export const bashLcScript = (argv: ReadonlyArray<string>): string | undefined =>
  argv.length === 3 && argv[0] === "bash" && argv[1] === "-lc" ? argv[2] : undefined
