/**
 * Conversations on disk: one JSONL rollout per conversation under
 * `CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`. The first line is the session
 * meta; every history item is appended as it is recorded, one line each, so a crash loses at most
 * the line being written and a truncated file still loads up to its last whole line. Compaction
 * writes a `compacted` line holding the whole new history: loading starts over from it. A resumed
 * rollout whose last line was cut is ended with a newline before anything is appended, so the
 * fragment stays a line of its own (skipped on load) instead of swallowing the next item. After each model
 * response an `event_msg` line holds the conversation's token counts so far (`total_token_usage`, the
 * reference's line), so a resumed conversation counts on from them. A rollout the Codex CLI wrote (a shared
 * CODEX_HOME) loads too: its session meta names no model (its `turn_context` lines do) and its other line kinds
 * are skipped.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, writeSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { readUntrustedText } from "../files/UntrustedFile.js"
import { ResponseItem } from "../model/ResponseItem.js"

/** The largest rollout read back (resume); far beyond what a model's context could take again. */
const ROLLOUT_MAX_BYTES = 128 * 1024 * 1024

const SessionMeta = Schema.Struct({
  id: Schema.String,
  timestamp: Schema.String,
  cwd: Schema.String,
  /** Absent in the Codex CLI's rollouts: each of its `turn_context` lines names the model. */
  model: Schema.optionalKey(Schema.String),
  originator: Schema.String,
  instructions: Schema.optionalKey(Schema.NullOr(Schema.String))
})
type SessionMeta = typeof SessionMeta.Type

const RolloutLine = Schema.Union([
  Schema.Struct({ type: Schema.Literal("session_meta"), timestamp: Schema.String, payload: SessionMeta }),
  Schema.Struct({ type: Schema.Literal("response_item"), timestamp: Schema.String, payload: ResponseItem })
])
/** One line of a rollout, or `None` for a torn or unknown line. */
export const decodeLine = Schema.decodeUnknownOption(Schema.fromJsonString(RolloutLine))

/** A conversation's token counts so far, as the reference records them with each response. */
export const TokenTotals = Schema.Struct({
  input_tokens: Schema.Finite,
  cached_input_tokens: Schema.Finite,
  output_tokens: Schema.Finite,
  reasoning_output_tokens: Schema.Finite,
  total_tokens: Schema.Finite
})
export type TokenTotals = typeof TokenTotals.Type

const UsageLine = Schema.Struct({
  type: Schema.Literal("event_msg"),
  payload: Schema.Struct({ type: Schema.Literal("token_count"), info: Schema.Struct({ total_token_usage: TokenTotals }) })
})
const decodeUsageLine = Schema.decodeUnknownOption(Schema.fromJsonString(UsageLine))

/** The Codex CLI's record of a turn's settings: the model its rollouts name nowhere else. */
const TurnContextLine = Schema.Struct({ type: Schema.Literal("turn_context"), payload: Schema.Struct({ model: Schema.String }) })
const decodeTurnContextLine = Schema.decodeUnknownOption(Schema.fromJsonString(TurnContextLine))

/** The history that replaced everything before it (compaction). */
const CompactedLine = Schema.Struct({
  type: Schema.Literal("compacted"),
  timestamp: Schema.String,
  payload: Schema.Struct({ replacement_history: Schema.Array(ResponseItem) })
})
const decodeCompactedLine = Schema.decodeUnknownOption(Schema.fromJsonString(CompactedLine))

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
  /** Records that the history was replaced by `items` (compaction), synchronously. */
  readonly replace: (items: ReadonlyArray<ResponseItem>) => void
  /** Records the conversation's token counts so far, synchronously. */
  readonly recordUsage: (total: TokenTotals) => void
  readonly close: () => void
}

const line = (type: "session_meta" | "response_item" | "compacted" | "event_msg", payload: unknown) =>
  JSON.stringify({ type, timestamp: new Date().toISOString(), payload }) + "\n"

