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
 */
import { realpathSync, statSync } from "node:fs"
import { resolve } from "node:path"
import type { RootOrigin } from "./WorkspaceRoots.js"

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

/**
 * Records the roots not seen before and checks the others; the answer is the refusal text when one
 * of them changed, else undefined.
 */
export const checkRootIdentities = (identities: RootIdentities, origins: ReadonlyArray<RootOrigin>): string | undefined => {
  for (const origin of origins) {
    const now = identityOf(origin.real)
    const first = identities.get(origin.given)
    if (first === undefined) {
      if (now !== undefined) identities.set(origin.given, now)
      continue
    }
    if (now === undefined || now.real !== first.real || now.dev !== first.dev || now.ino !== first.ino) {
      return `the writable root \`${origin.given}\` is no longer the directory this conversation started with ` +
        `(it was ${describe(first)}, it now resolves to ${describe(now)}): it was renamed, replaced or swapped ` +
        "for a symlink, so nothing runs or is written in it. Start a new conversation to work there."
    }
  }
  return undefined
}
