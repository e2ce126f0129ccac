/**
 * Whether a patch stays inside the writable roots. Paths are resolved against the working directory,
 * then compared after resolving symlinks in the part of each path that exists, so `..`, absolute
 * paths and symlinked directories (or files) cannot escape a root. Read-only paths inside the roots
 * (`.git`, CODEX_HOME…) do not count as writable, nor does anything under a `.git` directory at any
 * depth: git config and hooks there run code later. Stricter than the reference, which compares
 * normalised paths without touching the file system.
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs"
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path"

/** A patch path as an absolute path: relative paths are taken from `cwd`; `..` is folded. */
export const resolvePatchPath = (cwd: string, path: string): string => resolve(cwd, path)

/** Symlinks followed at most (as the kernel's limit), so a link loop cannot recurse forever. */
const MAX_LINKS = 40

/** Never throws: a path the file system refuses (too long, not a directory on the way) is no link. */
const isSymbolicLink = (path: string) => {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true
  } catch {
    return false
  }
}

const realPathWithin = (path: string, linksLeft: number): string => {
  const absolute = resolve(path)
  try {
    return realpathSync(absolute)
  } catch {
    // A dangling symlink counts as where it points: writing through it would land there.
    if (linksLeft > 0 && isSymbolicLink(absolute)) {
      return realPathWithin(resolve(dirname(absolute), readlinkSync(absolute)), linksLeft - 1)
    }
    const parent = dirname(absolute)
    return parent === absolute ? absolute : join(realPathWithin(parent, linksLeft), basename(absolute))
  }
}

/**
 * The real path of `path`: symlinks resolved in its longest existing prefix (a dangling link
 * resolved to its target), the rest appended.
 */
export const realPathOf = (path: string): string => realPathWithin(path, MAX_LINKS)

const isInside = (root: string, path: string) => {
  const rel = relative(root, path)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/** Whether `path` (absolute) lies inside one of `roots`. */
export const isWithinWritableRoots = (path: string, roots: ReadonlyArray<string>): boolean => {
  const real = realPathOf(path)
  return roots.some((root) => isInside(realPathOf(root), real))
}

/** `.git` as a path component below `root`: a repository's internals, nested repositories included. */
const isInGitDir = (root: string, path: string) => relative(root, path).split(sep).includes(".git")

/**
 * Whether every one of `paths` (absolute, or relative to `cwd`) lies inside one of `roots`, outside
 * every `readOnly` path and outside any `.git`.
 */
export const allWithinWritableRoots = (
  paths: ReadonlyArray<string>,
  roots: ReadonlyArray<string>,
  cwd?: string,
  readOnly: ReadonlyArray<string> = []
): boolean => {
  const realRoots = roots.map(realPathOf)
  const realReadOnly = readOnly.map(realPathOf)
  return paths.every((path) => {
    const real = realPathOf(cwd === undefined ? path : resolvePatchPath(cwd, path))
    return realRoots.some((root) => isInside(root, real) && !isInGitDir(root, real)) &&
      !realReadOnly.some((protectedPath) => isInside(protectedPath, real))
  })
}
