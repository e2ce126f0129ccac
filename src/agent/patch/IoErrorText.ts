/**
 * File-system errors worded as the reference prints them (Rust's `io::Error`: the C library's
 * `strerror` text and the error number), e.g. `No such file or directory (os error 2)`, so apply_patch
 * failures read the same to the model. Node's own texts come from libuv and differ for several
 * codes (`illegal operation on a directory` for EISDIR), hence the table of glibc texts.
 */
import { constants } from "node:os"

/** glibc's `strerror` for the codes file operations meet. */
const STRERROR: Readonly<Record<string, string>> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EMLINK: "Too many links",
  ENAMETOOLONG: "File name too long",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  ENOTSUP: "Operation not supported",
  ESTALE: "Stale file handle",
  EDQUOT: "Disk quota exceeded"
}

const errnoOf = (code: string): number | undefined => (constants.errno as Record<string, number | undefined>)[code]

/** The error's text in the reference's wording; anything that is not a system error is shown as is. */
export const ioErrorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const code = (error as NodeJS.ErrnoException).code
  const errno = code === undefined ? undefined : errnoOf(code)
  if (code === undefined || errno === undefined) return error.message
  const libuvText = /^[A-Z0-9_]+: ([^,]+)/.exec(error.message)?.[1]
  const text = STRERROR[code] ?? (libuvText === undefined ? code : `${libuvText[0]!.toUpperCase()}${libuvText.slice(1)}`)
  return `${text} (os error ${errno})`
}

/** An error as a system call failing with `code` would raise it (for checks made before calling). */
export const systemError = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: ${STRERROR[code] ?? code}`), { code })

/** `context: io error`, the reference's shape for a failed file operation. */
export const ioFailure = (context: string, error: unknown): string => `${context}: ${ioErrorText(error)}`
