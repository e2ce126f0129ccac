/**
 * Commands that only read (agent core §6.4): run without asking and without a sandbox under every
 * policy. A `bash -lc` script is safe when it is nothing but safe commands joined by `&&`, `||`, `;`
 * or `|`: any redirection, substitution, variable, glob or subshell makes it unsafe.
 */

const ALWAYS_SAFE = new Set(["cat", "cd", "echo", "false", "grep", "head", "ls", "nl", "pwd", "tail", "true", "wc", "which"])
const UNSAFE_FIND_OPTIONS = new Set(["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"])
const SAFE_GIT_SUBCOMMANDS = new Set(["branch", "status", "log", "diff", "show"])

const isUnsafeRgOption = (arg: string) =>
  arg === "--search-zip" || arg === "-z" ||
  ["--pre", "--hostname-bin"].some((option) => arg === option || arg.startsWith(`${option}=`))

const isSedPrint = (arg: string) => /^(\d+,)?\d+p$/.test(arg)

const isSafeArgv = (argv: ReadonlyArray<string>): boolean => {
  const [program, ...args] = argv
  if (program === undefined) return false
  if (ALWAYS_SAFE.has(program)) return true
  switch (program) {
    case "find":
      return !args.some((arg) => UNSAFE_FIND_OPTIONS.has(arg))
    case "rg":
      return !args.some(isUnsafeRgOption)
    case "git":
      return args[0] !== undefined && SAFE_GIT_SUBCOMMANDS.has(args[0])
    case "cargo":
      return args[0] === "check"
    case "sed":
      return args.length === 3 && args[0] === "-n" && isSedPrint(args[1]!) && args[2]!.length > 0
    default:
      return false
  }
}

type Token = { readonly kind: "word"; readonly text: string } | { readonly kind: "operator" }

/**
 * Splits a script into words and the four allowed operators, or returns undefined when it uses
 * anything else (quotes with expansions, redirections, `$`, backticks, globs, parentheses…).
 */
const tokenize = (script: string): Array<Token> | undefined => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < script.length) {
    const char = script[i]!
    if (char === " " || char === "\t" || char === "\n") {
      i++
      continue
    }
    const two = script.slice(i, i + 2)
    if (two === "&&" || two === "||") {
      tokens.push({ kind: "operator" })
      i += 2
      continue
    }
    if (char === ";" || char === "|") {
      tokens.push({ kind: "operator" })
      i++
      continue
    }
    let word = ""
    while (i < script.length && !" \t\n;|&".includes(script[i]!)) {
      const c = script[i]!
      if (c === "'") {
        const end = script.indexOf("'", i + 1)
        if (end === -1) return undefined
        word += script.slice(i + 1, end)
        i = end + 1
      } else if (c === "\"") {
        const end = script.indexOf("\"", i + 1)
        if (end === -1) return undefined
        const inner = script.slice(i + 1, end)
        if (/[$`\\!]/.test(inner)) return undefined
        word += inner
        i = end + 1
      } else if (/[A-Za-z0-9_\-./:@=,+%^]/.test(c)) {
        word += c
        i++
      } else {
        return undefined
      }
    }
    if (i < script.length && script[i] === "&" && script[i + 1] !== "&") return undefined
    tokens.push({ kind: "word", text: word })
  }
  return tokens
}

/** The commands of a `bash -lc` script, if it is a plain sequence of simple commands. */
export const parsePlainScript = (script: string): Array<Array<string>> | undefined => {
  const tokens = tokenize(script)
  if (tokens === undefined || tokens.length === 0) return undefined
  const commands: Array<Array<string>> = [[]]
  for (const token of tokens) {
    if (token.kind === "word") commands[commands.length - 1]!.push(token.text)
    else if (commands[commands.length - 1]!.length === 0) return undefined
    else commands.push([])
  }
  return commands.every((command) => command.length > 0) ? commands : undefined
}

export const isKnownSafeCommand = (argv: ReadonlyArray<string>): boolean => {
  if (isSafeArgv(argv)) return true
  if (argv.length === 3 && (argv[0] === "bash" || argv[0] === "zsh" || argv[0] === "sh") && argv[1] === "-lc") {
    const commands = parsePlainScript(argv[2]!)
    return commands !== undefined && commands.every(isSafeArgv)
  }
  return false
}
