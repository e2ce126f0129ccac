/**
 * The writable roots of a conversation stay the directories they were when it first used them. A
 * root is recorded (its real path, device and inode) the first time the conversation sees it; at
 * every later command and patch each root must still resolve to the same directory, or the call is
 * refused with an error that says which root changed.
 *
 * Inside one sandbox the roots and their ancestors are pinned (see `AncestorPins`), but another
 * sandbox — a second conversation whose writable roots also cover them, in its own mount namespace —
 * can still rename a parent of this conversation's workspace and leave a symlink or a look-alike copy
 * at its path. Without this check the next command would bind whatever the path now names.
 *
 * A root reached through a symlink that itself lies in a writable root is refused outright, first
 * sight included: a command could have made or re-pointed that link (before this conversation
 * started, too), so where it leads is the model's choice, not the user's. The caller names every
 * place any sandbox of the process may write (`ServerPrograms.sandboxWritable`), not only this
 * conversation's roots: a link in another conversation's workspace is the model's just the same.
 */
import { lstatSync, realpathSync, statSync } from "node:fs"
import { join, resolve, sep } from "node:path"
import type { RootOrigin } from "./WorkspaceRoots.js"
import { isInsideOrEqual } from "../../files/RealPaths.js"

interface RootIdentity {
  readonly real: string
  readonly dev: number
  readonly ino: number
}

/** A conversation's record: each root as named (absolute) → what it was the first time it was seen. */
export type RootIdentities = Map<string, RootIdentity>

const identityOf = (real: string): RootIdentity | undefined => {
  const stat = statSync(real, { throwIfNoEntry: false })
  return stat === undefined ? undefined : { real, dev: stat.dev, ino: stat.ino }
}

/** A conversation's record at its start: its cwd, as it is now (other roots are recorded when first used). */
export const rootIdentitiesAt = (cwd: string): RootIdentities => {
  const identities: RootIdentities = new Map()
  try {
    const identity = identityOf(realpathSync(cwd))
    if (identity !== undefined) identities.set(resolve(cwd), identity)
  } catch {
    // A cwd that does not exist yet is recorded when a command first finds it.
  }
  return identities
}

const describe = (identity: RootIdentity | undefined) => (identity === undefined ? "nothing" : `\`${identity.real}\``)

/** The first symlink on the way to `given` that sits in a directory inside one of `writable`, if any. */
const writableSymlinkOn = (given: string, writable: ReadonlyArray<string>): string | undefined => {
  let current = "/"
  for (const part of given.split(sep).filter((name) => name !== "")) {
    const next = join(current, part)
    if (lstatSync(next, { throwIfNoEntry: false })?.isSymbolicLink() !== true) {
      current = next
      continue
    }
    // `current` is a real path: only real components were appended since the last link was resolved.
    if (writable.some((root) => isInsideOrEqual(root, current))) return next
    try {
      current = realpathSync(next)
    } catch {
      return undefined
    }
  }
  return undefined
}

/**
 * Records the roots not seen before and checks the others (see the module comment); the answer is the
 * refusal text when one of them changed or is reached through a writable symlink, else undefined.
 */
export const checkRootIdentities = (
  identities: RootIdentities,
  origins: ReadonlyArray<RootOrigin>,
  writable: ReadonlyArray<string>
): string | undefined => {
  for (const origin of origins) {
    const now = identityOf(origin.real)
    const first = identities.get(origin.given)
    if (first !== undefined && (now === undefined || now.real !== first.real || now.dev !== first.dev || now.ino !== first.ino)) {
      return `the writable root \`${origin.given}\` is no longer the directory this conversation started with ` +
        `(it was ${describe(first)}, it now resolves to ${describe(now)}): it was renamed, replaced or swapped ` +
        "for a symlink, so nothing runs or is written in it. Start a new conversation to work there."
    }
    const link = origin.given === origin.real ? undefined : writableSymlinkOn(origin.given, writable)
    if (link !== undefined) {
      return `the writable root \`${origin.given}\` is reached through the symlink \`${link}\`, which sandboxed ` +
        `commands can change, so nothing runs or is written there. Use its real path (\`${origin.real}\`) instead.`
    }
    if (first === undefined && now !== undefined) identities.set(origin.given, now)
  }
  return undefined
}
