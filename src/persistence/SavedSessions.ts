/**
 * Saved conversations as a user manages them: find one by id (to resume it in a new process), list
 * them all with their start, cwd and first prompt, and delete the ones nobody has touched for a
 * while. Nothing else bounds `CODEX_HOME/sessions`, so pruning is how its size is kept in check.
 */
import { closeSync, openSync, readdirSync, readSync, rmdirSync, statSync, unlinkSync } from "node:fs"
import { basename, dirname, sep } from "node:path"
import { archivedSessionsDir, decodeLine, sessionsDir } from "./Rollout.js"
import { ROLLOUT_NAME, rolloutPaths, summarize } from "./RolloutIndex.js"

export interface SavedSession {
  readonly id: string
  readonly path: string
  /** When the conversation started (ISO 8601), from its session meta; undefined if the meta is unreadable. */
  readonly startedAt: string | undefined
  readonly cwd: string | undefined
  /** The first prompt, clipped; empty when the conversation has none yet. */
  readonly firstPrompt: string
  /** When the rollout was last written (a resumed conversation is recent again). */
  readonly lastActiveMs: number
}

/** The rollout of conversation `id`, newest first if there are several, or undefined. */
export const findRollout = (codexHome: string, id: string): string | undefined =>
  rolloutIn(sessionsDir(codexHome), id)

/** The rollout of archived conversation `id` (under `archived_sessions/`), or undefined. */
export const findArchivedRollout = (codexHome: string, id: string): string | undefined =>
  rolloutIn(archivedSessionsDir(codexHome), id)

const rolloutIn = (dir: string, id: string) => rolloutPaths(dir).find((path) => ROLLOUT_NAME.exec(basename(path))?.[1] === id)

/** The first line of a file, read in small pieces: the session meta, however long the rollout. */
const firstLine = (path: string): string => {
  const fd = openSync(path, "r")
  try {
    const chunk = Buffer.alloc(4096)
    let text = ""
    for (let position = 0; text.length < 1024 * 1024; position += chunk.length) {
      const read = readSync(fd, chunk, 0, chunk.length, position)
      text += chunk.subarray(0, read).toString("utf8")
      const newline = text.indexOf("\n")
      if (newline !== -1) return text.slice(0, newline)
      if (read < chunk.length) break
    }
    return text
  } finally {
    closeSync(fd)
  }
}

const describeSession = (path: string): SavedSession | undefined => {
  const summary = summarize(path)
  if (summary === undefined) return undefined
  const meta = decodeLine(firstLine(path))
  const payload = meta._tag === "Some" && meta.value.type === "session_meta" ? meta.value.payload : undefined
  return {
    id: summary.conversationId,
    path,
    startedAt: payload?.timestamp ?? summary.timestamp ?? undefined,
    cwd: payload?.cwd,
    firstPrompt: summary.preview,
    lastActiveMs: statSync(path).mtimeMs
  }
}

/** Every saved conversation, newest first. */
export const listSavedSessions = (codexHome: string): ReadonlyArray<SavedSession> =>
  rolloutPaths(sessionsDir(codexHome)).flatMap((path) => describeSession(path) ?? [])

/**
 * Deletes the conversations last written before `cutoffMs` (or, with `dryRun`, only says which), and
 * the day and month directories left empty. Returns what was (or would be) deleted.
 */
export const pruneSavedSessions = (
  codexHome: string,
  cutoffMs: number,
  options: { readonly dryRun?: boolean } = {}
): ReadonlyArray<SavedSession> => {
  const old = listSavedSessions(codexHome).filter((session) => session.lastActiveMs < cutoffMs)
  if (options.dryRun === true) return old
  const root = sessionsDir(codexHome)
  for (const session of old) {
    unlinkSync(session.path)
    // YYYY/MM/DD: remove each directory the deletion emptied, up to (not including) sessions/.
    for (let dir = dirname(session.path); dir.startsWith(root + sep); dir = dirname(dir)) {
      if (readdirSync(dir).length > 0) break
      rmdirSync(dir)
    }
  }
  return old
}
