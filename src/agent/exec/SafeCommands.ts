/**
 * Commands that only read (agent core §6.4, `is_known_safe_command`). They run without asking and
 * without a sandbox under every approval policy, `untrusted` included, so the list stays short and
 * exact. A `bash -lc` script is safe when it is a plain script (see `BashScript`) whose every
 * command is safe on its own.
 */
import { bashLcScript, parsePlainScript } from "./BashScript.js"

const ALWAYS_SAFE = new Set(["cat", "cd", "echo", "false", "grep", "head", "ls", "nl", "pwd", "tail", "true", "wc", "which"])

/** `find` options that run programs or write files. */
const UNSAFE_FIND_OPTIONS = new Set(["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"])

/** `rg` options that run programs (with a value, as `--opt value` or `--opt=value`). */
const UNSAFE_RG_OPTIONS_WITH_VALUE = ["--pre", "--hostname-bin"]
/** `rg` options that run decompression programs. */
const UNSAFE_RG_FLAGS = new Set(["--search-zip", "-z"])

const SAFE_GIT_SUBCOMMANDS = new Set(["branch", "status", "log", "diff", "show"])

const isUnsafeRgArgument = (arg: string) =>
  UNSAFE_RG_FLAGS.has(arg) || UNSAFE_RG_OPTIONS_WITH_VALUE.some((option) => arg === option || arg.startsWith(`${option}=`))

/** `Np` or `M,Np`: the only `sed -n` scripts that are pure printing. */
const isSedPrintRange = (arg: string) => /^\d+(,\d+)?p$/.test(arg)

/** The rules for one simple command. */
const isSafeSimpleCommand = (argv: ReadonlyArray<string>): boolean => {
  const [program, ...args] = argv
  if (program === undefined) return false
  if (ALWAYS_SAFE.has(program)) return true
  switch (program) {
    case "find":
      return !args.some((arg) => UNSAFE_FIND_OPTIONS.has(arg))
    case "rg":
      return !args.some(isUnsafeRgArgument)
    case "git":
      return args[0] !== undefined && SAFE_GIT_SUBCOMMANDS.has(args[0])
    case "cargo":
      return args[0] === "check"
    case "sed":
      return args.length === 3 && args[0] === "-n" && isSedPrintRange(args[1]!) && args[2]!.length > 0
    default:
      return false
  }
}

/** True when `argv` may run unsandboxed without asking: a safe command, or a plain `bash -lc` script of them. */
export const isKnownSafeCommand = (argv: ReadonlyArray<string>): boolean => {
  if (isSafeSimpleCommand(argv)) return true
  const script = bashLcScript(argv)
  if (script === undefined) return false
  const commands = parsePlainScript(script)
  return commands !== undefined && commands.every(isSafeSimpleCommand)
}
