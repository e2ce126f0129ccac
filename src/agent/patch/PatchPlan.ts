/**
 * A parsed patch resolved against the workspace, before anything is written: the absolute paths it
 * touches, each file's current and new contents, and the `FileChanges` shown in approval requests.
 * Computing this first validates every context line, so a patch that cannot apply changes nothing.
 */
import { readFileSync } from "node:fs"
import { isAbsolute, resolve } from "node:path"
import { Result } from "effect"
import type { FileChanges } from "../../rpc/Enums.js"
import type { Hunk, UpdateChunk } from "./PatchParser.js"
import { seekSequence } from "./SeekSequence.js"
import { unifiedDiffHunks } from "./UnifiedDiff.js"

export type PlannedChange =
  | { readonly kind: "add"; readonly path: string; readonly displayPath: string; readonly newContent: string }
  | { readonly kind: "delete"; readonly path: string; readonly displayPath: string; readonly oldContent: string }
  | {
    readonly kind: "update"
    readonly path: string
    readonly displayPath: string
    readonly movePath: string | undefined
    readonly displayMovePath: string | undefined
    readonly oldContent: string
    readonly newContent: string
  }

export interface PatchPlan {
  readonly changes: ReadonlyArray<PlannedChange>
  readonly fileChanges: FileChanges
}

const readText = (path: string): Result.Result<string, string> => {
  try {
    return Result.succeed(readFileSync(path, "utf8"))
  } catch (error) {
    return Result.fail(`Failed to read file to update ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
}

/** Applies an update's chunks to `content` (agent core §7.3), or says which context was not found. */
export const applyChunks = (content: string, chunks: ReadonlyArray<UpdateChunk>, path: string): Result.Result<string, string> => {
  const lines = content.split("\n")
  if (lines[lines.length - 1] === "") lines.pop()
  const replacements: Array<{ readonly at: number; readonly remove: number; readonly insert: ReadonlyArray<string> }> = []
  let cursor = 0
  for (const chunk of chunks) {
    if (chunk.changeContext !== undefined) {
      const found = seekSequence(lines, [chunk.changeContext], cursor, false)
      if (found === undefined) return Result.fail(`Failed to find context '${chunk.changeContext}' in ${path}`)
      cursor = found + 1
    }
    if (chunk.oldLines.length === 0) {
      const at = lines.length > 0 && lines[lines.length - 1] === "" ? lines.length - 1 : lines.length
      replacements.push({ at, remove: 0, insert: chunk.newLines })
      continue
    }
    let oldLines = chunk.oldLines
    let newLines = chunk.newLines
    let found = seekSequence(lines, oldLines, cursor, chunk.isEndOfFile)
    if (found === undefined && oldLines[oldLines.length - 1] === "") {
      oldLines = oldLines.slice(0, -1)
      if (newLines[newLines.length - 1] === "") newLines = newLines.slice(0, -1)
      found = seekSequence(lines, oldLines, cursor, chunk.isEndOfFile)
    }
    if (found === undefined) {
      return Result.fail(`Failed to find expected lines ${JSON.stringify(chunk.oldLines)} in ${path}`)
    }
    replacements.push({ at: found, remove: oldLines.length, insert: newLines })
    cursor = found + oldLines.length
  }
  replacements.sort((a, b) => a.at - b.at)
  for (const { at, remove, insert } of replacements.reverse()) lines.splice(at, remove, ...insert)
  return Result.succeed(lines.length === 0 ? "" : `${lines.join("\n")}\n`)
}

export const planPatch = (hunks: ReadonlyArray<Hunk>, cwd: string): Result.Result<PatchPlan, string> => {
  const changes: Array<PlannedChange> = []
  const fileChanges: Record<string, FileChanges[string]> = {}
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path))
  for (const hunk of hunks) {
    const path = absolute(hunk.path)
    switch (hunk.type) {
      case "add":
        changes.push({ kind: "add", path, displayPath: hunk.path, newContent: hunk.contents })
        fileChanges[path] = { add: { content: hunk.contents } }
        break
      case "delete": {
        const old = readText(path)
        if (old._tag === "Failure") return Result.fail(old.failure.replace("to update", "to delete"))
        changes.push({ kind: "delete", path, displayPath: hunk.path, oldContent: old.success })
        fileChanges[path] = "delete"
        break
      }
      case "update": {
        const old = readText(path)
        if (old._tag === "Failure") return Result.fail(old.failure)
        const updated = applyChunks(old.success, hunk.chunks, path)
        if (updated._tag === "Failure") return Result.fail(updated.failure)
        const movePath = hunk.movePath === undefined ? undefined : absolute(hunk.movePath)
        changes.push({
          kind: "update",
          path,
          displayPath: hunk.path,
          movePath,
          displayMovePath: hunk.movePath,
          oldContent: old.success,
          newContent: updated.success
        })
        fileChanges[path] = { update: { unified_diff: unifiedDiffHunks(old.success, updated.success, 1), move_path: movePath ?? null } }
        break
      }
    }
  }
  return Result.succeed({ changes, fileChanges })
}

/** Every path the patch writes or removes, move destinations included. */
export const touchedPaths = (plan: PatchPlan): ReadonlyArray<string> =>
  plan.changes.flatMap((change) => (change.kind === "update" && change.movePath !== undefined ? [change.path, change.movePath] : [change.path]))
