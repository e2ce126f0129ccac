/**
 * Recognises a shell call that is really an apply_patch, so the agent applies the
 * patch itself instead of running a command. Forms: `["apply_patch" | "applypatch", PATCH]`, and
 * `[bash|sh|zsh, -lc|-c, SCRIPT]` where the whole script is one heredoc-fed invocation,
 * `apply_patch <<'EOF' … EOF`, optionally after `cd <dir> &&` (the later reference's form; the
 * directory is returned as `workdir`). Anything else — other commands around it, arguments, pipes —
 * is not a patch, as the reference decides.
 */
import { basename, resolve } from "node:path"

interface ApplyPatchInvocation {
  /** The patch text (for heredocs, the body without its trailing newlines). */
  readonly patch: string
  /** The directory of a `cd <dir> &&` prefix, as written (relative to the call's cwd if not absolute). */
  readonly workdir: string | undefined
}

const PROGRAMS = new Set(["apply_patch", "applypatch"])
const SHELLS = new Set(["bash", "sh", "zsh"])
const SHELL_FLAGS = new Set(["-lc", "-c"])

/** `cd` and its one argument: a plain word, a single-quoted string, or a double-quoted one without expansions. */
const CD_PREFIX = /^cd[ \t]+(?:([A-Za-z0-9_./@%+,:=-]+)|'([^']*)'|"([^"$`\\]*)")[ \t]*&&[ \t]*/

/** The program, `<<` or `<<-`, and the delimiter (quoted or not), then the end of that line. */
const HEREDOC_OPENER = /^(apply_patch|applypatch)[ \t]*<<(-?)[ \t]*(?:'([^'\n]+)'|"([^"\n]+)"|([A-Za-z0-9_.-]+))[ \t]*\n/

/** The body of `apply_patch <<DELIM … DELIM` when that is the whole script, else undefined. */
const heredocPatch = (script: string): string | undefined => {
  const opener = HEREDOC_OPENER.exec(script)
  if (opener === null) return undefined
  const stripTabs = opener[2] === "-"
  const delimiter = opener[3] ?? opener[4] ?? opener[5]!
  const lines = script.slice(opener[0].length).split("\n")
  const unindent = (line: string) => (stripTabs ? line.replace(/^\t+/, "") : line)
  const end = lines.findIndex((line) => unindent(line).trimEnd() === delimiter)
  if (end === -1) return undefined
  // Nothing may follow the heredoc: `… EOF && echo done` is a different command.
  if (lines.slice(end + 1).some((line) => line.trim() !== "")) return undefined
  return lines.slice(0, end).map(unindent).join("\n").replace(/\n+$/, "")
}

const fromScript = (script: string): ApplyPatchInvocation | undefined => {
  let rest = script.trim()
  let workdir: string | undefined
  const cd = CD_PREFIX.exec(rest)
  if (cd !== null) {
    workdir = cd[1] ?? cd[2] ?? cd[3]!
    rest = rest.slice(cd[0].length)
  }
  const patch = heredocPatch(rest)
  return patch === undefined ? undefined : { patch, workdir }
}

/** The patch (and `cd` directory) when `argv` invokes apply_patch, else undefined. */
export const parseApplyPatchInvocation = (argv: ReadonlyArray<string>): ApplyPatchInvocation | undefined => {
  const [program, first, second] = argv
  if (argv.length === 2 && PROGRAMS.has(program!)) return { patch: first!, workdir: undefined }
  if (argv.length === 3 && SHELLS.has(basename(program!)) && SHELL_FLAGS.has(first!)) return fromScript(second!)
  return undefined
}

/** The directory the patch's relative paths are resolved against. */
export const invocationCwd = (invocation: ApplyPatchInvocation, cwd: string): string =>
  invocation.workdir === undefined ? cwd : resolve(cwd, invocation.workdir)
