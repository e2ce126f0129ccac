/**
 * The diff of everything a turn's patches changed. The first time a patch touches
 * a path, the file's bytes and mode are kept as its baseline (none for a file that did not exist);
 * a move carries the baseline over to the destination, so it shows as a rename. The diff compares
 * each baseline with the file on disk now and prints git-style sections (`git apply` accepts them),
 * with paths relative to the enclosing git repository, or to the working directory outside one.
 * Baselines are kept up to `TURN_DIFF_MAX_BYTES` per turn; past that the turn has no diff, rather
 * than a turn of many patches on large files holding them all in memory.
 */
import { existsSync, statSync } from "node:fs"
import { dirname, join, relative, sep } from "node:path"
import { type FileStates, fileStateSync } from "./FileStates.js"
import { gitFileDiff, type GitFileSide, gitModeOf } from "./GitDiff.js"
import { type PatchPlan, touchedPaths } from "./PatchPlan.js"

/** The most baseline bytes a turn keeps for its diff. */
export const TURN_DIFF_MAX_BYTES = 32 * 1024 * 1024

/** A file's bytes (as `files` read them) and git mode, or undefined when there is no regular file at the path. */
const sideOf = (path: string, files: FileStates): { readonly content: Buffer; readonly mode: string } | undefined => {
  const state = files(path)
  if (state.kind !== "file") return undefined
  const mode = statSync(path, { throwIfNoEntry: false })?.mode ?? 0o644
  return { content: state.bytes, mode: gitModeOf(mode) }
}

/** The nearest directory at or above `dir` holding `.git` (a directory, or a file for worktrees). */
const gitRootOf = (dir: string): string | undefined => {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return current
    if (dirname(current) === current) return undefined
  }
}

interface Tracked {
  readonly originalPath: string
  readonly baseline: { readonly content: Buffer; readonly mode: string } | undefined
  /** Where the file is now; undefined once a move replaced another tracked file with it. */
  currentPath: string | undefined
}

export class TurnDiffTracker {
  private readonly tracked: Array<Tracked> = []
  private readonly byCurrentPath = new Map<string, Tracked>()
  private baselineBytes = 0
  private overBudget = false

  /** Where the tracked files are now: what `unifiedDiff` reads. */
  currentPaths(): ReadonlyArray<string> {
    return this.tracked.flatMap((entry) => (entry.currentPath === undefined ? [] : [entry.currentPath]))
  }

  /** Remembers the current state of each absolute path (as `files` holds it) the first time the turn touches it. */
  noteTouched(paths: ReadonlyArray<string>, files: FileStates = fileStateSync) {
    for (const path of paths) {
      if (this.overBudget || this.byCurrentPath.has(path)) continue
      const entry: Tracked = { originalPath: path, baseline: sideOf(path, files), currentPath: path }
      this.baselineBytes += entry.baseline?.content.length ?? 0
      if (this.baselineBytes > TURN_DIFF_MAX_BYTES) {
        this.overBudget = true
        this.tracked.length = 0
        this.byCurrentPath.clear()
        return
      }
      this.tracked.push(entry)
      this.byCurrentPath.set(path, entry)
    }
  }

  /** Call before applying `plan`: remembers every path it will touch. */
  onPatchBegin(plan: PatchPlan, files: FileStates = fileStateSync) {
    this.noteTouched(touchedPaths(plan), files)
  }

  /** Call after `plan` applied: moved files keep their baselines under their new paths. */
  onPatchApplied(plan: PatchPlan) {
    for (const change of plan.changes) {
      if (change.kind !== "update" || change.movePath === undefined || change.movePath === change.path) continue
      const source = this.byCurrentPath.get(change.path)
      if (source === undefined) continue
      this.byCurrentPath.delete(change.path)
      const destination = this.byCurrentPath.get(change.movePath)
      if (destination?.baseline !== undefined) {
        // The destination existed before the turn: it shows as modified, the source as deleted.
        source.currentPath = undefined
        continue
      }
      if (destination !== undefined) this.tracked.splice(this.tracked.indexOf(destination), 1)
      source.currentPath = change.movePath
      this.byCurrentPath.set(change.movePath, source)
    }
  }

  /** The git-style diff from the baselines to the files now (`files`); `""` when nothing differs or over budget. */
  unifiedDiff(cwd: string, files: FileStates = fileStateSync): string {
    const root = gitRootOf(cwd) ?? cwd
    const name = (path: string) => relative(root, path).split(sep).join("/")
    const sections = this.tracked.map((entry) => {
      const now = entry.currentPath === undefined ? undefined : sideOf(entry.currentPath, files)
      const before: GitFileSide | undefined = entry.baseline && { ...entry.baseline, path: name(entry.originalPath) }
      const after: GitFileSide | undefined = now && { ...now, path: name(entry.currentPath!) }
      return { key: (after ?? before)?.path ?? "", text: gitFileDiff(before, after) }
    })
    return sections
      .filter((section) => section.text !== "")
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((section) => section.text)
      .join("")
  }
}