const writerFor = (path: string, fd: number): RolloutWriter => {
  let open = true
  return {
    path,
    append: (items) => {
      if (!open || items.length === 0) return
      writeSync(fd, items.map((item) => line("response_item", item)).join(""))
    },
    replace: (items) => {
      if (open) writeSync(fd, line("compacted", { replacement_history: items }))
    },
    recordUsage: (total) => {
      if (open) writeSync(fd, line("event_msg", { type: "token_count", info: { total_token_usage: total } }))
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

/** Opened without blocking (the path may have been swapped for a FIFO since it was read). */
const REOPEN_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_NONBLOCK | constants.O_NOCTTY

/** Ends a torn last line (a crash mid-write) with a newline, so what is appended next starts a line of its own. */
const endTornLine = (fd: number, size: number) => {
  if (size === 0) return
  const last = Buffer.alloc(1)
  readSync(fd, last, 0, 1, size - 1)
  if (last[0] !== 0x0a) writeSync(fd, "\n")
}

/** Reopens an existing rollout (a regular file) to continue appending (a resumed conversation). */
export const reopenRollout = (path: string): RolloutWriter => {
  const fd = openSync(path, REOPEN_FLAGS)
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new Error(`${path} is not a regular file`)
    endTornLine(fd, stats.size)
  } catch (error) {
    closeSync(fd)
    throw error
  }
  return writerFor(path, fd)
}

interface LoadedRollout {
  readonly meta: SessionMeta
  readonly items: ReadonlyArray<ResponseItem>
  /** The token counts of its last recorded response, if any. */
  readonly usage: TokenTotals | undefined
}

/** Characters decoded between yields: decoding 128 MiB at once would hold the event loop for seconds. */
const CHARS_PER_SLICE = 1024 * 1024

/**
 * A rollout's text, decoded a slice at a time so other conversations keep running meanwhile. Lines
 * that don't parse (a torn line, unknown kinds) are skipped.
 */
export const decodeRollout = Effect.fn("Rollout.decode")(function*(contents: string) {
  let meta: SessionMeta | undefined
  const items: Array<ResponseItem> = []
  let usage: TokenTotals | undefined
  let turnModel: string | undefined
  let sliced = 0
  for (const text of contents.split("\n")) {
    sliced += text.length
    if (sliced >= CHARS_PER_SLICE) {
      sliced = 0
      yield* Effect.yieldNow
    }
    if (text.trim().length === 0) continue
    const parsed = decodeLine(text)
    if (parsed._tag === "None") {
      const compacted = text.startsWith(`{"type":"compacted"`) ? decodeCompactedLine(text) : undefined
      if (compacted?._tag === "Some") items.splice(0, items.length, ...compacted.value.payload.replacement_history)
      // Any key order: a rollout the Codex CLI wrote (a shared CODEX_HOME) carries its counts too.
      const counted = text.includes(`"token_count"`) ? decodeUsageLine(text) : undefined
      if (counted?._tag === "Some") usage = counted.value.payload.info.total_token_usage
      const context = text.includes(`"turn_context"`) ? decodeTurnContextLine(text) : undefined
      if (context?._tag === "Some") turnModel = context.value.payload.model
      continue
    }
    if (parsed.value.type === "session_meta") meta ??= parsed.value.payload
    else items.push(parsed.value.payload)
  }
  const model = meta?.model ?? turnModel
  const loaded: LoadedRollout | undefined = meta === undefined
    ? undefined
    : { meta: model === undefined ? meta : { ...meta, model }, items, usage }
  return loaded
})

/** Reads a rollout from a client-given path: a regular file of at most `ROLLOUT_MAX_BYTES`, read off the event loop. */
export const readRollout = (path: string) =>
  readUntrustedText(path, { maxBytes: ROLLOUT_MAX_BYTES }).pipe(Effect.flatMap(decodeRollout))
