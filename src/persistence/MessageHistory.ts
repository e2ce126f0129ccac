/**
 * Cross-session message history: `CODEX_HOME/history.jsonl`, one `{"session_id","ts","text"}` line
 * per user message (`ts` in unix seconds), mode 0600, shared by every server process using that
 * CODEX_HOME. `history_log_id` is the file's inode and an entry's offset is its line number.
 *
 * Concurrency. Node has no flock, so writers take a lock file (`history.jsonl.lock`, created with
 * O_EXCL: exactly one creator wins, on every local filesystem and NFSv3+), retrying with short
 * jittered waits. Under the lock a line is appended with one O_APPEND write, and trimming to
 * `max_bytes` rewrites the file (temp file + rename) without racing an append. Without the lock,
 * O_APPEND alone keeps whole lines apart on a local Linux filesystem, but a trim could drop lines
 * appended while it copies. A lock left by a crashed writer is broken once it is older than
 * `STALE_LOCK_MS`, far longer than any append holds it. Readers take no lock: they see the old file
 * or the new one, never a half-written rename.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync
} from "node:fs"
import { open } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Random, Schema } from "effect"
import type { MessageHistorySettings } from "../config/ResolvedConfig.js"
import { HistoryEntry } from "../rpc/Event.js"

export class MessageHistoryError extends Schema.TaggedError<MessageHistoryError>()("MessageHistoryError", {
  message: Schema.String
}) {}

export const historyFilePath = (codexHome: string) => join(codexHome, "history.jsonl")
const lockPathOf = (file: string) => `${file}.lock`

/** Attempts to take the lock before an append gives up (with waits of 5–25 ms: a few seconds in all). */
const LOCK_ATTEMPTS = 200
/**
 * A trim keeps this share of `max_bytes`, so the file is rewritten once per many appends rather than
 * on every append once it is full.
 */
const TRIM_TO_SHARE = 0.8
/** A lock this old was left by a writer that died holding it. */
const STALE_LOCK_MS = 10_000

const failure = (what: string, error: unknown) =>
  new MessageHistoryError({ message: `${what}: ${error instanceof Error ? error.message : String(error)}` })

/** Takes the lock if it is free; `false` when another writer holds it. */
const tryLock = (lock: string): boolean => {
  try {
    const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    writeSync(fd, `${process.pid}\n`)
    closeSync(fd)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock)
    } catch {
      // released (or broken) meanwhile: the next attempt will tell
    }
    return false
  }
}

/** Removes our lock; one already gone was broken as stale by another writer, which changes nothing here. */
const releaseLock = (lock: string) => {
  try {
    unlinkSync(lock)
  } catch {
    // already removed
  }
}

const withLock = <A>(file: string, body: () => A): Effect.Effect<A, MessageHistoryError> => {
  const lock = lockPathOf(file)
  const attempt = (left: number): Effect.Effect<A, MessageHistoryError> =>
    Effect.try({ try: () => tryLock(lock), catch: (error) => failure(`cannot lock ${lock}`, error) }).pipe(
      Effect.flatMap((locked) => {
        if (locked) {
          return Effect.try({ try: body, catch: (error) => failure(`cannot write ${file}`, error) }).pipe(
            Effect.ensuring(Effect.sync(() => releaseLock(lock)))
          )
        }
        if (left <= 1) return Effect.fail(new MessageHistoryError({ message: `${lock} stayed locked; history entry not saved` }))
        return Random.nextIntBetween(5, 25).pipe(
          Effect.flatMap((ms) => Effect.sleep(ms)),
          Effect.andThen(Effect.suspend(() => attempt(left - 1)))
        )
      })
    )
  return attempt(LOCK_ATTEMPTS)
}

/** Writes all of `bytes` (a short write is continued, never interleaved: the lock is held). */
const writeAll = (fd: number, bytes: Buffer) => {
  let written = 0
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
}

/** Keeps the newest whole lines that fit `maxBytes`, written to a temp file and renamed over the original. */
const trim = (file: string, maxBytes: number) => {
  const contents = readFileSync(file)
  let start = contents.length
  // Walk back line by line while the kept tail still fits.
  for (;;) {
    const previous = start <= 1 ? -1 : contents.lastIndexOf(0x0a, start - 2)
    const candidate = previous + 1
    if (start === 0 || contents.length - candidate > maxBytes) break
    start = candidate
  }
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, contents.subarray(start), { mode: 0o600 })
  renameSync(temp, file)
}

/** Appends `text` as this session's entry (nothing with `persistence = "none"`). */
export const appendHistoryEntry = (
  codexHome: string,
  settings: MessageHistorySettings,
  entry: { readonly sessionId: string; readonly text: string }
): Effect.Effect<void, MessageHistoryError> => {
  if (settings.persistence === "none") return Effect.void
  const file = historyFilePath(codexHome)
  const line = Buffer.from(
    JSON.stringify({ session_id: entry.sessionId, ts: Math.floor(Date.now() / 1000), text: entry.text }) + "\n"
  )
  return withLock(file, () => {
    const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600)
    let size: number
    try {
      fchmodSync(fd, 0o600)
      writeAll(fd, line)
      size = fstatSync(fd).size
    } finally {
      closeSync(fd)
    }
    if (settings.maxBytes !== undefined && size > settings.maxBytes) trim(file, Math.floor(settings.maxBytes * TRIM_TO_SHARE))
  })
}

/** Calls `visit` with each line of `file` and its number until it returns `false`; the file's inode. */
const scanLines = (file: string, visit: (line: string, index: number) => boolean) =>
  Effect.tryPromise({
    try: async () => {
      const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
      try {
        const stats = await handle.stat()
        if (!stats.isFile()) return { inode: 0 }
        let index = 0
        for await (const line of handle.readLines()) {
          if (!visit(line, index++)) break
        }
        return { inode: stats.ino }
      } finally {
        await handle.close()
      }
    },
    catch: (error) => error
  }).pipe(
    Effect.catch((error) =>
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? Effect.succeed({ inode: 0 })
        : Effect.fail(failure("cannot read the message history", error))
    )
  )

export interface HistoryMetadata {
  /** The file's inode (0 when there is no file yet). */
  readonly logId: number
  readonly entryCount: number
}

/** What `session_configured` reports: the file's inode and how many entries it holds. */
export const historyMetadata = (codexHome: string): Effect.Effect<HistoryMetadata, MessageHistoryError> => {
  let count = 0
  return scanLines(historyFilePath(codexHome), () => {
    count++
    return true
  }).pipe(Effect.map(({ inode }) => ({ logId: inode, entryCount: count })))
}

const decodeEntry = Schema.decodeUnknownOption(Schema.fromJsonString(HistoryEntry))

/** Entry number `offset` of the history file `logId`; undefined when the file was replaced or is shorter. */
export const historyEntryAt = (
  codexHome: string,
  logId: number,
  offset: number
): Effect.Effect<HistoryEntry | undefined, MessageHistoryError> => {
  let found: string | undefined
  return scanLines(historyFilePath(codexHome), (line, index) => {
    if (index < offset) return true
    found = line
    return false
  }).pipe(Effect.map(({ inode }) => {
    if (inode !== logId || found === undefined) return undefined
    const decoded = decodeEntry(found)
    return decoded._tag === "Some" ? decoded.value : undefined
  }))
}
