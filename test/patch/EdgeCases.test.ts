/**
 * Edge cases where a simpler implementation would differ from the reference
 * or from the GNU diff / git oracles: several hunks on one file, files without a final newline,
 * dangling symlinks.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { applyPlan } from "../../src/agent/patch/PatchApply.js"
import { planPatch, touchedPaths } from "../../src/agent/patch/PatchPlan.js"
import { TurnDiffTracker } from "../../src/agent/patch/TurnDiffTracker.js"
import { unifiedDiffHunks } from "../../src/agent/patch/UnifiedDiff.js"
import { applyIn, parseOk, patchOf, run, tempDir, writeFiles } from "./fixtures.js"

describe("several hunks on one file (reference applies hunks one after another)", () => {
  it("two Update hunks for the same file both take effect", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "1\n2\n3\n" })
    expect(applyIn(dir, patchOf("*** Update File: a.txt", "-1", "+one", "*** Update File: a.txt", "-3", "+three")).ok).toBe(true)
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("one\n2\nthree\n")
  })

  it("an Update of a file added earlier in the same patch applies", () => {
    const dir = tempDir()
    expect(applyIn(dir, patchOf("*** Add File: a.txt", "+1", "*** Update File: a.txt", "-1", "+one")).ok).toBe(true)
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("one\n")
  })

  it("removing every line leaves an empty file (Rust joins [\"\"] to \"\")", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "only\n" })
    expect(applyIn(dir, patchOf("*** Update File: a.txt", "-only")).ok).toBe(true)
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("")
  })

  it("an Add then a Delete of the same new path leaves nothing behind", () => {
    const dir = tempDir()
    expect(applyIn(dir, patchOf("*** Add File: t.txt", "+x", "*** Delete File: t.txt")).ok).toBe(true)
    expect(existsSync(join(dir, "t.txt"))).toBe(false)
  })

  it("an Update after a Move of the same file fails: the old path is gone", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "1\n" })
    const outcome = applyIn(dir, patchOf("*** Update File: a.txt", "*** Move to: b.txt", "-1", "+2", "*** Update File: a.txt", "-2", "+3"))
    expect(outcome).toEqual({
      ok: false,
      stage: "plan",
      error: `Failed to read file to update ${join(dir, "a.txt")}: No such file or directory (os error 2)`
    })
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("1\n")
    expect(existsSync(join(dir, "b.txt"))).toBe(false)
  })
})

describe("files without a final newline", () => {
  it("unifiedDiffHunks marks a missing final newline as GNU diff does", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "old"), "a\nb")
    writeFileSync(join(dir, "new"), "a\nc\n")
    const gnu = run("diff", ["-U3", "old", "new"], dir).stdout.split("\n").slice(2).join("\n")
    expect(gnu).toContain("\\ No newline at end of file\n")
    expect(unifiedDiffHunks("a\nb", "a\nc\n", 3)).toBe(gnu)
  })

  /** Applies `patch` to `a.txt` (initially `before`) in a git repo; the turn diff and `git apply -R` of it. */
  const trackedReverse = (before: string, patch: string) => {
    const dir = tempDir()
    expect(run("git", ["init", "-q"], dir).status).toBe(0)
    writeFiles(dir, { "a.txt": before })
    const plan = planPatch(parseOk(patch), dir)
    if (Result.isFailure(plan)) throw new Error(plan.failure)
    const tracker = new TurnDiffTracker()
    tracker.noteTouched(touchedPaths(plan.success))
    expect(Result.isSuccess(applyPlan(plan.success))).toBe(true)
    const diff = tracker.unifiedDiff(dir)
    const reversed = run("git", ["apply", "-R", "-"], dir, diff)
    return { diff, reversed, restored: readFileSync(join(dir, "a.txt"), "utf8") }
  }

  it("a patch that only adds the final newline gives a turn diff git can reverse", () => {
    const { reversed } = trackedReverse("a\nb", patchOf("*** Update File: a.txt", " b"))
    expect(reversed.stderr).toBe("")
    expect(reversed.status).toBe(0)
  })

  it("reversing the turn diff restores a baseline that lacked a final newline byte for byte", () => {
    const { reversed, restored } = trackedReverse("a\nb", patchOf("*** Update File: a.txt", "-b", "+c"))
    expect(reversed.status).toBe(0)
    expect(restored).toBe("a\nb")
  })

  it("reversing the turn diff restores an ordinary baseline byte for byte", () => {
    const { reversed, restored } = trackedReverse("a\nb\n", patchOf("*** Update File: a.txt", "-b", "+c"))
    expect(reversed.status).toBe(0)
    expect(restored).toBe("a\nb\n")
  })
})

describe("dangling symlinks inside a root (checked: no escape in practice)", () => {
  it("an Add through a dangling symlink creates nothing outside the root", () => {
    const base = tempDir()
    const root = join(base, "root")
    mkdirSync(root)
    symlinkSync(join(base, "outside-new"), join(root, "d"))
    // isWithinWritableRoots says true here (the link target does not exist yet, so the link is not resolved),
    // but writes go through rename, which replaces the link itself, and mkdir under it fails.
    expect(applyIn(root, patchOf("*** Add File: d/f.txt", "+x")).ok).toBe(false)
    expect(applyIn(root, patchOf("*** Add File: d", "+x")).ok).toBe(true)
    expect(existsSync(join(base, "outside-new"))).toBe(false)
    expect(readFileSync(join(root, "d"), "utf8")).toBe("x\n")
  })
})
