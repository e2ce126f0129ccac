/**
 * Which `git` invocations only read: `status`, `log`, `diff`, `show` and listing `branch`, each with
 * an allow-list of options. Git has many options that write files (`--output`), run programs
 * (`--ext-diff`, `--textconv`, `--show-signature`, pagers) or change where config and repositories
 * come from (`-c`, `--config-env`, `-C`, `--git-dir`, `--work-tree`, `--exec-path`), and it accepts
 * unambiguous abbreviations of long options, so a deny-list cannot be complete: anything not listed
 * here, spelled exactly, makes the command unknown (it then asks or runs sandboxed, per policy).
 *
 * No option may come before the subcommand, which rules out every global option at once.
 * Positional arguments (revisions, paths) are data; after `--` everything is a path.
 */

/** Options that take no value, or whose value follows as a separate (non-option) argument. */
type OptionTable = {
  /** Spelled exactly. */
  readonly flags: ReadonlySet<string>
  /** `--name=value` (or `--name` alone). */
  readonly withValue: ReadonlySet<string>
  /** Short options with the value attached (`-n5`, `-U3`, `-Sfoo`). */
  readonly attached: RegExp
}

const set = (names: string) => new Set(names.trim().split(/\s+/))

/** Options that shape a diff's output and nothing else. */
const DIFF_FLAGS = `-p -u --patch -s --no-patch --raw --patch-with-raw --patch-with-stat --stat --numstat --shortstat
  --summary --name-only --name-status --compact-summary --no-color --color --word-diff --color-words --no-renames
  --full-index --binary --abbrev -R -a --text -w --ignore-all-space -b --ignore-space-change --ignore-blank-lines
  --ignore-space-at-eol --minimal --patience --histogram --no-ext-diff --no-textconv --exit-code --quiet -M -B
  --find-renames --find-copies --irreversible-delete -z`
const DIFF_VALUED = `--stat --unified --color --word-diff --diff-filter --find-renames --find-copies --relative --abbrev
  --diff-algorithm --inter-hunk-context --dirstat --ignore-submodules`
const DIFF_ATTACHED = /^-(U\d+|M\d+%?|B\d+%?|l\d+)$/

const LOG_FLAGS = `--oneline --graph --all --branches --tags --remotes --decorate --no-decorate --abbrev-commit
  --no-abbrev-commit --no-merges --merges --first-parent --reverse --follow --date-order --topo-order
  --author-date-order --relative-date --left-right --cherry-pick --boundary --source --full-history
  --simplify-merges --ancestry-path --no-walk -i --regexp-ignore-case -E --extended-regexp -F --fixed-strings
  --all-match --invert-grep --cc -m -n --max-count --skip`
const LOG_VALUED = `--format --pretty --date --since --after --until --before --author --committer --grep --max-count
  --skip --max-parents --min-parents --decorate`
const LOG_ATTACHED = /^-(n\d+|\d+|S.+|G.+)$/

const table = (flags: string, valued: string, attached: RegExp): OptionTable => ({
  flags: set(flags),
  withValue: set(valued),
  attached
})

const LOG = table(`${DIFF_FLAGS} ${LOG_FLAGS}`, `${DIFF_VALUED} ${LOG_VALUED}`, new RegExp(`${DIFF_ATTACHED.source}|${LOG_ATTACHED.source}`))

const STATUS = table(
  `-s --short -b --branch --long -v --verbose -z --show-stash --ahead-behind --no-ahead-behind --renames --no-renames
   --porcelain -u --untracked-files --ignored --no-column -sb`,
  "--porcelain --untracked-files --ignored --ignore-submodules --find-renames",
  /^-u(no|normal|all)$/
)

/** `git branch` options that only list; anything creating, renaming, deleting or editing is absent. */
const BRANCH = table(
  `-a --all -r --remotes -v -vv --verbose -l --list --show-current --no-color --color --no-abbrev -i --ignore-case
   --contains --no-contains --merged --no-merged --points-at`,
  "--color --sort --format --contains --no-contains --merged --no-merged --points-at --abbrev",
  /^$/
)
/** These put `git branch` in list mode, where positional arguments are patterns or commits, never new branch names. */
const BRANCH_LIST_MODE = set("-l --list --contains --no-contains --merged --no-merged --points-at")

const SUBCOMMANDS: Readonly<Record<string, OptionTable>> = {
  status: STATUS,
  log: LOG,
  show: LOG,
  diff: table(`${DIFF_FLAGS} --cached --staged --merge-base`, DIFF_VALUED, DIFF_ATTACHED),
  branch: BRANCH
}

const isAllowedOption = (arg: string, options: OptionTable) => {
  if (options.flags.has(arg) || options.attached.test(arg)) return true
  const equals = arg.indexOf("=")
  return arg.startsWith("--") && equals > 2 && options.withValue.has(arg.slice(0, equals))
}

/** The options of `args` before a `--` (after it, everything is a path). */
const optionsOf = (args: ReadonlyArray<string>) => {
  const end = args.indexOf("--")
  return (end === -1 ? args : args.slice(0, end)).filter((arg) => arg.startsWith("-"))
}

/** Whether `args` name anything besides options: a `--` (paths follow) or a word not starting with `-`. */
const hasPositionals = (args: ReadonlyArray<string>) => args.some((arg) => arg === "--" || !arg.startsWith("-"))

/** True when `git <args>` only reads the repository (see the module comment). */
export const isSafeGitCommand = (args: ReadonlyArray<string>): boolean => {
  const [subcommand, ...rest] = args
  const options = subcommand === undefined ? undefined : SUBCOMMANDS[subcommand]
  if (options === undefined) return false
  const given = optionsOf(rest)
  if (!given.every((arg) => isAllowedOption(arg, options))) return false
  if (subcommand === "branch" && hasPositionals(rest)) {
    return given.some((arg) => BRANCH_LIST_MODE.has(arg.split("=")[0]!))
  }
  return true
}
