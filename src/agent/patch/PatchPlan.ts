/**
 * A parsed patch resolved against the workspace, before anything is written: each hunk's absolute
 * paths and contents, the `FileChanges` shown in approval requests, and the net writes (per path, the
 * bytes it held and what it will hold). Hunks apply in order over a view of the files, so a later
 * hunk sees what an earlier one did to the same path. Computing this validates every context line,
 * so a patch that cannot apply is refused before anything changes.
 */
import { resolve } from "node:path"
import { Result } from "effect"
import type { FileChange, FileChanges } from "../../rpc/Enums.js"
import { type FileState, type FileStates, fileStateSync } from "./FileStates.js"
import { ioFailure, systemError } from "./IoErrorText.js"
import type { Hunk } from "./PatchParser.js"
import { unifiedDiffHunks } from "./UnifiedDiff.js"
import { applyChunks } from "./UpdateChunks.js"

/** The net effect of the patch on one path. */
export interface FileWrite {
  readonly path: string
  readonly before: FileState
  /** The new content, or undefined when the patch removes the file. */
  readonly after: string | undefined
}

/** One hunk, resolved. `display*` paths are as written in the patch (the success text lists them). */
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
  /** The directory relative paths were resolved against. */
  readonly cwd: string
  readonly hunks: ReadonlyArray<Hunk>
  readonly changes: ReadonlyArray<PlannedChange>
  /** Absolute path → change, as approval requests and `patch_apply_begin` carry them. */
  readonly fileChanges: FileChanges
  readonly writes: ReadonlyArray<FileWrite>
}

const sameState = (a: FileState, b: FileState) =>
  a.kind === b.kind && (a.kind !== "file" || (b.kind === "file" && a.bytes.equals(b.bytes)))

/** Whether every path the plan writes still holds what it held when planned (`files`: as they are now). */
export const isPlanCurrent = (plan: PatchPlan, files: FileStates = fileStateSync): boolean =>
  plan.writes.every((write) => sameState(write.before, files(write.path)))

const utf8 = new TextDecoder("utf-8", { fatal: true })
const NOT_FOUND = systemError("ENOENT")

/** The files as the hunks so far have left them: planned contents over what is on disk. */
class FileView {
  private readonly initial = new Map<string, FileState>()
  readonly planned = new Map<string, string | undefined>()

  constructor(private readonly files: FileStates) {}

  initialState(path: string): FileState {
    let state = this.initial.get(path)
    if (state === undefined) this.initial.set(path, (state = this.files(path)))
    return state
  }

  /** The current bytes or text of `path`, or the error reading it would give. */
  read(path: string): Result.Result<Buffer | string, unknown> {
    if (this.planned.has(path)) {
      const content = this.planned.get(path)
      return content === undefined ? Result.fail(NOT_FOUND) : Result.succeed(content)
    }
    const state = this.initialState(path)
    if (state.kind === "absent") return Result.fail(NOT_FOUND)
    return state.kind === "file" ? Result.succeed(state.bytes) : Result.fail(state.error)
  }

  readText(path: string): Result.Result<string, unknown> {
    const content = this.read(path)
    if (Result.isFailure(content) || typeof content.success === "string") return content as Result.Result<string, unknown>
    try {
      return Result.succeed(utf8.decode(content.success))
    } catch {
      return Result.fail(new Error("stream did not contain valid UTF-8"))
    }
  }

  set(path: string, content: string | undefined) {
    this.initialState(path)
    this.planned.delete(path)
    this.planned.set(path, content)
  }

  writes(): Array<FileWrite> {
    return [...this.planned].flatMap(([path, after]) => {
      const before = this.initialState(path)
      return before.kind === "absent" && after === undefined ? [] : [{ path, before, after }]
    })
  }
}

/**
 * Adds a change to the approval map. A path changed twice shows its combined effect where that is
 * simple (an add then an update stays an add; two in-place updates make one diff), else the later
 * change, as the reference's map does.
 */
