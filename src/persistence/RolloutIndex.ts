/**
 * Finding saved conversations: list the rollouts under `CODEX_HOME/sessions` newest first, a page at
 * a time, with a preview (the first real user message), and archive one by moving it to
 * `CODEX_HOME/archived_sessions/`.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs"
import { basename, join, relative, resolve, sep } from "node:path"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { ConversationSummary } from "../rpc/ConversationApi.js"
import { readUntrustedFileSync } from "../files/UntrustedFile.js"
import { archivedSessionsDir, decodeLine, sessionsDir } from "./Rollout.js"

export const ROLLOUT_NAME = /^rollout-.+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/
const PREVIEW_BYTES = 64 * 1024
const PREVIEW_CHARS = 200
const CONTEXT_PREFIXES = ["<user_instructions>", "<environment_context>"]

/** Every rollout path under `root`, newest first (names start with their local timestamp). */
export const rolloutPaths = (root: string): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile() && ROLLOUT_NAME.test(entry.name)) found.push(path)
    }
  }
  walk(root)
  return found.sort((a, b) => (basename(a) < basename(b) ? 1 : basename(a) > basename(b) ? -1 : 0))
}

/** The whole lines of the rollout's first `PREVIEW_BYTES`; nothing for anything but a regular file. */
const readHead = (path: string): string => {
  const head = readUntrustedFileSync(path, { maxBytes: PREVIEW_BYTES, oversize: "truncate" })
  if (!Buffer.isBuffer(head)) return ""
  const text = head.toString("utf8")
  return head.length === PREVIEW_BYTES ? text.slice(0, text.lastIndexOf("\n") + 1) : text
}

/** A user message's text as a conversation's preview; undefined for anything else (the context messages too). */
export const previewOf = (item: ResponseItem): string | undefined => {
  if (item.type !== "message" || item.role !== "user") return undefined
  const text = item.content.find((part) => part.type === "input_text")?.text
  if (text === undefined || CONTEXT_PREFIXES.some((prefix) => text.startsWith(prefix))) return undefined
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text
}

export const summarize = (path: string): ConversationSummary | undefined => {
  const name = ROLLOUT_NAME.exec(basename(path))
  if (name === null) return undefined
  let preview = ""
  let timestamp: string | null = null
  for (const line of readHead(path).split("\n")) {
    const parsed = decodeLine(line)
    if (parsed._tag === "None") continue
    const entry = parsed.value
    if (entry.type === "session_meta") timestamp = entry.payload.timestamp
    else {
      const text = previewOf(entry.payload)
      if (text !== undefined) {
        preview = text
        break
      }
    }
  }
  return { conversationId: name[1]!, path, preview, timestamp }
}

interface RolloutPage {
  readonly items: ReadonlyArray<ConversationSummary>
  readonly nextCursor?: string
}

/**
 * A page of saved conversations (or of the archived ones), newest first. The cursor is opaque to clients:
 * the last item's file name.
 */
export const listRollouts = (codexHome: string, pageSize = 25, cursor?: string, archived = false): RolloutPage => {
  const all = rolloutPaths(archived ? archivedSessionsDir(codexHome) : sessionsDir(codexHome))
  const start = cursor === undefined ? 0 : all.findIndex((path) => basename(path) < cursor)
  if (start === -1) return { items: [] }
  const page = all.slice(start, start + pageSize)
  const items = page.flatMap((path) => summarize(path) ?? [])
  const hasMore = start + pageSize < all.length
  return hasMore && page.length > 0 ? { items, nextCursor: basename(page[page.length - 1]!) } : { items }
}

const isInside = (root: string, path: string) => {
  const rel = relative(resolve(root), resolve(path))
  return rel.length > 0 && !rel.startsWith("..") && !rel.startsWith(sep)
}

/** Moves a conversation's rollout to `archived_sessions/`; the error says what is wrong. */
export const archiveRollout = (codexHome: string, conversationId: string, rolloutPath: string): string | undefined => {
  if (!isInside(sessionsDir(codexHome), rolloutPath)) {
    return `rollout path ${rolloutPath} is not under ${sessionsDir(codexHome)}`
  }
  const name = ROLLOUT_NAME.exec(basename(rolloutPath))
  if (name === null || name[1] !== conversationId) {
    return `rollout ${rolloutPath} does not belong to conversation ${conversationId}`
  }
  if (!existsSync(rolloutPath) || !statSync(rolloutPath).isFile()) return `rollout not found: ${rolloutPath}`
  const target = archivedSessionsDir(codexHome)
  mkdirSync(target, { recursive: true })
  renameSync(rolloutPath, join(target, basename(rolloutPath)))
  return undefined
}

/** `YYYY/MM/DD` of a rollout's name (`rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl`), where it is kept under sessions/. */
const DAY_OF_NAME = /^rollout-(\d{4})-(\d{2})-(\d{2})T/

/** Moves conversation `id`'s rollout back from `archived_sessions/` to its day under `sessions/`; its new path, or undefined when none is archived. */
export const unarchiveRollout = (codexHome: string, conversationId: string): string | undefined => {
  const archived = rolloutPaths(archivedSessionsDir(codexHome))
    .find((path) => ROLLOUT_NAME.exec(basename(path))?.[1] === conversationId)
  if (archived === undefined) return undefined
  const day = DAY_OF_NAME.exec(basename(archived))
  const target = day === null ? sessionsDir(codexHome) : join(sessionsDir(codexHome), day[1]!, day[2]!, day[3]!)
  mkdirSync(target, { recursive: true })
  const path = join(target, basename(archived))
  renameSync(archived, path)
  return path
}
