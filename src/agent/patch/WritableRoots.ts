/**
 * Whether a path lies inside one of the writable roots. Paths are compared after resolving symlinks
 * of their nearest existing ancestor, so `..`, absolute paths and symlinked directories cannot
 * escape a root.
 */
import { realpathSync } from "node:fs"
import { basename, dirname, join, relative, resolve, sep } from "node:path"

/** The real path of `path`, resolving symlinks in the part of it that exists. */
export const realPathOf = (path: string): string => {
  const absolute = resolve(path)
  try {
    return realpathSync(absolute)
  } catch {
    const parent = dirname(absolute)
    return parent === absolute ? absolute : join(realPathOf(parent), basename(absolute))
  }
}

const isInside = (root: string, path: string) => {
  const rel = relative(root, path)
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep))
}

export const isWithinWritableRoots = (path: string, roots: ReadonlyArray<string>): boolean => {
  const real = realPathOf(path)
  return roots.some((root) => isInside(realPathOf(root), real))
}
