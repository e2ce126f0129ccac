/**
 * Comparing paths by where they really are: the tests every place that guards a root or a secret uses, so
 * that they agree on what "inside" and "the real path" mean.
 */
import { realpathSync } from "node:fs"
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path"

/** Whether `path` is `root` or lies below it (both absolute). */
export const isInsideOrEqual = (root: string, path: string): boolean => {
  const rel = relative(root, path)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/** `path`'s real path, or `path` resolved when it does not exist. */
export const realPathOrResolved = (path: string): string => {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** `path` with symlinks resolved as far as it exists (a file not made yet, below directories that are). */
export const realPathAsFarAsExists = (path: string): string => {
  try {
    return realpathSync(path)
  } catch {
    const parent = dirname(path)
    return parent === path ? path : join(realPathAsFarAsExists(parent), basename(path))
  }
}
