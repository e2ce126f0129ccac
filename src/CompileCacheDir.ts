/**
 * Where Node's compile cache may live. A cache entry is code the server runs at its next start,
 * outside any sandbox, and Node checks little more than the source's length and checksum: whoever
 * can write the cache directory can run code as the server. So it never goes where a sandboxed
 * command can write. Node's default (`$TMPDIR`/`/tmp` + `node-compile-cache`) is exactly such a
 * place: `/tmp` and `$TMPDIR` are writable roots of every `workspace-write` sandbox.
 *
 * The cache lives in `CODEX_HOME/node-compile-cache`: every sandbox masks CODEX_HOME (see
 * `CodexHomeMask`). It is used only when the directory is provably ours: CODEX_HOME exists and lies
 * outside `/tmp` and `$TMPDIR` (which other sandboxes on the machine may write), no directory on the
 * way down from `/` is writable by anyone but root or us, and the cache directory itself is a real
 * directory (not a symlink) that we own and nobody else may write. Otherwise the server starts
 * without the cache. This file is loaded by the launcher before the Node version check: plain syntax only.
 */
import { lstatSync, mkdirSync, realpathSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import { dirname, join, relative, resolve, sep } from "node:path"

const GROUP_OR_OTHER_WRITE = 0o022

const realOrUndefined = (path: string | undefined): string | undefined => {
  if (path === undefined || path === "") return undefined
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

const isInsideOrEqual = (root: string, path: string) => {
  const rel = relative(root, path)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep))
}

/** A directory only root or `uid` may change: owned by one of them, not group- or world-writable. */
const isTrustedDirectory = (path: string, uid: number) => {
  const stat = lstatSync(path, { throwIfNoEntry: false })
  return stat !== undefined && stat.isDirectory() && (stat.uid === 0 || stat.uid === uid) &&
    (stat.mode & GROUP_OR_OTHER_WRITE) === 0
}

/** `path` and every directory above it are trusted (see `isTrustedDirectory`). */
const isTrustedChain = (path: string, uid: number): boolean => {
  for (let dir = path; ; dir = dirname(dir)) {
    if (!isTrustedDirectory(dir, uid)) return false
    if (dirname(dir) === dir) return true
  }
}

/**
 * The compile cache directory for a server with environment `env`, created (mode 0700) if needed;
 * undefined when no safe place exists (see the module comment) and the server must run without it.
 */
export const compileCacheDir = (env: Readonly<Record<string, string | undefined>>): string | undefined => {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined
  if (uid === undefined) return undefined
  const configured = env.CODEX_HOME !== undefined && env.CODEX_HOME !== "" ? resolve(env.CODEX_HOME) : join(homedir(), ".codex")
  const codexHome = realOrUndefined(configured)
  if (codexHome === undefined) return undefined
  const sandboxWritable = ["/tmp", tmpdir(), env.TMPDIR].map(realOrUndefined).filter((dir) => dir !== undefined)
  if (sandboxWritable.some((dir) => isInsideOrEqual(dir, codexHome))) return undefined
  const cache = join(codexHome, "node-compile-cache")
  try {
    mkdirSync(cache, { mode: 0o700 })
  } catch {
    // It exists already (checked below), or cannot be made: then the checks fail.
  }
  return isTrustedChain(cache, uid) ? cache : undefined
}
