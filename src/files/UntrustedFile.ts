/**
 * Reading a file whose path came from outside the server (a model's patch, a client's request, a
 * config value). One process serves every conversation, so such a read must never stall the event
 * loop or grow memory without bound: the path is opened with `O_NONBLOCK` (a FIFO opens at once
 * instead of waiting for a writer), checked on the open descriptor (so a path swapped after a check
 * changes nothing) to be a regular file no larger than the caller's cap, and read with that cap, so a
 * file that grows while it is read (or a `/proc` file that claims size 0) stays bounded too. FIFOs,
 * devices, sockets and directories are refused before they are even opened: the path is first opened
 * with `O_PATH`, which runs no driver's open (a device's open can act: a camera's light, a tape's
 * rewind, a watchdog armed; a FIFO's releases a waiting writer), and only a regular file found there is
 * then opened for reading, through that descriptor, so nothing can be swapped in between.
 *
 * `readUntrustedFile` reads on libuv's thread pool. `readUntrustedFileSync` is for small files read
 * where the caller is synchronous (config.toml, AGENTS.md): the same checks, the same cap.
 * `isUnreadFifo` is the writing side's one trap: a FIFO nobody reads, which a write would wait on forever.
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, type Stats, statSync } from "node:fs"
import { type FileHandle, open } from "node:fs/promises"
import { Effect, Schema } from "effect"

export class UntrustedFileError extends Schema.TaggedError<UntrustedFileError>()("UntrustedFileError", {
  path: Schema.String,
  problem: Schema.Literals(["missing", "not-a-file", "too-large", "unreadable"]),
  /** What is wrong, without the path (callers put it in their own context). */
  reason: Schema.String,
  /** The system error code (`ENOENT`, `EISDIR`, `EACCES`…), when the problem is one. */
  code: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

export interface ReadLimit {
  /** The most bytes returned. */
  readonly maxBytes: number
  /**
   * `fail` (the default) refuses a larger file; `truncate` returns its first `maxBytes` bytes, for
   * text that is cut to a budget anyway (project docs, a preview).
   */
  readonly oversize?: "fail" | "truncate"
}

/** Nonblocking, and never the controlling terminal; regular files read as usual. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY
/** Linux's `O_PATH` (the same on every architecture Node runs on; Node does not export it). */
const O_PATH = 0o10000000
const CHUNK_BYTES = 1024 * 1024

