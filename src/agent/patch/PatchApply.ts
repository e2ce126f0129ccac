/**
 * Writes a planned patch as one transaction. First every new content goes to a temp file beside its
 * target (creating parent directories); then each target is swapped in with a rename (atomic) after
 * its old version is kept under a backup name (a hard link), and removed files are renamed to backup
 * names. If any step fails, the swaps are undone and the temp files and new directories removed, so
 * a failed patch changes nothing; on success the backups are deleted. The answer is the reference's
 * text: `Success. Updated the following files:` then `A`, `M`, `D` lines.
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import { basename, dirname, join } from "node:path"
import { Result } from "effect"
import { ioErrorText, ioFailure } from "./IoErrorText.js"
import { type FileStates, fileStateSync } from "./FileStates.js"
import { isPlanCurrent, type FileWrite, type PatchPlan, planPatch, type PlannedChange } from "./PatchPlan.js"

/** The file-system calls the applier makes (replaceable in tests to make one of them fail). */
export interface FileOps {
  readonly mkdir: (path: string) => void
  readonly writeFile: (path: string, content: string) => void
  readonly chmod: (path: string, mode: number) => void
  readonly link: (existing: string, newPath: string) => void
  readonly copyFile: (from: string, to: string) => void
  readonly rename: (from: string, to: string) => void
  readonly unlink: (path: string) => void
  readonly rmdir: (path: string) => void
}

export const nodeFileOps: FileOps = {
  mkdir: (path) => fs.mkdirSync(path),
  writeFile: (path, content) => fs.writeFileSync(path, content, { flag: "wx" }),
  chmod: (path, mode) => fs.chmodSync(path, mode),
  link: (existing, newPath) => fs.linkSync(existing, newPath),
  copyFile: (from, to) => fs.copyFileSync(from, to),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  rmdir: (path) => fs.rmdirSync(path)
}

class StepFailed {
  constructor(readonly message: string) {}
}

/** The entry at `path`, or undefined when there is none (a missing parent, or a file where a directory should be). */
const lstatOrUndefined = (path: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === "ENOENT" || code === "ENOTDIR") return undefined
    throw error
  }
}

/** A name beside `path` for a temp or backup file. */
const sideName = (path: string, suffix: string) => join(dirname(path), `.${basename(path)}.${randomUUID().slice(0, 8)}.${suffix}`)

/** Writes through a symlink to an existing file, as writing to the link would. */
const writeTarget = (path: string) => {
  const stat = lstatOrUndefined(path)
  if (stat?.isSymbolicLink() && fs.statSync(path, { throwIfNoEntry: false })?.isFile()) return fs.realpathSync(path)
  return path
}

class Transaction {
  private readonly createdDirs: Array<string> = []
  private readonly staged = new Map<string, { readonly target: string; readonly temp: string }>()
  /** Swapped paths with the backup of what they held (undefined: they held nothing). */
  private readonly swapped: Array<{ readonly target: string; readonly backup: string | undefined }> = []

  constructor(private readonly ops: FileOps) {}

  private ensureDirectory(dir: string, forPath: string) {
    try {
      const missing: Array<string> = []
      for (let current = dir; lstatOrUndefined(current) === undefined; current = dirname(current)) {
        missing.push(current)
        if (dirname(current) === current) break
      }
      for (const path of missing.reverse()) {
        this.ops.mkdir(path)
        this.createdDirs.push(path)
      }
    } catch (error) {
      throw new StepFailed(ioFailure(`Failed to create parent directories for ${forPath}`, error))
    }
  }

  /** Phase 1: the new content of `write` in a temp file beside its target. */
  stage(write: FileWrite & { readonly after: string }) {
    const failed = (error: unknown) => new StepFailed(ioFailure(`Failed to write file ${write.path}`, error))
    if (write.before.kind === "unreadable") throw failed(write.before.error)
    let target: string
    try {
      target = writeTarget(write.path)
    } catch (error) {
      throw failed(error)
    }
    this.ensureDirectory(dirname(target), write.path)
    const temp = sideName(target, "apply_patch.tmp")
    try {
      this.ops.writeFile(temp, write.after)
      this.staged.set(write.path, { target, temp })
      const existing = lstatOrUndefined(target)
      if (existing?.isFile()) this.ops.chmod(temp, existing.mode & 0o7777)
    } catch (error) {
      throw failed(error)
    }
  }

