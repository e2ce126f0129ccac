/**
 * apply_patch (agent core §7): every grammar form and malformed patch (with the reference's error
 * texts), the four-pass matcher, planning and applying on real files (atomic, all-or-nothing), the
 * diffs checked against GNU diff and `git apply`, path escapes, and shell interception.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { applyPlan } from "../../src/agent/patch/PatchApply.js"
import { parsePatch } from "../../src/agent/patch/PatchParser.js"
import { planPatch } from "../../src/agent/patch/PatchPlan.js"
import { seekSequence } from "../../src/agent/patch/SeekSequence.js"
import { TurnDiffTracker } from "../../src/agent/patch/TurnDiffTracker.js"
import { unifiedDiffHunks } from "../../src/agent/patch/UnifiedDiff.js"
import { isWithinWritableRoots } from "../../src/agent/patch/WritableRoots.js"
import { patchFromArgv } from "../../src/agent/tools/ApplyPatchTool.js"

const temp = () => mkdtempSync(join(tmpdir(), "codex-patch-"))
const patch = (...lines: ReadonlyArray<string>) => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n")
const parse = (text: string) => {
  const result = parsePatch(text)
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}
const parseError = (text: string) => {
  const result = parsePatch(text)
  return Result.isFailure(result) ? result.failure.message : "parsed"
}

/** Plans and applies `text` in `dir`; the success text or the error. */
const apply = (dir: string, text: string): string => {
  const plan = planPatch(parse(text), dir)
  if (Result.isFailure(plan)) return `error: ${plan.failure}`
  const applied = applyPlan(plan.success)
  return Result.isSuccess(applied) ? applied.success : `failed: ${applied.failure}`
}

describe("parser", () => {
  it("reads add, delete and update hunks", () => {
    expect(parse(patch("*** Add File: a.txt", "+one", "+two", "*** Delete File: b.txt", "*** Update File: c.txt", "@@", " keep", "-old", "+new")))
      .toEqual([
        { type: "add", path: "a.txt", contents: "one\ntwo\n" },
        { type: "delete", path: "b.txt" },
        {
          type: "update",
          path: "c.txt",
          movePath: undefined,
          chunks: [{ changeContext: undefined, oldLines: ["keep", "old"], newLines: ["keep", "new"], isEndOfFile: false }]
        }
      ])
  })

  it("reads anchors, several chunks, moves, end-of-file markers and empty context lines", () => {
    const [hunk] = parse(patch(
      "*** Update File: src/app.py",
      "*** Move to: src/main.py",
      "@@ def main():",
      "-    pass",
      "+    run()",
      "",
      "@@",
      " last",
      "",
      "+appended",
      "*** End of File"
    ))
    expect(hunk).toEqual({
      type: "update",
      path: "src/app.py",
      movePath: "src/main.py",
      chunks: [
        { changeContext: "def main():", oldLines: ["    pass", ""], newLines: ["    run()", ""], isEndOfFile: false },
        { changeContext: undefined, oldLines: ["last", ""], newLines: ["last", "", "appended"], isEndOfFile: true }
      ]
    })
  })

  it("accepts the first chunk without @@ and a heredoc wrapper", () => {
    expect(parse(["<<'EOF'", "*** Begin Patch", "*** Update File: x", "-a", "+b", "*** End Patch", "EOF"].join("\n"))).toHaveLength(1)
  })

  it.each([
    ["missing Begin", "*** Update File: x\n-a\n+b\n*** End Patch", "invalid patch: The first line of the patch must be '*** Begin Patch'"],
    ["missing End", "*** Begin Patch\n*** Update File: x\n-a\n+b", "invalid patch: The last line of the patch must be '*** End Patch'"],
    [
      "bad hunk header",
      patch("*** Frobnicate File: x"),
      "invalid hunk at line 2, '*** Frobnicate File: x' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'"
    ],
    ["empty update", patch("*** Update File: x"), "invalid hunk at line 2, Update file hunk for path 'x' is empty"],
    [
      "second chunk without @@",
      patch("*** Update File: x", "@@", "-a", "+b", "bad"),
      "invalid hunk at line 6, Expected update hunk to start with a @@ context marker, got: 'bad'"
    ],
    [
      "unexpected line right after @@",
      patch("*** Update File: x", "@@", "oops"),
      "invalid hunk at line 4, Unexpected line found in update hunk: 'oops'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)"
    ]
  ])("rejects %s", (_, text, message) => {
    expect(parseError(text)).toBe(message)
  })
})

describe("matcher", () => {
  const lines = ["alpha", "beta  ", "  gamma", "delta — dash", "“quoted”", "omega"]
  it.each([
    ["exact", ["alpha", "beta  "], 0, false, 0],
    ["trailing whitespace", ["beta"], 0, false, 1],
    ["surrounding whitespace", ["gamma"], 0, false, 2],
    ["unicode punctuation", ["delta - dash", "\"quoted\""], 0, false, 3],
    ["from the start index", ["omega"], 5, false, 5],
    ["end-of-file anchoring", ["omega"], 0, true, 5],
    ["empty pattern", [], 3, false, 3],
    ["missing", ["nope"], 0, false, undefined],
    ["longer than the file", ["a", "b", "c", "d", "e", "f", "g"], 0, false, undefined]
  ] as const)("%s", (_, pattern, start, eof, expected) => {
    expect(seekSequence(lines, pattern, start, eof)).toBe(expected)
  })
})