const MIB = 1024 * 1024
/** `32 MiB`, `512 KiB`: how a cap reads in an error. */
export const formatBytes = (bytes: number): string =>
  bytes >= MIB && bytes % MIB === 0 ? `${bytes / MIB} MiB` : bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`

const kindOf = (stats: Stats) =>
  stats.isFIFO()
    ? "a FIFO"
    : stats.isCharacterDevice()
    ? "a character device"
    : stats.isBlockDevice()
    ? "a block device"
    : stats.isSocket()
    ? "a socket"
    : "of an unknown kind"

const failure = (path: string, problem: UntrustedFileError["problem"], reason: string, code?: string) =>
  new UntrustedFileError({ path, problem, reason, message: `${path}: ${reason}`, ...(code !== undefined ? { code } : {}) })

const notAFile = (path: string, stats: Stats) =>
  stats.isDirectory()
    ? failure(path, "not-a-file", "is a directory", "EISDIR")
    : failure(path, "not-a-file", `not a regular file (${kindOf(stats)})`)

const tooLarge = (path: string, limit: ReadLimit) =>
  failure(path, "too-large", `larger than the ${formatBytes(limit.maxBytes)} limit`)

/** A failed system call as an `UntrustedFileError`. */
const fromSystemError = (path: string, error: unknown): UntrustedFileError => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const text = error instanceof Error ? error.message.replace(/^[A-Z0-9_]+: /, "").replace(/, \w+ '.*'$/, "") : String(error)
  if (code === "ENOENT" || code === "ENOTDIR") return failure(path, "missing", "no such file", code)
  // A socket (or a device with nothing behind it) cannot be opened at all.
  if (code === "ENXIO") return failure(path, "not-a-file", "not a regular file (a socket or a device without a reader)")
  return failure(path, "unreadable", text, code)
}

/** Why the opened file must not be read, if it must not: not a regular file, or larger than the cap says. */
const check = (path: string, stats: Stats, limit: ReadLimit): UntrustedFileError | undefined => {
  if (!stats.isFile()) return notAFile(path, stats)
  if (stats.size > limit.maxBytes && limit.oversize !== "truncate") return tooLarge(path, limit)
  return undefined
}

/** Whatever was read past the cap means the file is larger than allowed (it may have grown). */
const finish = (path: string, chunks: ReadonlyArray<Buffer>, total: number, limit: ReadLimit) => {
  if (total <= limit.maxBytes) return Buffer.concat(chunks, total)
  return limit.oversize === "truncate" ? Buffer.concat(chunks, total).subarray(0, limit.maxBytes) : tooLarge(path, limit)
}

/**
 * How much to read next: the size the file claims (plus one, to see it end) at first, then whole
 * chunks; always a multiple of 8, as some `/proc` files require. Reading stops once past the cap,
 * so at most `maxBytes + CHUNK_BYTES` bytes are ever held.
 */
const nextChunk = (stats: Stats, total: number) =>
  Buffer.allocUnsafe(total === 0 ? Math.min(CHUNK_BYTES, Math.ceil((stats.size + 1) / 8) * 8) : CHUNK_BYTES)

/** Where an open descriptor leads, as the kernel names it. */
const openedPath = (fd: number): string | undefined => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return undefined
  }
}

const refusedByCaller = (path: string) => failure(path, "unreadable", "leads where the server does not read for the model")

const readAll = async (
  path: string,
  handle: FileHandle,
  limit: ReadLimit,
  allowed: ((realPath: string) => boolean) | undefined
): Promise<Buffer | UntrustedFileError> => {
  const stats = await handle.stat()
  const problem = check(path, stats, limit)
  if (problem !== undefined) return problem
  if (allowed !== undefined) {
    const real = openedPath(handle.fd)
    if (real === undefined || !allowed(real)) return refusedByCaller(path)
  }
  const chunks: Array<Buffer> = []
  let total = 0
  // Reading past the cap tells a file that is too large (or grew) from one that is exactly at it.
  while (total <= limit.maxBytes) {
    const chunk = nextChunk(stats, total)
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, total)
    if (bytesRead === 0) break
    chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead))
    total += bytesRead
  }
  return finish(path, chunks, total, limit)
}

/**
 * The bytes of the regular file at `path` (symlinks followed), read off the event loop, at most
 * `limit.maxBytes`; `allowed` as for `readUntrustedFileSync`.
 */
export const readUntrustedFile = Effect.fn("UntrustedFile.read")(function*(
  path: string,
  limit: ReadLimit,
  allowed?: (realPath: string) => boolean
) {
  const result = yield* Effect.acquireUseRelease(
    Effect.tryPromise({
      try: () => openRegular(path),
      catch: (error) => error instanceof UntrustedFileError ? error : fromSystemError(path, error)
    }),
    (handle) => Effect.tryPromise({ try: () => readAll(path, handle, limit, allowed), catch: (error) => fromSystemError(path, error) }),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined))
  )
  return result instanceof UntrustedFileError ? yield* result : result
})

/** The file at `path` opened for reading, if it is a regular file (see the module comment). */
const openRegular = async (path: string): Promise<FileHandle> => {
  const located = await open(path, O_PATH)
  try {
    const found = await located.stat()
    if (!found.isFile()) throw notAFile(path, found)
    return await open(`/proc/self/fd/${located.fd}`, OPEN_FLAGS)
  } finally {
    await located.close().catch(() => undefined)
  }
}

/** `readUntrustedFile` as UTF-8 text. */
export const readUntrustedText = (path: string, limit: ReadLimit) =>
  readUntrustedFile(path, limit).pipe(Effect.map((bytes) => bytes.toString("utf8")))

/**
 * The same checks and cap, synchronously: only for small files (a config, project docs). `allowed`,
 * when given, is asked about the real path of the file that was opened (symlinks followed, on the
 * descriptor, so a link swapped meanwhile changes nothing); a file it refuses is not read.
 */
export const readUntrustedFileSync = (
  path: string,
  limit: ReadLimit,
  allowed?: (realPath: string) => boolean
): Buffer | UntrustedFileError => {
  let fd: number
  try {
    const located = openSync(path, O_PATH)
    try {
      const found = fstatSync(located)
      if (!found.isFile()) return notAFile(path, found)
      fd = openSync(`/proc/self/fd/${located}`, OPEN_FLAGS)
    } finally {
      closeSync(located)
    }
  } catch (error) {
    return fromSystemError(path, error)
  }
  try {
    const stats = fstatSync(fd)
    const problem = check(path, stats, limit)
    if (problem !== undefined) return problem
    if (allowed !== undefined) {
      const real = openedPath(fd)
      if (real === undefined || !allowed(real)) return refusedByCaller(path)
    }
    const chunks: Array<Buffer> = []
    let total = 0
    while (total <= limit.maxBytes) {
      const chunk = nextChunk(stats, total)
      const bytesRead = readSync(fd, chunk, 0, chunk.length, total)
      if (bytesRead === 0) break
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead))
      total += bytesRead
    }
    return finish(path, chunks, total, limit)
  } catch (error) {
    return fromSystemError(path, error)
  } finally {
    closeSync(fd)
  }
}

/** Whether `path` is a FIFO no process reads: opening it to write would block forever (one with a reader, `-o >(cat)`, is fine). */
export const isUnreadFifo = (path: string): boolean => {
  try {
    if (!statSync(path).isFIFO()) return false
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK))
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENXIO"
  }
}
