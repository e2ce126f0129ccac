/**
 * The diff of everything a task's patches changed (agent core §7.7): each file's content is
 * remembered the first time a patch touches it, and the diff compares those baselines with the files
 * as they are now, as a git-style diff (`git apply` accepts it) relative to the git root or cwd.
 */
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { unifiedDiffHunks } from "./UnifiedDiff.js"

const readOrUndefined = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

const blobId = (content: string) => {
  const bytes = Buffer.from(content, "utf8")
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex")
}

const ZERO_ID = "0".repeat(40)

const gitRootOf = (dir: string): string | undefined => {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return current
    if (dirname(current) === current) return undefined
  }
}

export class TurnDiffTracker {
  private readonly baselines = new Map<string, string | undefined>()

  /** Remembers the current content of paths a patch is about to touch (only the first time each). */
  noteTouched(paths: ReadonlyArray<string>) {
    for (const path of paths) if (!this.baselines.has(path)) this.baselines.set(path, readOrUndefined(path))
  }

  /** The git-style diff from the baselines to the files now; `""` when nothing differs. */
  unifiedDiff(cwd: string): string {
    const root = gitRootOf(cwd) ?? cwd
    let out = ""
    for (const [path, before] of [...this.baselines].sort(([a], [b]) => a.localeCompare(b))) {
      const after = readOrUndefined(path)
      if (before === after) continue
      const name = relative(root, path)
      out += `diff --git a/${name} b/${name}\n`
      if (before === undefined) out += "new file mode 100644\n"
      if (after === undefined) out += "deleted file mode 100644\n"
      const oldId = before === undefined ? ZERO_ID : blobId(before)
      const newId = after === undefined ? ZERO_ID : blobId(after)
      out += `index ${oldId}..${newId}${before !== undefined && after !== undefined ? " 100644" : ""}\n`
      out += `--- ${before === undefined ? "/dev/null" : `a/${name}`}\n`
      out += `+++ ${after === undefined ? "/dev/null" : `b/${name}`}\n`
      out += unifiedDiffHunks(before ?? "", after ?? "", 3)
    }
    return out
  }
}