describe("plan and apply", () => {
  it("updates a file and describes it with the reference's unified diff", () => {
    const dir = temp()
    writeFileSync(join(dir, "destination_file.txt"), "original content\n")
    const plan = planPatch(parse(patch("*** Update File: destination_file.txt", "@@", "-original content", "+modified content")), dir)
    expect(Result.getOrThrow(plan).fileChanges).toEqual({
      [join(dir, "destination_file.txt")]: { update: { unified_diff: "@@ -1 +1 @@\n-original content\n+modified content\n", move_path: null } }
    })
    expect(Result.isSuccess(applyPlan(Result.getOrThrow(plan)))).toBe(true)
    expect(readFileSync(join(dir, "destination_file.txt"), "utf8")).toBe("modified content\n")
  })

  it("adds (with parent directories), deletes, and moves with an update, reporting A/M/D", () => {
    const dir = temp()
    writeFileSync(join(dir, "gone.txt"), "bye\n")
    writeFileSync(join(dir, "old.txt"), "a\nb\nc\n")
    const result = apply(dir, patch(
      "*** Add File: nested/dir/new.txt",
      "+hello",
      "*** Delete File: gone.txt",
      "*** Update File: old.txt",
      "*** Move to: moved/new-name.txt",
      "@@",
      " a",
      "-b",
      "+B",
      " c"
    ))
    expect(result).toBe("Success. Updated the following files:\nA nested/dir/new.txt\nM moved/new-name.txt\nD gone.txt\n")
    expect(readFileSync(join(dir, "nested/dir/new.txt"), "utf8")).toBe("hello\n")
    expect(existsSync(join(dir, "gone.txt"))).toBe(false)
    expect(existsSync(join(dir, "old.txt"))).toBe(false)
    expect(readFileSync(join(dir, "moved/new-name.txt"), "utf8")).toBe("a\nB\nc\n")
  })

  it("applies several chunks, anchors and whitespace-fuzzy context", () => {
    const dir = temp()
    writeFileSync(join(dir, "m.py"), "class A:\n    def f(self):\n        return 1\n\nclass B:\n    def f(self):\n        return 1   \n")
    const result = apply(dir, patch(
      "*** Update File: m.py",
      "@@ class B:",
      "     def f(self):",
      "-        return 1",
      "+        return 2"
    ))
    expect(result).toMatch(/^Success/)
    expect(readFileSync(join(dir, "m.py"), "utf8")).toBe("class A:\n    def f(self):\n        return 1\n\nclass B:\n    def f(self):\n        return 2\n")
  })

  it("says which context or lines were not found", () => {
    const dir = temp()
    writeFileSync(join(dir, "f.txt"), "one\ntwo\n")
    expect(apply(dir, patch("*** Update File: f.txt", "@@ missing anchor", "-one", "+1")))
      .toBe(`error: Failed to find context 'missing anchor' in ${join(dir, "f.txt")}`)
    expect(apply(dir, patch("*** Update File: f.txt", "@@", "-three", "+3")))
      .toBe(`error: Failed to find expected lines ["three"] in ${join(dir, "f.txt")}`)
  })

  it("changes nothing when a later part of the patch cannot apply", () => {
    const dir = temp()
    writeFileSync(join(dir, "first.txt"), "keep me\n")
    const result = apply(dir, patch("*** Update File: first.txt", "-keep me", "+changed", "*** Update File: missing.txt", "-x", "+y"))
    expect(result).toMatch(/^error: Failed to read file to update/)
    expect(readFileSync(join(dir, "first.txt"), "utf8")).toBe("keep me\n")
  })

  it("rolls back what it wrote when a write fails midway", () => {
    const dir = temp()
    writeFileSync(join(dir, "a.txt"), "a\n")
    writeFileSync(join(dir, "blocker"), "a file where a directory is needed\n")
    const result = apply(dir, patch("*** Update File: a.txt", "-a", "+A", "*** Add File: blocker/child.txt", "+x"))
    expect(result).toMatch(/^failed: /)
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("a\n")
  })

  it("applies 1,000 chunks to a 1 MB file", () => {
    const dir = temp()
    const lines = Array.from({ length: 20_000 }, (_, n) => `line ${n} ${"x".repeat(40)}`)
    writeFileSync(join(dir, "big.txt"), lines.join("\n") + "\n")
    const chunks = Array.from({ length: 1000 }, (_, h) => {
      const at = h * 20 + 10
      return `@@\n ${lines[at - 1]}\n-${lines[at]}\n+changed ${at}\n ${lines[at + 1]}`
    })
    expect(apply(dir, `*** Begin Patch\n*** Update File: big.txt\n${chunks.join("\n")}\n*** End Patch`)).toMatch(/^Success/)
    const result = readFileSync(join(dir, "big.txt"), "utf8").split("\n")
    expect(result).toHaveLength(20_001)
    expect(result[10]).toBe("changed 10")
    expect(result[19_990]).toBe("changed 19990")
    expect(result[19_991]).toBe(lines[19_991])
  })
})