  private backUp(target: string): string {
    const backup = sideName(target, "apply_patch.bak")
    try {
      this.ops.link(target, backup)
    } catch (error) {
      // Copying reads the target: only ever a regular file (a FIFO put there since planning would block).
      if (!lstatOrUndefined(target)?.isFile()) throw error
      this.ops.copyFile(target, backup)
    }
    return backup
  }

  /** Phase 2: swaps the staged file in, or moves a removed file out of the way. */
  commit(write: FileWrite) {
    const staged = this.staged.get(write.path)
    if (staged === undefined) {
      try {
        const backup = sideName(write.path, "apply_patch.bak")
        this.ops.rename(write.path, backup)
        this.swapped.push({ target: write.path, backup })
      } catch (error) {
        throw new StepFailed(ioFailure(`Failed to delete file ${write.path}`, error))
      }
      return
    }
    try {
      const backup = lstatOrUndefined(staged.target) === undefined ? undefined : this.backUp(staged.target)
      this.swapped.push({ target: staged.target, backup })
      this.ops.rename(staged.temp, staged.target)
      this.staged.delete(write.path)
    } catch (error) {
      throw new StepFailed(ioFailure(`Failed to write file ${write.path}`, error))
    }
  }

  /** Puts everything back as it was; best effort, since the failure being reported matters more. */
  rollback() {
    const attempt = (step: () => void) => {
      try {
        step()
      } catch {
        // keep undoing the rest
      }
    }
    for (const { target, backup } of this.swapped.reverse()) {
      if (backup === undefined) {
        attempt(() => this.ops.unlink(target))
        continue
      }
      attempt(() => this.ops.rename(backup, target))
      // Renaming a hard link onto its twin (the swap never happened) does nothing, so drop it explicitly.
      attempt(() => this.ops.unlink(backup))
    }
    for (const { temp } of this.staged.values()) attempt(() => this.ops.unlink(temp))
    for (const dir of this.createdDirs.reverse()) attempt(() => this.ops.rmdir(dir))
  }

  /** Deletes the backups of a committed transaction. */
  finish() {
    for (const { backup } of this.swapped) {
      if (backup === undefined) continue
      try {
        this.ops.unlink(backup)
      } catch {
        // a leftover backup file is harmless; the patch itself is applied
      }
    }
  }
}

/** `Success. Updated the following files:` and the `A`/`M`/`D` lines, paths as the patch wrote them. */
const successText = (changes: ReadonlyArray<PlannedChange>): string => {
  const lines = [
    ...changes.flatMap((c) => (c.kind === "add" ? [`A ${c.displayPath}`] : [])),
    ...changes.flatMap((c) => (c.kind === "update" ? [`M ${c.displayMovePath ?? c.displayPath}`] : [])),
    ...changes.flatMap((c) => (c.kind === "delete" ? [`D ${c.displayPath}`] : []))
  ]
  return `Success. Updated the following files:\n${lines.map((line) => `${line}\n`).join("")}`
}

/**
 * Applies `plan`: the success text, or the error text with nothing changed. If a file changed since
 * the plan was made (while the user was approving it, say), the patch is planned again against the
 * files as they are (`files`, read just before), as the reference (which applies the patch text afresh) would.
 */
export const applyPlan = (
  plan: PatchPlan,
  ops: FileOps = nodeFileOps,
  files: FileStates = fileStateSync
): Result.Result<string, string> => {
  if (plan.changes.length === 0) return Result.fail("No files were modified.")
  let current = plan
  if (!isPlanCurrent(plan, files)) {
    const replanned = planPatch(plan.hunks, plan.cwd, files)
    if (Result.isFailure(replanned)) return Result.fail(replanned.failure)
    current = replanned.success
  }
  const transaction = new Transaction(ops)
  // Contents first, removals last: a move's destination exists before its source goes.
  const ordered = [...current.writes.filter((w) => w.after !== undefined), ...current.writes.filter((w) => w.after === undefined)]
  try {
    for (const write of ordered) if (write.after !== undefined) transaction.stage({ ...write, after: write.after })
    for (const write of ordered) transaction.commit(write)
  } catch (error) {
    transaction.rollback()
    return Result.fail(error instanceof StepFailed ? error.message : ioErrorText(error))
  }
  transaction.finish()
  return Result.succeed(successText(current.changes))
}
