/**
 * The mounts of a `workspace-write` sandbox, bound by descriptor. Every path was resolved once, when
 * the roots were computed (`WorkspaceRoots`); the server then opens each one and hands bubblewrap the
 * descriptor (`--bind-fd` / `--ro-bind-fd`), so what gets mounted is the directory that was resolved,
 * not whatever the path names by the time bubblewrap gets to it. A path swapped in between (a parent
 * renamed, a symlink left in its place) fails the check made on the open descriptor, and the command
 * is refused instead of starting with the wrong directory writable.
 *
 * Order matters: the writable roots and the pins (see `AncestorPins`) broadest first, so a nested
 * bind is not covered by its parent's; then the read-only paths over what those exposed.
 */
import * as fs from "node:fs"
import type { WorkspaceRoots } from "./WorkspaceRoots.js"

export interface SandboxMount {
  /** A real path, bound at the same path inside the sandbox. */
  readonly path: string
  readonly writable: boolean
}

/** The mounts of `roots`, in the order bubblewrap must make them. */
export const sandboxMounts = (roots: WorkspaceRoots): Array<SandboxMount> => [
  ...[...new Set([...roots.writable, ...roots.pinned])]
    .sort((a, b) => a.length - b.length)
    .map((path) => ({ path, writable: true })),
  ...roots.readOnly.map((path) => ({ path, writable: false }))
]

/** The bubblewrap options for `mounts`, the i-th read from the command's descriptor `firstFd + i`. */
export const mountArgs = (mounts: ReadonlyArray<SandboxMount>, firstFd: number): Array<string> =>
  mounts.flatMap((mount, i) => [mount.writable ? "--bind-fd" : "--ro-bind-fd", String(firstFd + i), mount.path])

/** Mounts opened for one command: the descriptors (in mount order), or which path changed. */
export type OpenedMounts = { readonly fds: ReadonlyArray<number> } | { readonly changed: string; readonly now: string }

/** Linux's `O_PATH` (the same on every architecture Node runs on; Node does not export it). */
const O_PATH = 0o10000000
// A path descriptor: it names the inode without opening it (no read permission needed, no side effect
// on a FIFO or device), and with `O_NOFOLLOW` a final symlink is the link itself, refused below.
const OPEN_FLAGS = O_PATH | fs.constants.O_NOFOLLOW

/** Where an open descriptor is now, as the kernel names it (`… (deleted)` once removed). */
const pathOfFd = (fd: number): string => {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return "(unknown)"
  }
}

export const closeMounts = (fds: ReadonlyArray<number>): void => {
  for (const fd of fds) {
    try {
      fs.closeSync(fd)
    } catch {
      // already closed
    }
  }
}

/**
 * Opens each mount's path and checks that the descriptor names that very path (no component was
 * swapped since it was resolved). On a mismatch every descriptor opened so far is closed again.
 * Node opens with `O_CLOEXEC`: the descriptors reach only the child they are handed to.
 */
export const openMounts = (mounts: ReadonlyArray<SandboxMount>): OpenedMounts => {
  const fds: Array<number> = []
  for (const { path } of mounts) {
    let fd: number
    try {
      fd = fs.openSync(path, OPEN_FLAGS)
    } catch (error) {
      closeMounts(fds)
      return { changed: path, now: (error as NodeJS.ErrnoException).code ?? String(error) }
    }
    fds.push(fd)
    const now = fs.fstatSync(fd).isSymbolicLink() ? "a symlink" : pathOfFd(fd)
    if (now !== path) {
      closeMounts(fds)
      return { changed: path, now }
    }
  }
  return { fds }
}
