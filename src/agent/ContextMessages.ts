/**
 * The two context messages recorded at the start of every conversation:
 * user instructions from `CODEX_HOME/AGENTS.md` and the project's `AGENTS.md` files (or the configured
 * fallback names where a directory has none), and the
 * `<environment_context>` block that tells the model where it is and what it may do.
 */
import { existsSync, realpathSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { readUntrustedFileSync } from "../files/UntrustedFile.js"
import { codexHomeProtectedPaths } from "./exec/CodexHomeMask.js"
import { isInsideOrEqual } from "../files/RealPaths.js"
import { PSEUDO_FILE_SYSTEMS } from "../files/ModelReadable.js"
import type { AskForApproval, SandboxPolicy } from "../rpc/Enums.js"

const PROJECT_DOC = "AGENTS.md"

/** The most read of one AGENTS.md (before the project-doc budget cuts it further). */
const DOC_READ_MAX_BYTES = 1024 * 1024

/** A doc's trimmed text; nothing for an empty, missing or special file (a FIFO named AGENTS.md is skipped, not waited on). */
const readTrimmed = (path: string, allowed?: (realPath: string) => boolean): string | undefined => {
  const bytes = readUntrustedFileSync(path, { maxBytes: DOC_READ_MAX_BYTES, oversize: "truncate" }, allowed)
  if (!Buffer.isBuffer(bytes)) return undefined
  const text = bytes.toString("utf8").trim()
  return text.length > 0 ? text : undefined
}

/**
 * Directories from the project root (the nearest ancestor holding one of `rootMarkers`, `.git` by
 * default) down to `cwd`; just `cwd` when no ancestor has one, or when there are no markers.
 */
const projectDocDirectories = (cwd: string, rootMarkers: ReadonlyArray<string>): ReadonlyArray<string> => {
  let start: string
  try {
    start = realpathSync(cwd)
  } catch {
    return []
  }
  const chain: Array<string> = []
  for (let dir = start; ; dir = dirname(dir)) {
    chain.unshift(dir)
    if (rootMarkers.some((marker) => existsSync(join(dir, marker)))) return chain
    if (dirname(dir) === dir) return [start]
  }
}

/**
 * Where a project doc may lead. The project's files are the model's: a command can make AGENTS.md a
 * symlink to the server's `/proc/self/environ` or to CODEX_HOME's `auth.json`, files no command can
 * read, and the server (unsandboxed) would put them in the next conversation's context. So a doc is
 * read only where a sandboxed command could read it too: not in CODEX_HOME (unless the project is
 * kept there, see `codexHomeProtectedPaths`) and not in a pseudo file system.
 */
const projectDocAllowed = (codexHome: string, cwd: string) => (real: string): boolean =>
  !PSEUDO_FILE_SYSTEMS.some((root) => isInsideOrEqual(root, real)) &&
  !codexHomeProtectedPaths(codexHome, [cwd], [real]).some((path) => isInsideOrEqual(realOrSame(path), real))

const realOrSame = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

interface ProjectDocOptions {
  readonly maxBytes: number
  /** Decides, on the opened file's real path, whether a doc may be read (see `projectDocAllowed`). */
  readonly allowed: (realPath: string) => boolean
  /** Names tried in order in a directory whose AGENTS.md is missing or empty. */
  readonly fallbackFilenames: ReadonlyArray<string>
  readonly rootMarkers: ReadonlyArray<string>
}

/** The first doc of `dir` with text: AGENTS.md, else each fallback name. Names are plain file names, never paths. */
const readDirectoryDoc = (dir: string, fallbackFilenames: ReadonlyArray<string>, allowed: (realPath: string) => boolean): string | undefined => {
  for (const name of [PROJECT_DOC, ...fallbackFilenames]) {
    if (name === "" || basename(name) !== name || name === "..") continue
    const text = readTrimmed(join(dir, name), allowed)
    if (text !== undefined) return text
  }
  return undefined
}

/** The project's docs, root first, within `maxBytes` in total (later files truncated). */
const readProjectDocs = (cwd: string, options: ProjectDocOptions): string | undefined => {
  const parts: Array<string> = []
  let budget = options.maxBytes
  for (const dir of projectDocDirectories(cwd, options.rootMarkers)) {
    if (budget <= 0) break
    const text = readDirectoryDoc(dir, options.fallbackFilenames, options.allowed)
    if (text === undefined) continue
    const bytes = Buffer.from(text, "utf8")
    const kept = bytes.length > budget ? bytes.subarray(0, budget).toString("utf8") : text
    budget -= Math.min(bytes.length, budget)
    parts.push(kept)
  }
  return parts.length > 0 ? parts.join("\n\n") : undefined
}

/** Global instructions from `CODEX_HOME/AGENTS.md` joined with the project docs. */
export const loadUserInstructions = (options: {
  readonly codexHome: string
  readonly cwd: string
  readonly projectDocMaxBytes: number
  readonly projectDocFallbackFilenames?: ReadonlyArray<string>
  readonly projectRootMarkers?: ReadonlyArray<string>
}): string | undefined => {
  const global = readTrimmed(join(options.codexHome, PROJECT_DOC))
  const project = options.projectDocMaxBytes > 0
    ? readProjectDocs(options.cwd, {
      maxBytes: options.projectDocMaxBytes,
      allowed: projectDocAllowed(options.codexHome, options.cwd),
      fallbackFilenames: options.projectDocFallbackFilenames ?? [],
      rootMarkers: options.projectRootMarkers ?? [".git"]
    })
    : undefined
  if (global !== undefined && project !== undefined) return `${global}\n\n--- project-doc ---\n\n${project}`
  return global ?? project
}

export const userInstructionsText = (instructions: string) =>
  `<user_instructions>\n\n${instructions}\n\n</user_instructions>`

interface EnvironmentContext {
  readonly cwd: string
  readonly approvalPolicy: AskForApproval
  readonly sandboxPolicy: SandboxPolicy
  readonly shell?: string | undefined
}

export const networkAccessOf = (policy: SandboxPolicy): "restricted" | "enabled" => {
  switch (policy.mode) {
    case "danger-full-access":
      return "enabled"
    case "read-only":
      return "restricted"
    case "workspace-write":
      return policy.network_access === true ? "enabled" : "restricted"
  }
}

/** An environment context naming only what changed (after `override_turn_context`). */
export const environmentContextUpdateText = (context: Partial<EnvironmentContext>): string => {
  const lines = ["<environment_context>"]
  if (context.cwd !== undefined) lines.push(`  <cwd>${context.cwd}</cwd>`)
  if (context.approvalPolicy !== undefined) lines.push(`  <approval_policy>${context.approvalPolicy}</approval_policy>`)
  if (context.sandboxPolicy !== undefined) {
    lines.push(`  <sandbox_mode>${context.sandboxPolicy.mode}</sandbox_mode>`)
    lines.push(`  <network_access>${networkAccessOf(context.sandboxPolicy)}</network_access>`)
  }
  lines.push("</environment_context>")
  return lines.join("\n")
}

export const environmentContextText = (context: EnvironmentContext): string => {
  const lines = [
    "<environment_context>",
    `  <cwd>${context.cwd}</cwd>`,
    `  <approval_policy>${context.approvalPolicy}</approval_policy>`,
    `  <sandbox_mode>${context.sandboxPolicy.mode}</sandbox_mode>`,
    `  <network_access>${networkAccessOf(context.sandboxPolicy)}</network_access>`
  ]
  if (context.shell !== undefined) lines.push(`  <shell>${basename(context.shell)}</shell>`)
  lines.push("</environment_context>")
  return lines.join("\n")
}
