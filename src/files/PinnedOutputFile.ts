/**
 * A file the server writes for the user after commands ran (`exec --output-last-message`). The path is
 * the user's, but it usually lies in the workspace, where the model's commands can replace the file
 * with a symlink to `~/.bashrc` or the directory with one to `~/.ssh`: a write that follows them puts
 * the model's text anywhere the user can write, outside every sandbox.
 *
 * So the path is resolved when the run starts, before any command: its directory is opened then
 * (`O_PATH`) and the file is created at the end through that descriptor, with `O_NOFOLLOW` on the last
 * component. A directory renamed meanwhile is still the one written; a link in its place or in the
 * file's is refused. A directory missing at the start is one the model could make (or link), so it is
 * refused too. A path through `/dev` or `/proc` (`/dev/stdout`, `-o >(cat)`) is the caller's own
 * descriptor, which no command can change: it is written as named.
 */
import { closeSync, constants, openSync, realpathSync, writeSync } from "node:fs"
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path"
import { isUnreadFifo } from "./UntrustedFile.js"

/** Linux's `O_PATH` (the same on every architecture Node runs on; Node does not export it). */
const O_PATH = 0o10000000
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NOCTTY

export type PinnedOutputFile =
  | { readonly _tag: "Pinned"; readonly directory: number; readonly name: string }
  | { readonly _tag: "AsNamed"; readonly path: string }
  | { readonly _tag: "Unusable"; readonly reason: string }

const isInside = (root: string, path: string) => {
  const rel = relative(root, path)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}
const isCallerDescriptor = (path: string) => ["/dev", "/proc"].some((root) => isInside(root, path))

/** The system's reason without the path it was given (a `/proc/self/fd` path the user never named). */
const errorText = (error: unknown) => (error instanceof Error ? error.message.replace(/, open '.*'$/s, "") : String(error))

/** Resolves `path` now: call before the turn starts. */
export const pinOutputFile = (path: string): PinnedOutputFile => {
  const absolute = resolve(path)
  if (isCallerDescriptor(absolute)) return { _tag: "AsNamed", path: absolute }
  // A link the user left at the path is followed now, once: the user's, not the model's.
  let target = absolute
  try {
    target = realpathSync(absolute)
  } catch {
    // Not there yet: created at the end, in the directory as resolved now.
  }
  if (isCallerDescriptor(target)) return { _tag: "AsNamed", path: absolute }
  try {
    const directory = realpathSync(dirname(target))
    return { _tag: "Pinned", directory: openSync(directory, O_PATH | constants.O_DIRECTORY), name: basename(target) }
  } catch (error) {
    return { _tag: "Unusable", reason: `its directory could not be opened when the run started (${errorText(error)})` }
  }
}

/** Writes `text` where `pinned` was resolved; the reason it could not, or undefined. */
export const writePinnedOutputFile = (pinned: PinnedOutputFile, text: string): string | undefined => {
  if (pinned._tag === "Unusable") return pinned.reason
  const path = pinned._tag === "AsNamed" ? pinned.path : `/proc/self/fd/${pinned.directory}/${pinned.name}`
  if (isUnreadFifo(path)) return "a FIFO that no process reads"
  let fd: number | undefined
  try {
    fd = openSync(path, pinned._tag === "AsNamed" ? WRITE_FLAGS & ~constants.O_NOFOLLOW : WRITE_FLAGS, 0o666)
    const bytes = Buffer.from(text, "utf8")
    for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ELOOP"
      ? "it was replaced by a symbolic link during the run"
      : errorText(error)
  } finally {
    if (fd !== undefined) closeSync(fd)
    if (pinned._tag === "Pinned") closeSync(pinned.directory)
  }
}