const recordChange = (changes: Record<string, FileChange>, bases: Map<string, string>, path: string, change: FileChange, base?: string) => {
  const earlier = changes[path]
  if (typeof change === "object" && "update" in change && change.update.move_path === null && earlier !== undefined && base !== undefined) {
    if (typeof earlier === "object" && "add" in earlier) {
      changes[path] = { add: { content: base } }
      return
    }
    if (typeof earlier === "object" && "update" in earlier && earlier.update.move_path === null) {
      changes[path] = { update: { unified_diff: unifiedDiffHunks(bases.get(path) ?? "", base, 1), move_path: null } }
      return
    }
  }
  changes[path] = change
}

/** Every absolute path the patch reads or writes, move destinations included; nothing is read to find them. */
export const patchPaths = (hunks: ReadonlyArray<Hunk>, cwd: string): ReadonlyArray<string> =>
  hunks.flatMap((hunk) => [
    resolve(cwd, hunk.path),
    ...(hunk._tag === "UpdateFile" && hunk.movePath !== undefined ? [resolve(cwd, hunk.movePath)] : [])
  ])

/**
 * Resolves `hunks` against `cwd` and the files as `files` holds them (by default read now, bounded). Failures are the reference's texts:
 * `Failed to read file to update <path>: <io error>`, `Failed to read <path>: <io error>` (delete),
 * `Failed to find context '<anchor>' in <path>`, `Failed to find expected lines [...] in <path>`.
 */
export const planPatch = (
  hunks: ReadonlyArray<Hunk>,
  cwd: string,
  files: FileStates = fileStateSync
): Result.Result<PatchPlan, string> => {
  const view = new FileView(files)
  const changes: Array<PlannedChange> = []
  const fileChanges: Record<string, FileChange> = {}
  /** The text each updated path had before its first update, for combined diffs. */
  const bases = new Map<string, string>()
  for (const hunk of hunks) {
    const path = resolve(cwd, hunk.path)
    switch (hunk._tag) {
      case "AddFile": {
        view.set(path, hunk.contents)
        changes.push({ kind: "add", path, displayPath: hunk.path, newContent: hunk.contents })
        recordChange(fileChanges, bases, path, { add: { content: hunk.contents } })
        break
      }
      case "DeleteFile": {
        const old = view.read(path)
        if (Result.isFailure(old)) return Result.fail(ioFailure(`Failed to read ${path}`, old.failure))
        view.set(path, undefined)
        const oldContent = typeof old.success === "string" ? old.success : old.success.toString("utf8")
        changes.push({ kind: "delete", path, displayPath: hunk.path, oldContent })
        recordChange(fileChanges, bases, path, "delete")
        break
      }
      case "UpdateFile": {
        const old = view.readText(path)
        if (Result.isFailure(old)) return Result.fail(ioFailure(`Failed to read file to update ${path}`, old.failure))
        const updated = applyChunks(old.success, hunk.chunks, path)
        if (Result.isFailure(updated)) return Result.fail(updated.failure)
        const movePath = hunk.movePath === undefined ? undefined : resolve(cwd, hunk.movePath)
        if (movePath !== undefined && movePath !== path) {
          view.set(path, undefined)
          view.set(movePath, updated.success)
        } else {
          view.set(path, updated.success)
        }
        if (!bases.has(path)) bases.set(path, old.success)
        changes.push({
          kind: "update",
          path,
          displayPath: hunk.path,
          movePath,
          displayMovePath: hunk.movePath,
          oldContent: old.success,
          newContent: updated.success
        })
        const diff = unifiedDiffHunks(old.success, updated.success, 1)
        recordChange(fileChanges, bases, path, { update: { unified_diff: diff, move_path: movePath ?? null } }, updated.success)
        break
      }
    }
  }
  return Result.succeed({ cwd, hunks, changes, fileChanges, writes: view.writes() })
}

/** Every path the patch writes or removes, move destinations included. */
export const touchedPaths = (plan: PatchPlan): ReadonlyArray<string> => plan.writes.map((write) => write.path)
