/**
 * Shared helpers for the apply_patch table tests: building patch text, parsing or planning+applying
 * it in a real temp directory, and running GNU diff / git as oracles.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Result } from "effect"
import { applyPlan } from "../../src/agent/patch/PatchApply.js"
import { type Hunk, parsePatch } from "../../src/agent/patch/PatchParser.js"
import { planPatch } from "../../src/agent/patch/PatchPlan.js"
import { makeTempDir } from "../support/TempDirs.js"

/** A fresh temp directory, removed when the test file ends; tests never share one. */
export const tempDir = (): string => makeTempDir("codex-patch-table-")

/** `*** Begin Patch`, the given lines, `*** End Patch`, joined with newlines. */
export const patchOf = (...lines: ReadonlyArray<string>): string => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n")

/** The parsed hunks, or a thrown error naming the parse failure. */
export const parseOk = (text: string): ReadonlyArray<Hunk> => {
  const result = parsePatch(text)
  if (Result.isFailure(result)) throw new Error(`unexpected parse failure: ${result.failure.message}`)
  return result.success
}

/** The parse error's message, or `"parsed"` when the patch is valid. */
export const parseErrorOf = (text: string): string => {
  const result = parsePatch(text)
  return Result.isFailure(result) ? result.failure.message : "parsed"
}

/** Writes `files` (relative path → content) under `dir`, creating parents. */
export const writeFiles = (dir: string, files: Readonly<Record<string, string>>): void => {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
}

export type ApplyOutcome =
  | { readonly ok: true; readonly stdout: string }
  | { readonly ok: false; readonly stage: "plan" | "apply"; readonly error: string }

/** Parses, plans and applies `text` with `dir` as cwd. */
export const applyIn = (dir: string, text: string): ApplyOutcome => {
  const plan = planPatch(parseOk(text), dir)
  if (Result.isFailure(plan)) return { ok: false, stage: "plan", error: plan.failure }
  const applied = applyPlan(plan.success)
  return Result.isSuccess(applied) ? { ok: true, stdout: applied.success } : { ok: false, stage: "apply", error: applied.failure }
}

/** Runs a program synchronously and fails loudly if it could not start. */
export const run = (program: string, args: ReadonlyArray<string>, cwd: string, input?: string) => {
  const result = spawnSync(program, args, { cwd, encoding: "utf8", ...(input === undefined ? {} : { input }) })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** A small deterministic PRNG (mulberry32) so "random" cases are reproducible. */
export const seededRandom = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
