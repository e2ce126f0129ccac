/**
 * Values for the agent's log lines (commands, patches, prompts), each cut to a fixed length so one
 * huge argv or prompt cannot turn a log line into megabytes.
 */
import { shlexJoin } from "./exec/ShellQuote.js"

const MAX_CHARS = 200

/** `text`, cut after `max` characters with a note of how much was left out. */
export const boundedText = (text: string, max = MAX_CHARS): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more chars)`

/** The argv as one quoted command line, bounded. */
export const boundedArgv = (argv: ReadonlyArray<string>): string => boundedText(shlexJoin(argv))

/** Paths as a comma-separated list, bounded. */
export const boundedPaths = (paths: ReadonlyArray<string>): string => boundedText(paths.join(", "))
