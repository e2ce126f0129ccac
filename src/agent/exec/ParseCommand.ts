/**
 * A short summary of what a command does, for UIs (`exec_command_begin.parsed_cmd`):
 * reading a file, listing files, searching, running tests, linting, formatting. It is a heuristic
 * and only for display: a `bash -lc` plain script is split into its commands, small formatting helpers
 * in a chain (`| head -n 20`, `cd dir &&`) are dropped, and anything not recognised is `unknown`.
 */
import { basename } from "node:path"
import type { ParsedCommand } from "../../rpc/Event.js"
import { bashLcScript, parsePlainScript } from "./BashScript.js"
import { shlexJoin } from "./ShellQuote.js"

/** Programs that only reshape another command's output when given no file of their own. */
const FORMATTING_HELPERS = new Set(["head", "tail", "wc", "sort", "uniq", "cut", "tr", "column", "cat", "nl", "less", "more"])

/** Options that take a value as the next argument, per program (so the value is not taken for a path). */
const OPTIONS_WITH_VALUE: Record<string, ReadonlySet<string>> = {
  head: new Set(["-n", "-c"]),
  tail: new Set(["-n", "-c"]),
  rg: new Set(["-e", "--regexp", "-f", "--file", "-g", "--glob", "-t", "--type", "-T", "--type-not", "-A", "-B", "-C", "-m", "--max-count", "-d", "--max-depth", "-M", "-j"]),
  grep: new Set(["-e", "--regexp", "-f", "--file", "-A", "-B", "-C", "-m", "--max-count"]),
  find: new Set()
}

/** The positional arguments of a command (its options and their values removed). */
const operands = (program: string, args: ReadonlyArray<string>): Array<string> => {
  const withValue = OPTIONS_WITH_VALUE[program] ?? new Set<string>()
  const result: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") return [...result, ...args.slice(i + 1)]
    if (withValue.has(arg)) i++
    else if (!arg.startsWith("-") || arg === "-") result.push(arg)
  }
  return result
}

/** The value of the first of `names` given as `--name value` or `--name=value`. */
const optionValue = (args: ReadonlyArray<string>, names: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    for (const name of names) {
      if (args[i] === name) return args[i + 1]
      if (args[i]!.startsWith(`${name}=`)) return args[i]!.slice(name.length + 1)
    }
  }
  return undefined
}

const withPath = <A extends object>(base: A, path: string | undefined) => (path === undefined ? base : { ...base, path })

const search = (cmd: string, query: string | undefined, path: string | undefined): ParsedCommand =>
  withPath(query === undefined ? { type: "search" as const, cmd } : { type: "search" as const, cmd, query }, path)

const TEST_COMMANDS = [["cargo", "test"], ["go", "test"], ["npm", "test"], ["npm", "run", "test"], ["pnpm", "test"], ["yarn", "test"], ["pytest"], ["vitest"], ["jest"], ["npx", "vitest"], ["npx", "jest"]]
const LINT_COMMANDS = [["cargo", "clippy"], ["eslint"], ["ruff", "check"], ["npm", "run", "lint"], ["pnpm", "lint"], ["flake8"], ["pylint"], ["golangci-lint"]]
const FORMAT_COMMANDS = [["cargo", "fmt"], ["prettier"], ["black"], ["gofmt"], ["rustfmt"], ["ruff", "format"], ["npm", "run", "format"]]

const startsWith = (argv: ReadonlyArray<string>, prefixes: ReadonlyArray<ReadonlyArray<string>>) =>
  prefixes.find((prefix) => prefix.every((word, i) => argv[i] === word))

/** The summary of one simple command. */
const summarize = (argv: ReadonlyArray<string>): ParsedCommand => {
  const cmd = shlexJoin(argv)
  const [program = "", ...args] = argv
  const files = operands(program, args)
  switch (program) {
    case "cat":
    case "head":
    case "tail":
    case "nl":
    case "less":
    case "more":
      return files.length === 1 ? { type: "read", cmd, name: basename(files[0]!) } : { type: "unknown", cmd }
    case "sed":
      return args.length === 3 && args[0] === "-n" && /^\d+(,\d+)?p$/.test(args[1]!)
        ? { type: "read", cmd, name: basename(args[2]!) }
        : { type: "unknown", cmd }
    case "ls":
    case "tree":
      return withPath({ type: "list_files", cmd }, files[0])
    case "find": {
      const name = optionValue(args, ["-name", "-iname", "-path"])
      return name === undefined ? withPath({ type: "list_files", cmd }, files[0]) : search(cmd, name, files[0])
    }
    case "rg":
    case "grep":
    case "egrep":
    case "fgrep":
    case "ag":
    case "fd": {
      if (program === "rg" && args.includes("--files")) return withPath({ type: "list_files", cmd }, files[0])
      const pattern = optionValue(args, ["-e", "--regexp"])
      return pattern === undefined ? search(cmd, files[0], files[1]) : search(cmd, pattern, files[0])
    }
    case "true":
    case ":":
      return { type: "noop", cmd }
  }
  if (startsWith(argv, TEST_COMMANDS) !== undefined) return { type: "test", cmd }
  const lint = startsWith(argv, LINT_COMMANDS)
  if (lint !== undefined) return { type: "lint", cmd, tool: lint.join(" ") }
  const format = startsWith(argv, FORMAT_COMMANDS)
  if (format !== undefined) return { type: "format", cmd, tool: format.join(" ") }
  return { type: "unknown", cmd }
}

/** In a chain, `cd` and output reshapers without their own file say nothing about what the chain does. */
const isIncidental = (argv: ReadonlyArray<string>) => {
  const [program = "", ...args] = argv
  return program === "cd" || (FORMATTING_HELPERS.has(program) && operands(program, args).length === 0)
}

/** The summary of `argv`: one entry per meaningful command; `[{type: "unknown", cmd}]` when nothing better is known. */
export const parseCommand = (argv: ReadonlyArray<string>): Array<ParsedCommand> => {
  const script = bashLcScript(argv)
  const commands = script === undefined ? [argv] : parsePlainScript(script)
  if (commands === undefined || commands.length === 0 || commands.some((command) => command.length === 0)) {
    return [{ type: "unknown", cmd: shlexJoin(argv) }]
  }
  const meaningful = commands.length > 1 ? commands.filter((command) => !isIncidental(command)) : commands
  return (meaningful.length > 0 ? meaningful : commands).map(summarize)
}
