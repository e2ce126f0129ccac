/**
 * Writes a planned patch. Each file is written atomically (a temp file in the same directory, then a
 * rename); if any step fails, everything already written is put back, so a failed patch changes
 * nothing. The result text is the reference's (agent core §7.4).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Result } from "effect"
import type { PatchPlan } from "./PatchPlan.js"

const writeAtomically = (path: string, content: string) => {
  mkdirSync(dirname(path), { recursive: true })
  const temp = join(dirname(path), `.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.apply_patch.tmp`)
  try {
    writeFileSync(temp, content)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

/** What to do to put a path back as it was. */
type Undo = { readonly path: string; readonly content: string | undefined }

export const applyPlan = (plan: PatchPlan): Result.Result<string, string> => {
  if (plan.changes.length === 0) return Result.fail("No files were modified.")
  const undo: Array<Undo> = []
  const remember = (path: string, content: string | undefined) => undo.push({ path, content })
  const added: Array<string> = []
  const modified: Array<string> = []
  const deleted: Array<string> = []
  try {
    for (const change of plan.changes) {
      switch (change.kind) {
        case "add":
          remember(change.path, undefined)
          writeAtomically(change.path, change.newContent)
          added.push(change.displayPath)
          break
        case "delete":
          remember(change.path, change.oldContent)
          rmSync(change.path)
          deleted.push(change.displayPath)
          break
        case "update":
          if (change.movePath !== undefined) {
            remember(change.movePath, undefined)
            writeAtomically(change.movePath, change.newContent)
            remember(change.path, change.oldContent)
            rmSync(change.path)
            modified.push(change.displayMovePath ?? change.movePath)
          } else {
            remember(change.path, change.oldContent)
            writeAtomically(change.path, change.newContent)
            modified.push(change.displayPath)
          }
          break
      }
    }
  } catch (error) {
    for (const { path, content } of undo.reverse()) {
      try {
        if (content === undefined) rmSync(path, { force: true })
        else writeAtomically(path, content)
      } catch {
        // best effort: report the original failure below
      }
    }
    return Result.fail(String(error instanceof Error ? error.message : error))
  }
  const lines = [...added.map((p) => `A ${p}`), ...modified.map((p) => `M ${p}`), ...deleted.map((p) => `D ${p}`)]
  return Result.succeed(`Success. Updated the following files:\n${lines.join("\n")}\n`)
}

