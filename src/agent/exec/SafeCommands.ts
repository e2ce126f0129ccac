/**
 * Commands that only read, and so run without asking under every approval policy, `untrusted`
 * included. Being on this list skips approval, never the sandbox: in `read-only` and
 * `workspace-write` they still run inside it. The list stays short and exact, and every entry is
 * judged with its arguments, since the model chooses them: an option that writes a file or runs a
 * program makes the command unknown. A `bash -lc` script is safe when it is a plain script (see
 * `BashScript`) whose every command is safe on its own.
 *
 * Stricter than the reference: `cargo check` is not on it (build scripts and proc macros are code
 * from the work tree), `git` options are allow-listed (see `SafeGitCommands`), `rg` short-option
 * bundles are looked into, and `sed` refuses an option where its file belongs.
 */
import { bashLcScript, parsePlainScript } from "./BashScript.js"
import { isSafeGitCommand } from "./SafeGitCommands.js"

/** Programs without any option that writes files or runs other programs. */
const ALWAYS_SAFE = new Set(["cat", "cd", "echo", "false", "grep", "head", "ls", "nl", "pwd", "tail", "true", "wc", "which"])

/** Every `find` action that runs a program or writes (or deletes) a file. */
const UNSAFE_FIND_OPTIONS = new Set(["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"])

/** `rg` options that run programs (preprocessors, decompressors, the hostname helper). */
const UNSAFE_RG_OPTIONS = new Set(["--pre", "--pre-glob", "--hostname-bin", "--search-zip"])

/** `--opt`, `--opt=value`, or a short bundle (`-iz`) that contains `-z` (search compressed files). */
const isUnsafeRgArgument = (arg: string) =>
  UNSAFE_RG_OPTIONS.has(arg.split("=")[0]!) || (/^-[^-]/.test(arg) && arg.includes("z"))

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
      return isSafeGitCommand(args)
    case "sed":
      return args.length === 3 && args[0] === "-n" && isSedPrintRange(args[1]!) && /^[^-]/.test(args[2]!)
    default:
      return false
  }
}

/** True when `argv` may run without asking: a safe command, or a plain `bash -lc` script of them. */
export const isKnownSafeCommand = (argv: ReadonlyArray<string>): boolean => {
  if (isSafeSimpleCommand(argv)) return true
  const script = bashLcScript(argv)
  if (script === undefined) return false
  const commands = parsePlainScript(script)
  return commands !== undefined && commands.every(isSafeSimpleCommand)
}
