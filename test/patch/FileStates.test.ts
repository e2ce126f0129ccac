/**
 * The bounds on what apply_patch reads: each file within its cap, a snapshot within its total, the
 * turn diff's baselines within theirs, and special files as unreadable states (never read).
 */
import { execFileSync } from "node:child_process"
import { truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  type FileState,
  fileStateSync,
  PATCH_FILE_MAX_BYTES,
  PATCH_READ_MAX_BYTES,
  readFileStates
} from "../../src/agent/patch/FileStates.js"
import { ioErrorText } from "../../src/agent/patch/IoErrorText.js"
import { TURN_DIFF_MAX_BYTES, TurnDiffTracker } from "../../src/agent/patch/TurnDiffTracker.js"
import { makeTempDir } from "../support/TempDirs.js"

const dir = makeTempDir("codex-file-states-")

/** A sparse file of `bytes` zeros: nothing on disk, but read in full. */
const sparse = (name: string, bytes: number) => {
  const path = join(dir, name)
  writeFileSync(path, "")
  truncateSync(path, bytes)
  return path
}

const errorOf = (state: FileState) => (state.kind === "unreadable" ? ioErrorText(state.error) : state.kind)

describe("readFileStates", () => {
  it.effect("reads files until the snapshot's total is spent, then refuses the rest", () =>
    Effect.gen(function*() {
      const size = PATCH_FILE_MAX_BYTES - 1024 * 1024
      const fitting = Math.floor(PATCH_READ_MAX_BYTES / size)
      const paths = Array.from({ length: fitting + 1 }, (_, i) => sparse(`file-${i}`, size))
      const states = yield* readFileStates(paths)
      expect(paths.slice(0, fitting).map((path) => states(path).kind)).toEqual(Array(fitting).fill("file"))
      expect(errorOf(states(paths[fitting]!))).toBe("the patch's files add up to more than 32 MiB")
    }))

  it.effect("gives special files and oversized files as unreadable, missing ones as absent", () =>
    Effect.gen(function*() {
      const fifo = join(dir, "fifo")
      execFileSync("mkfifo", [fifo])
      const huge = sparse("huge", PATCH_FILE_MAX_BYTES + 1)
      const states = yield* readFileStates([fifo, huge, "/dev/zero", dir, join(dir, "missing")])
      expect(errorOf(states(fifo))).toBe("not a regular file (a FIFO)")
      expect(errorOf(states(huge))).toBe("larger than the 8 MiB limit")
      expect(errorOf(states("/dev/zero"))).toBe("not a regular file (a character device)")
      expect(errorOf(states(dir))).toBe("Is a directory (os error 21)")
      expect(states(join(dir, "missing")).kind).toBe("absent")
      assert.deepStrictEqual(fileStateSync(fifo).kind, "unreadable")
    }))
})

describe("TurnDiffTracker", () => {
  it("drops its baselines and gives no diff once they pass the turn's budget", () => {
    const big = Buffer.alloc(TURN_DIFF_MAX_BYTES / 2 + 1)
    const files = (): FileState => ({ kind: "file", bytes: big })
    const tracker = new TurnDiffTracker()
    tracker.noteTouched([join(dir, "one")], files)
    expect(tracker.currentPaths()).toHaveLength(1)
    tracker.noteTouched([join(dir, "two")], files)
    expect(tracker.currentPaths()).toEqual([])
    expect(tracker.unifiedDiff(dir, () => ({ kind: "absent" }))).toBe("")
  })
})
