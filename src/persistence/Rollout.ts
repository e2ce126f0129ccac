/**
 * Conversations on disk: one JSONL rollout per conversation under
 * `CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`. The first line is the session
 * meta; every history item is appended as it is recorded, one line each, so a crash loses at most
 * the line being written and a truncated file still loads up to its last whole line.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { ResponseItem } from "../model/ResponseItem.js"

export const SessionMeta = Schema.Struct({
  id: Schema.String,
  timestamp: Schema.String,
  cwd: Schema.String,
  model: Schema.String,
  originator: Schema.String,
  instructions: Schema.NullOr(Schema.String)
})
export type SessionMeta = typeof SessionMeta.Type

const RolloutLine = Schema.Union([
  Schema.Struct({ type: Schema.Literal("session_meta"), timestamp: Schema.String, payload: SessionMeta }),
  Schema.Struct({ type: Schema.Literal("response_item"), timestamp: Schema.String, payload: ResponseItem })
])
/** One line of a rollout, or `None` for a torn or unknown line. */
export const decodeLine = Schema.decodeUnknownOption(Schema.fromJsonString(RolloutLine))

const pad = (n: number) => String(n).padStart(2, "0")

/** `YYYY-MM-DDThh-mm-ss` in local time, as the reference names its files. */
const fileTimestamp = (date: Date) =>
  `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}-${
    pad(date.getMinutes())
  }-${pad(date.getSeconds())}`

export const sessionsDir = (codexHome: string) => join(codexHome, "sessions")
export const archivedSessionsDir = (codexHome: string) => join(codexHome, "archived_sessions")

export interface RolloutWriter {
  readonly path: string
  /** Appends items, one line each, synchronously: when it returns, the lines are in the file. */
  readonly append: (items: ReadonlyArray<ResponseItem>) => void
  readonly close: () => void
}

const line = (type: "session_meta" | "response_item", payload: unknown) =>
  JSON.stringify({ type, timestamp: new Date().toISOString(), payload }) + "\n"

const writerFor = (path: string, fd: number): RolloutWriter => {
  let open = true
  return {
    path,
    append: (items) => {
      if (!open || items.length === 0) return
      writeSync(fd, items.map((item) => line("response_item", item)).join(""))
    },
    close: () => {
      if (!open) return
      open = false
      closeSync(fd)
    }
  }
}

/** Creates a new rollout file and writes its meta line. */
export const createRollout = (codexHome: string, meta: Omit<SessionMeta, "timestamp">, now = new Date()): RolloutWriter => {
  const dir = join(sessionsDir(codexHome), String(now.getFullYear()), pad(now.getMonth() + 1), pad(now.getDate()))
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `rollout-${fileTimestamp(now)}-${meta.id}.jsonl`)
  const fd = openSync(path, "a", 0o600)
  writeSync(fd, line("session_meta", { ...meta, timestamp: now.toISOString() }))
  return writerFor(path, fd)
}

/** Reopens an existing rollout to continue appending (a resumed conversation). */
export const reopenRollout = (path: string): RolloutWriter => writerFor(path, openSync(path, "a", 0o600))

export interface LoadedRollout {
  readonly meta: SessionMeta
  readonly items: ReadonlyArray<ResponseItem>
}

/** Reads a rollout; lines that don't parse (a torn last line, unknown kinds) are skipped. */
export const readRollout = (path: string): LoadedRollout | undefined => {
  let meta: SessionMeta | undefined
  const items: Array<ResponseItem> = []
  for (const text of readFileSync(path, "utf8").split("\n")) {
    if (text.trim().length === 0) continue
    const parsed = decodeLine(text)
    if (parsed._tag === "None") continue
    if (parsed.value.type === "session_meta") meta ??= parsed.value.payload
    else items.push(parsed.value.payload)
  }
  return meta === undefined ? undefined : { meta, items }
}
