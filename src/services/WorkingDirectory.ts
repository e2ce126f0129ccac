/**
 * Checks of a conversation's working directory. It must exist: a conversation started in a missing directory
 * would fail every command it ran, so it is refused when it starts, naming the directory. `exec`, like the
 * reference, also wants it inside a git repository unless told otherwise.
 */
import { existsSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { Effect } from "effect"
import type { ConversationOverrides, ResolvedConfig } from "../config/ResolvedConfig.js"
import { ConversationConfigError } from "./ConversationLifecycle.js"

/** Why `path` cannot be a conversation's working directory, or undefined when it can. */
const directoryProblem = (path: string): string | undefined => {
  try {
    return statSync(path).isDirectory() ? undefined : "is not a directory"
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be used (${(error as Error).message})`
  }
}

/** Whether `path` is a directory (following symlinks). */
export const isDirectory = (path: string): boolean => directoryProblem(path) === undefined

/** Whether `dir` or one of its ancestors holds a `.git` (a repository or a worktree's link). */
export const insideGitRepository = (dir: string): boolean => {
  for (let current = dir;; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return true
    if (dirname(current) === current) return false
  }
}

/** `config`, or a `ConversationConfigError` when its cwd is not a directory; the request is at fault when it named the cwd. */
export const requireWorkingDirectory = (config: ResolvedConfig, overrides: ConversationOverrides) =>
  Effect.suspend(() => {
    const problem = directoryProblem(config.cwd)
    return problem === undefined
      ? Effect.succeed(config)
      : Effect.fail(
        new ConversationConfigError({
          message: `cwd ${config.cwd} ${problem}`,
          source: overrides.cwd !== undefined ? "request" : "config"
        })
      )
  })