describe("diffs", () => {
  it("match GNU diff -U for random edits", () => {
    const dir = temp()
    let seed = 7
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
    for (let round = 0; round < 20; round++) {
      const before = Array.from({ length: 40 }, (_, n) => `l${n}`)
      const after = [...before]
      for (let edit = 0; edit < 4; edit++) {
        const at = random(after.length)
        if (random(2) === 0) after.splice(at, 1)
        else after.splice(at, 0, `new${round}-${edit}`)
      }
      const a = before.join("\n") + "\n"
      const b = after.join("\n") + "\n"
      writeFileSync(join(dir, "a"), a)
      writeFileSync(join(dir, "b"), b)
      for (const context of [1, 3]) {
        const gnu = spawnSync("diff", [`-U${context}`, join(dir, "a"), join(dir, "b")], { encoding: "utf8" }).stdout
        const ours = unifiedDiffHunks(a, b, context)
        // Both are shortest edit scripts; where several exist they may pick differently, so compare what they do.
        expect(ours.split("\n").filter((l) => l.startsWith("-")).length).toBe(gnu.split("\n").slice(2).filter((l) => l.startsWith("-")).length)
        expect(ours.split("\n").filter((l) => l.startsWith("+")).length).toBe(gnu.split("\n").slice(2).filter((l) => l.startsWith("+")).length)
        // Applying our hunks to the old text must give the new text.
        writeFileSync(join(dir, "f"), a)
        writeFileSync(join(dir, "f.patch"), `--- a/f\n+++ b/f\n${ours}`)
        const applied = spawnSync("git", ["apply", "--unidiff-zero", "f.patch"], { cwd: dir, encoding: "utf8" })
        expect(applied.stderr).toBe("")
        expect(readFileSync(join(dir, "f"), "utf8")).toBe(b)
      }
    }
  })

  it("tracks a turn's changes as a diff git can apply in reverse", () => {
    const dir = temp()
    spawnSync("git", ["init", "-q"], { cwd: dir })
    writeFileSync(join(dir, "f.txt"), "one\ntwo\nthree\n")
    writeFileSync(join(dir, "gone.txt"), "bye\n")
    spawnSync("git", ["add", "."], { cwd: dir })
    spawnSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base"], { cwd: dir })
    const tracker = new TurnDiffTracker()
    tracker.noteTouched([join(dir, "f.txt"), join(dir, "gone.txt"), join(dir, "added.txt")])
    apply(dir, patch("*** Update File: f.txt", "-two", "+TWO", "*** Delete File: gone.txt", "*** Add File: added.txt", "+hi"))
    const diff = tracker.unifiedDiff(dir)
    expect(diff).toContain("diff --git a/f.txt b/f.txt")
    expect(diff).toContain("new file mode 100644")
    expect(diff).toContain("deleted file mode 100644")
    writeFileSync(join(dir, "turn.diff"), diff)
    const check = spawnSync("git", ["apply", "-R", "--check", "turn.diff"], { cwd: dir, encoding: "utf8" })
    expect(check.stderr).toBe("")
    expect(check.status).toBe(0)
  })
})

describe("writable roots", () => {
  it("keeps paths inside and stops every escape", () => {
    const root = temp()
    const outside = temp()
    mkdirSync(join(root, "sub"))
    symlinkSync(outside, join(root, "link"))
    expect(isWithinWritableRoots(join(root, "sub/file.txt"), [root])).toBe(true)
    expect(isWithinWritableRoots(join(root, "not/yet/there.txt"), [root])).toBe(true)
    expect(isWithinWritableRoots(join(root, "../escape.txt"), [root])).toBe(false)
    expect(isWithinWritableRoots(join(outside, "abs.txt"), [root])).toBe(false)
    expect(isWithinWritableRoots(join(root, "link/through-symlink.txt"), [root])).toBe(false)
  })
})

describe("interception", () => {
  const body = patch("*** Add File: x", "+y")
  it.each([
    [["apply_patch", body], body],
    [["applypatch", body], body],
    [["bash", "-lc", `apply_patch <<'EOF'\n${body}\nEOF\n`], body],
    [["bash", "-lc", `apply_patch <<"EOF"\n${body}\nEOF`], body],
    [["bash", "-lc", `apply_patch <<EOF\n${body}\nEOF`], body],
    [["bash", "-lc", "echo apply_patch"], undefined],
    [["ls"], undefined]
  ])("%j", (argv, expected) => {
    expect(patchFromArgv(argv)).toBe(expected)
  })
})
