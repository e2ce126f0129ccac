/**
 * What the files a patch names hold, as planning, applying and the turn diff see them. The paths
 * come from the model, so each is read as an untrusted file: only regular files, at most
 * `PATCH_FILE_MAX_BYTES` each and `PATCH_READ_MAX_BYTES` for all the paths of one snapshot (a patch
 * of a thousand hunks on large files must not read gigabytes). The tool reads a snapshot off the
 * event loop before it plans and again before it applies; `fileStateSync` gives the same answers
 * synchronously for callers that hold no snapshot (tests, embedding programs). The server reads them
 * unsandboxed, so the tool passes `readableForModel`: a path the model linked to one of the server's
 * secrets reads as unreadable.
 */
import { Effect } from "effect"
import {
  formatBytes,
  readUntrustedFile,
  readUntrustedFileSync,
  type UntrustedFileError
} from "../../files/UntrustedFile.js"
import { systemError } from "./IoErrorText.js"

/**
 * The largest file apply_patch reads (to update, delete, or overwrite it). Planning and diffing run
 * on the event loop and cost about 1.5 s per 8 MiB here, so the cap bounds that stall too.
 */
export const PATCH_FILE_MAX_BYTES = 8 * 1024 * 1024
/** The most bytes one snapshot reads over all its paths. */
export const PATCH_READ_MAX_BYTES = 32 * 1024 * 1024

/** What a path held when it was read: nothing, a file's bytes, or something unreadable (a FIFO…). */
export type FileState =
  | { readonly kind: "absent" }
  | { readonly kind: "file"; readonly bytes: Buffer }
  | { readonly kind: "unreadable"; readonly error: unknown }

/** The state of each path of a snapshot. */
export type FileStates = (path: string) => FileState

/** A refusal as the error apply_patch reports: a system error keeps its code (so its text reads as the OS's). */
const stateOfError = (error: UntrustedFileError): FileState =>
  error.problem === "missing"
    ? { kind: "absent" }
    : { kind: "unreadable", error: error.code !== undefined ? systemError(error.code) : new Error(error.reason) }

const overBudget: FileState = {
  kind: "unreadable",
  error: new Error(`the patch's files add up to more than ${formatBytes(PATCH_READ_MAX_BYTES)}`)
}

const limitFor = (used: number) => ({ maxBytes: Math.min(PATCH_FILE_MAX_BYTES, PATCH_READ_MAX_BYTES - used) })

/** Decides, on the opened file's real path, whether it may be read (see `readableForModel`); none means any. */
export type ReadAllowed = ((realPath: string) => boolean) | undefined

/** Reads what `path` holds now (following symlinks), synchronously; bounded like a snapshot's single file. */
export const fileStateSync = (path: string, allowed?: ReadAllowed): FileState => {
  const read = readUntrustedFileSync(path, limitFor(0), allowed)
  return Buffer.isBuffer(read) ? { kind: "file", bytes: read } : stateOfError(read)
}

/**
 * Reads every one of `paths` off the event loop, one at a time, within the snapshot budget. A path
 * asked for later that the snapshot does not hold is read synchronously (it should not happen).
 */
export const readFileStates = Effect.fn("FileStates.read")(function*(paths: Iterable<string>, allowed?: ReadAllowed) {
  const states = new Map<string, FileState>()
  let used = 0
  for (const path of new Set(paths)) {
    if (used >= PATCH_READ_MAX_BYTES) {
      states.set(path, overBudget)
      continue
    }
    const read = yield* readUntrustedFile(path, limitFor(used), allowed).pipe(Effect.result)
    if (read._tag === "Failure") {
      const tooLargeForBudget = read.failure.problem === "too-large" && limitFor(used).maxBytes < PATCH_FILE_MAX_BYTES
      states.set(path, tooLargeForBudget ? overBudget : stateOfError(read.failure))
      continue
    }
    used += read.success.length
    states.set(path, { kind: "file", bytes: read.success })
  }
  return (path: string): FileState => states.get(path) ?? fileStateSync(path, allowed)
})
