/**
 * `unifiedDiffHunks` checked against GNU `diff -U<n>` (the oracle) for table edits and seeded
 * random line edits, and `TurnDiffTracker` checked with `git apply -R --check` in a real repository.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { applyPlan } from "../../src/agent/patch/PatchApply.js"
import { planPatch, touchedPaths } from "../../src/agent/patch/PatchPlan.js"
import { TurnDiffTracker } from "../../src/agent/patch/TurnDiffTracker.js"
import { unifiedDiffHunks } from "../../src/agent/patch/UnifiedDiff.js"
import { parseOk, patchOf, run, seededRandom, tempDir, writeFiles } from "./fixtures.js"

/** GNU diff's hunks for the two texts, without its `---`/`+++` header lines. */
const gnuHunks = (oldText: string, newText: string, context: number): string => {
  const dir = tempDir()
  writeFileSync(join(dir, "old"), oldText)
  writeFileSync(join(dir, "new"), newText)
  const result = run("diff", [`-U${context}`, "old", "new"], dir)
  expect(result.status, result.stderr).toBe(oldText === newText ? 0 : 1)
  return result.stdout.split("\n").slice(2).join("\n")
}

const text = (lines: ReadonlyArray<string>) => lines.map((line) => `${line}\n`).join("")
const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}`)

/** Applies `edits` random single-line edits (replace, delete, insert) to `lines`. */
const randomlyEdited = (lines: ReadonlyArray<string>, edits: number, random: () => number): Array<string> => {
  const out = [...lines]
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1))
    const kind = Math.floor(random() * 3)
    if (kind === 0 && at < out.length) out[at] = `changed ${e}`
    else if (kind === 1 && at < out.length) out.splice(at, 1)
    else out.splice(at, 0, `inserted ${e}`)
  }
  return out
}

describe("unifiedDiffHunks vs GNU diff", () => {
  it.each<readonly [string, ReadonlyArray<string>, ReadonlyArray<string>, number]>([
    ["the reference example (1 line of context)", ["original content"], ["modified content"], 1],
    ["one change in the middle", numbered(9), [...numbered(4), "five", ...numbered(9).slice(5)], 3],
    ["two changes far apart make two hunks", numbered(20), ["ONE", ...numbered(20).slice(1, 19), "TWENTY"], 3],
    ["two changes close together merge into one hunk", numbered(20), [...numbered(5), "x", ...numbered(20).slice(6, 9), "y", ...numbered(20).slice(10)], 3],
    ["insert at the start", numbered(5), ["zero", ...numbered(5)], 3],
    ["append at the end", numbered(5), [...numbered(5), "six"], 1],
    ["delete everything", numbered(3), [], 3],
    ["from empty", [], numbered(3), 3],
    ["zero context", numbered(10), [...numbered(3), ...numbered(10).slice(4)], 0]
  ])("%s", (_, before, after, context) => {
    expect(unifiedDiffHunks(text(before), text(after), context)).toBe(gnuHunks(text(before), text(after), context))
  })

  it("is empty when the texts are equal", () => {
    expect(unifiedDiffHunks("a\nb\n", "a\nb\n", 3)).toBe("")
  })

  it.each(Array.from({ length: 12 }, (_, seed) => [seed]))("random edits, seed %i", (seed) => {
    const random = seededRandom(seed + 1)
    const before = numbered(10 + Math.floor(random() * 50))
    const after = randomlyEdited(before, 1 + Math.floor(random() * 6), random)
    const context = [0, 1, 3, 5][seed % 4]!
    expect(unifiedDiffHunks(text(before), text(after), context)).toBe(gnuHunks(text(before), text(after), context))
  })
})

describe("unifiedDiffHunks vs GNU diff on repetitive text", () => {
  /** Lines drawn from a tiny alphabet, so many equally short edit scripts exist. */
  const repetitive = (count: number, random: () => number) =>
    Array.from({ length: count }, () => ["{", "}", "", "x", "return"][Math.floor(random() * 5)]!)

  /** GNU `patch` applies `hunks` (with minimal headers) to `before`; the result. */
  const patched = (before: string, hunks: string) => {
    const dir = tempDir()
    writeFileSync(join(dir, "f"), before)
    const result = run("patch", ["-s", "--no-backup-if-mismatch", "f"], dir, `--- f\n+++ f\n${hunks}`)
    expect(result.status, result.stderr + result.stdout).toBe(0)
    return readFileSync(join(dir, "f"), "utf8")
  }

  it.each(Array.from({ length: 8 }, (_, seed) => [seed]))("seed %i: as short as GNU's, and `patch` applies it", (seed) => {
    const random = seededRandom(1000 + seed)
    const before = text(repetitive(20 + Math.floor(random() * 30), random))
    const after = text(randomlyEdited(before.slice(0, -1).split("\n"), 1 + Math.floor(random() * 8), random))
    const ours = unifiedDiffHunks(before, after, 2)
    const gnu = gnuHunks(before, after, 2)
    const changes = (hunks: string) => hunks.split("\n").filter((line) => line.startsWith("-") || line.startsWith("+")).length
    expect(changes(ours)).toBe(changes(gnu))
    expect(patched(before, ours)).toBe(after)
  })
})

describe("TurnDiffTracker vs git apply", () => {
  const gitRepo = (files: Record<string, string>) => {
    const dir = tempDir()
    expect(run("git", ["init", "-q"], dir).status).toBe(0)
    writeFiles(dir, files)
    return dir
  }

  /** Snapshots, applies `patch` in `dir`, and returns the turn diff. */
  const applyTracked = (dir: string, patch: string, tracker = new TurnDiffTracker()) => {
    const plan = planPatch(parseOk(patch), dir)
    if (Result.isFailure(plan)) throw new Error(plan.failure)
    tracker.noteTouched(touchedPaths(plan.success))
    expect(Result.isSuccess(applyPlan(plan.success))).toBe(true)
    return tracker.unifiedDiff(dir)
  }

  const reverseCheck = (dir: string, diff: string) => run("git", ["apply", "-R", "--check", "-"], dir, diff)

  it.each<readonly [string, Record<string, string>, string, ReadonlyArray<string>]>([
    [
      "an update",
      { "src/a.txt": `${numbered(30).join("\n")}\n` },
      patchOf("*** Update File: src/a.txt", "@@", " line 9", "-line 10", "+line ten", "@@", "-line 25", "+line 25a", "+line 25b"),
      ["diff --git a/src/a.txt b/src/a.txt", "--- a/src/a.txt", "+++ b/src/a.txt"]
    ],
    ["an add", {}, patchOf("*** Add File: new/b.txt", "+hello", "+world"), ["new file mode 100644", "--- /dev/null", "+++ b/new/b.txt"]],
    ["a delete", { "c.txt": "bye\n" }, patchOf("*** Delete File: c.txt"), ["deleted file mode 100644", "--- a/c.txt", "+++ /dev/null"]],
    [
      "a move with an update",
      { "m.txt": "1\n2\n3\n" },
      patchOf("*** Update File: m.txt", "*** Move to: moved/m.txt", "-2", "+two"),
      ["--- a/m.txt", "+++ /dev/null", "--- /dev/null", "+++ b/moved/m.txt"]
    ]
  ])("%s reverses cleanly", (_, files, patch, headerLines) => {
    const dir = gitRepo(files)
    const diff = applyTracked(dir, patch)
    for (const line of headerLines) expect(diff.split("\n")).toContain(line)
    const check = reverseCheck(dir, diff)
    expect(check.stderr).toBe("")
    expect(check.status).toBe(0)
  })

  it("keeps the first baseline across two patches in one turn", () => {
    const dir = gitRepo({ "a.txt": "one\ntwo\nthree\n" })
    const tracker = new TurnDiffTracker()
    applyTracked(dir, patchOf("*** Update File: a.txt", "-one", "+ONE"), tracker)
    const diff = applyTracked(dir, patchOf("*** Update File: a.txt", "-three", "+THREE"), tracker)
    expect(diff).toContain("-one\n")
    expect(diff).toContain("-three\n")
    expect(reverseCheck(dir, diff).status).toBe(0)
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("ONE\ntwo\nTHREE\n")
  })

  it("paths are relative to the git root when cwd is below it", () => {
    const dir = gitRepo({ "sub/a.txt": "x\n" })
    const diff = applyTracked(join(dir, "sub"), patchOf("*** Update File: a.txt", "-x", "+y"))
    expect(diff.split("\n")[0]).toBe("diff --git a/sub/a.txt b/sub/a.txt")
    expect(reverseCheck(dir, diff).status).toBe(0)
  })

  it("the index line carries git's blob ids", () => {
    const dir = gitRepo({ "a.txt": "before\n" })
    const diff = applyTracked(dir, patchOf("*** Update File: a.txt", "-before", "+after"))
    const oldId = run("git", ["hash-object", "--stdin"], dir, "before\n").stdout.trim()
    const newId = run("git", ["hash-object", "a.txt"], dir).stdout.trim()
    expect(diff).toContain(`index ${oldId}..${newId} 100644\n`)
  })

  it("is empty before anything changes", () => {
    const dir = gitRepo({ "a.txt": "x\n" })
    const tracker = new TurnDiffTracker()
    tracker.noteTouched([join(dir, "a.txt")])
    expect(tracker.unifiedDiff(dir)).toBe("")
  })
})
