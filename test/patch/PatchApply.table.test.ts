/**
 * Table tests for `planPatch` / `applyChunks` / `applyPlan` / `touchedPaths` on real temp
 * directories: every kind of change, the not-found messages, the
 * `unified_diff` shown for approval, all-or-nothing failure and the success text.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { applyPlan } from "../../src/agent/patch/PatchApply.js"
import { planPatch, touchedPaths } from "../../src/agent/patch/PatchPlan.js"
import { applyChunks } from "../../src/agent/patch/UpdateChunks.js"
import { applyIn, parseOk, patchOf, tempDir, writeFiles } from "./fixtures.js"

/** Every regular file under `dir` (relative path → content), hidden temp files included. */
const snapshot = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    out[full.slice(dir.length + 1)] = readFileSync(full, "utf8")
  }
  return out
}

type ApplyCase = readonly [
  name: string,
  before: Record<string, string>,
  patch: string,
  stdout: string,
  after: Record<string, string>
]

describe("apply: successful patches", () => {
  it.each<ApplyCase>([
    [
      "add a file",
      {},
      patchOf("*** Add File: a.txt", "+one", "+two"),
      "Success. Updated the following files:\nA a.txt\n",
      { "a.txt": "one\ntwo\n" }
    ],
    [
      "add a file in new nested directories",
      {},
      patchOf("*** Add File: x/y/z/a.txt", "+deep"),
      "Success. Updated the following files:\nA x/y/z/a.txt\n",
      { "x/y/z/a.txt": "deep\n" }
    ],
    [
      "add over an existing file overwrites it",
      { "a.txt": "old\n" },
      patchOf("*** Add File: a.txt", "+new"),
      "Success. Updated the following files:\nA a.txt\n",
      { "a.txt": "new\n" }
    ],
    [
      "delete a file",
      { "d.txt": "bye\n", "keep.txt": "k\n" },
      patchOf("*** Delete File: d.txt"),
      "Success. Updated the following files:\nD d.txt\n",
      { "keep.txt": "k\n" }
    ],
    [
      "update one line",
      { "u.txt": "a\nb\nc\n" },
      patchOf("*** Update File: u.txt", "@@", " a", "-b", "+B", " c"),
      "Success. Updated the following files:\nM u.txt\n",
      { "u.txt": "a\nB\nc\n" }
    ],
    [
      "update a file without a trailing newline gains one",
      { "u.txt": "a\nb" },
      patchOf("*** Update File: u.txt", "-b", "+c"),
      "Success. Updated the following files:\nM u.txt\n",
      { "u.txt": "a\nc\n" }
    ],
    [
      "move with an update",
      { "src/old.txt": "x\ny\n" },
      patchOf("*** Update File: src/old.txt", "*** Move to: dst/new.txt", "@@", "-y", "+Y"),
      "Success. Updated the following files:\nM dst/new.txt\n",
      { "dst/new.txt": "x\nY\n" }
    ],
    [
      "several chunks with anchors",
      { "m.py": "class A:\n    x = 1\nclass B:\n    x = 1\nclass C:\n    x = 1\n" },
      patchOf("*** Update File: m.py", "@@ class A:", "-    x = 1", "+    x = 10", "@@ class C:", "-    x = 1", "+    x = 30"),
      "Success. Updated the following files:\nM m.py\n",
      { "m.py": "class A:\n    x = 10\nclass B:\n    x = 1\nclass C:\n    x = 30\n" }
    ],
    [
      "the anchor picks the second of two identical lines",
      { "m.txt": "f\n  ret\ng\n  ret\n" },
      patchOf("*** Update File: m.txt", "@@ g", "-  ret", "+  RET"),
      "Success. Updated the following files:\nM m.txt\n",
      { "m.txt": "f\n  ret\ng\n  RET\n" }
    ],
    [
      "pure insertion appends at the end",
      { "u.txt": "a\nb\n" },
      patchOf("*** Update File: u.txt", "@@", "+c"),
      "Success. Updated the following files:\nM u.txt\n",
      { "u.txt": "a\nb\nc\n" }
    ],
    [
      "End of File anchors at the last occurrence",
      { "u.txt": "x\nend\nx\nend\n" },
      patchOf("*** Update File: u.txt", "@@", "-end", "+END", "*** End of File"),
      "Success. Updated the following files:\nM u.txt\n",
      { "u.txt": "x\nend\nx\nEND\n" }
    ],
    [
      "trailing empty context line is dropped when it does not match",
      { "u.txt": "a\nb\n" },
      patchOf("*** Update File: u.txt", "@@", "-b", "+B", ""),
      "Success. Updated the following files:\nM u.txt\n",
      { "u.txt": "a\nB\n" }
    ],
    [
      "fuzzy context with Unicode punctuation keeps the replacement text",
      { "q.txt": "say \u201Chi\u201D \u2014 ok\n" },
      patchOf("*** Update File: q.txt", "-say \"hi\" - ok", "+say \"bye\""),
      "Success. Updated the following files:\nM q.txt\n",
      { "q.txt": "say \"bye\"\n" }
    ],
    [
      "A, M and D together are listed in that order",
      { "m.txt": "1\n", "d.txt": "2\n" },
      patchOf("*** Delete File: d.txt", "*** Update File: m.txt", "-1", "+one", "*** Add File: n/a.txt", "+3"),
      "Success. Updated the following files:\nA n/a.txt\nM m.txt\nD d.txt\n",
      { "m.txt": "one\n", "n/a.txt": "3\n" }
    ]
  ])("%s", (_, before, patch, stdout, after) => {
    const dir = tempDir()
    writeFiles(dir, before)
    expect(applyIn(dir, patch)).toEqual({ ok: true, stdout })
    expect(snapshot(dir)).toEqual(after)
  })
})

describe("apply: failures change nothing", () => {
  it.each<readonly [string, Record<string, string>, (dir: string) => string, (dir: string) => string]>([
    [
      "anchor not found",
      { "u.txt": "a\nb\n" },
      () => patchOf("*** Update File: u.txt", "@@ def nowhere", "-a", "+A"),
      (dir) => `Failed to find context 'def nowhere' in ${join(dir, "u.txt")}`
    ],
    [
      "lines not found",
      { "u.txt": "a\nb\n" },
      () => patchOf("*** Update File: u.txt", "@@", " a", "-zzz", "+y"),
      (dir) => `Failed to find expected lines ["a", "zzz"] in ${join(dir, "u.txt")}`
    ],
    [
      "End of File lines that are not at the end",
      { "u.txt": "a\nb\n" },
      () => patchOf("*** Update File: u.txt", "@@", "-a", "+A", "*** End of File"),
      (dir) => `Failed to find expected lines ["a"] in ${join(dir, "u.txt")}`
    ],
    [
      "a second update whose file is missing leaves the first file untouched",
      { "first.txt": "one\n" },
      () => patchOf("*** Update File: first.txt", "-one", "+ONE", "*** Update File: missing.txt", "-x", "+y"),
      (dir) => `Failed to read file to update ${join(dir, "missing.txt")}: No such file or directory (os error 2)`
    ],
    [
      "deleting a missing file after an add writes nothing",
      {},
      () => patchOf("*** Add File: new.txt", "+n", "*** Delete File: missing.txt"),
      (dir) => `Failed to read ${join(dir, "missing.txt")}: No such file or directory (os error 2)`
    ]
  ])("%s", (_, before, patch, message) => {
    const dir = tempDir()
    writeFiles(dir, before)
    expect(applyIn(dir, patch(dir))).toEqual({ ok: false, stage: "plan", error: message(dir) })
    expect(snapshot(dir)).toEqual(before)
  })

  it("an empty patch modifies nothing and says so", () => {
    const dir = tempDir()
    expect(applyIn(dir, patchOf())).toEqual({ ok: false, stage: "apply", error: "No files were modified." })
  })

  it("a write that fails midway rolls back the files already written", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "a\n", "blocker": "a file, not a directory\n" })
    const outcome = applyIn(dir, patchOf("*** Update File: a.txt", "-a", "+A", "*** Add File: blocker/inner.txt", "+x"))
    expect(outcome.ok).toBe(false)
    expect(snapshot(dir)).toEqual({ "a.txt": "a\n", "blocker": "a file, not a directory\n" })
  })
})

describe("plan: approval view", () => {
  it("shows the reference example's unified_diff", () => {
    const dir = tempDir()
    writeFiles(dir, { "f.txt": "original content\n" })
    const plan = planPatch(parseOk(patchOf("*** Update File: f.txt", "-original content", "+modified content")), dir)
    expect(Result.isSuccess(plan)).toBe(true)
    if (Result.isFailure(plan)) return
    expect(plan.success.fileChanges).toEqual({
      [join(dir, "f.txt")]: { update: { unified_diff: "@@ -1 +1 @@\n-original content\n+modified content\n", move_path: null } }
    })
    expect(readFileSync(join(dir, "f.txt"), "utf8")).toBe("original content\n")
  })

  it("lists adds, deletes and moves, and every touched path including the move destination", () => {
    const dir = tempDir()
    writeFiles(dir, { "d.txt": "d\n", "m.txt": "m\n" })
    const plan = planPatch(parseOk(patchOf(
      "*** Add File: a.txt",
      "+a",
      "*** Delete File: d.txt",
      "*** Update File: m.txt",
      "*** Move to: sub/moved.txt",
      "-m",
      "+M"
    )), dir)
    if (Result.isFailure(plan)) throw new Error(plan.failure)
    expect(plan.success.fileChanges).toEqual({
      [join(dir, "a.txt")]: { add: { content: "a\n" } },
      [join(dir, "d.txt")]: "delete",
      [join(dir, "m.txt")]: { update: { unified_diff: "@@ -1 +1 @@\n-m\n+M\n", move_path: join(dir, "sub/moved.txt") } }
    })
    expect(touchedPaths(plan.success)).toEqual([join(dir, "a.txt"), join(dir, "d.txt"), join(dir, "m.txt"), join(dir, "sub/moved.txt")])
    expect(existsSync(join(dir, "a.txt"))).toBe(false)
  })
})

describe("apply: files that change between plan and apply", () => {
  const planned = (dir: string, text: string) => {
    const plan = planPatch(parseOk(text), dir)
    if (Result.isFailure(plan)) throw new Error(plan.failure)
    return plan.success
  }

  it("re-plans against the current file when the context still fits", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "a\nb\n" })
    const plan = planned(dir, patchOf("*** Update File: a.txt", "-a", "+A"))
    writeFileSync(join(dir, "a.txt"), "first\na\nb\n")
    expect(applyPlan(plan)).toEqual(Result.succeed("Success. Updated the following files:\nM a.txt\n"))
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("first\nA\nb\n")
  })

  it("fails and keeps the user's edit when the context no longer fits", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "a\nb\n" })
    const plan = planned(dir, patchOf("*** Update File: a.txt", "-a", "+A"))
    writeFileSync(join(dir, "a.txt"), "rewritten\n")
    expect(applyPlan(plan)).toEqual(Result.fail(`Failed to find expected lines ["a"] in ${join(dir, "a.txt")}`))
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("rewritten\n")
  })
})

describe("applyChunks", () => {
  it.each<readonly [string, string, string, string]>([
    ["replaces in the middle", "a\nb\nc\n", patchOf("*** Update File: f", "-b", "+B"), "a\nB\nc\n"],
    ["inserts into an empty file", "", patchOf("*** Update File: f", "@@", "+x"), "x\n"],
    ["removes a line", "a\nb\nc\n", patchOf("*** Update File: f", " a", "-b", " c"), "a\nc\n"],
    ["applies chunks in file order even when the cursor moves", "1\n2\n3\n4\n", patchOf("*** Update File: f", "@@", "-2", "+two", "@@", "-4", "+four"), "1\ntwo\n3\nfour\n"]
  ])("%s", (_, content, patch, expected) => {
    const [hunk] = parseOk(patch)
    if (hunk?._tag !== "UpdateFile") throw new Error("expected an update hunk")
    expect(applyChunks(content, hunk.chunks, "f")).toEqual(Result.succeed(expected))
  })

  it("a later chunk must come after the earlier one", () => {
    const [hunk] = parseOk(patchOf("*** Update File: f", "@@", "-b", "+B", "@@", "-a", "+A"))
    if (hunk?._tag !== "UpdateFile") throw new Error("expected an update hunk")
    expect(applyChunks("a\nb\n", hunk.chunks, "f")).toEqual(Result.fail("Failed to find expected lines [\"a\"] in f"))
  })
})

describe("apply: size", () => {
  it("applies 1,000 update chunks to a ~1 MB file", () => {
    const dir = tempDir()
    const lineCount = 10_000
    const pad = "x".repeat(90)
    const original = Array.from({ length: lineCount }, (_, i) => `line ${String(i).padStart(5, "0")} ${pad}`)
    writeFiles(dir, { "big.txt": `${original.join("\n")}\n` })
    expect(readFileSync(join(dir, "big.txt")).length).toBeGreaterThan(1_000_000)
    const chunks: Array<string> = []
    for (let c = 0; c < 1000; c++) {
      const i = c * 10 + 5
      chunks.push(`@@ line ${String(i - 1).padStart(5, "0")} ${pad}`, `-${original[i]}`, `+changed ${i}`, `+inserted ${i}`)
    }
    expect(applyIn(dir, patchOf("*** Update File: big.txt", ...chunks))).toEqual({
      ok: true,
      stdout: "Success. Updated the following files:\nM big.txt\n"
    })
    const result = readFileSync(join(dir, "big.txt"), "utf8")
    expect(result.endsWith("\n")).toBe(true)
    const lines = result.slice(0, -1).split("\n")
    expect(lines).toHaveLength(lineCount + 1000)
    expect(lines.slice(0, 8)).toEqual([original[0], original[1], original[2], original[3], original[4], "changed 5", "inserted 5", original[6]])
    expect(lines.slice(-6, -4)).toEqual(["changed 9995", "inserted 9995"])
    expect(lines.at(-1)).toBe(original[lineCount - 1])
    expect(lines.filter((line) => line.startsWith("changed "))).toHaveLength(1000)
  })
})
