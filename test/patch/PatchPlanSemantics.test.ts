/**
 * What planning decides before anything is written: the `FileChanges` shown
 * for approval, hunks that build on earlier hunks of the same patch, line endings, the reference's
 * error texts, the standalone command's outputs, and a 1 MB file with 1,000 chunks.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { runApplyPatch } from "../../src/agent/patch/ApplyPatchCommand.js"
import { planPatch } from "../../src/agent/patch/PatchPlan.js"
import { rustDebugList } from "../../src/agent/patch/UpdateChunks.js"
import { applyIn, parseOk, patchOf, tempDir, writeFiles } from "./fixtures.js"

const plan = (dir: string, text: string) => planPatch(parseOk(text), dir)
const changesOf = (dir: string, text: string) => Result.getOrThrow(plan(dir, text)).fileChanges

describe("FileChanges for approval", () => {
  it("matches the reference example exactly", () => {
    const dir = tempDir()
    writeFiles(dir, { "destination_file.txt": "original content\n" })
    expect(changesOf(dir, patchOf("*** Update File: destination_file.txt", "@@", "-original content", "+modified content"))).toEqual({
      [join(dir, "destination_file.txt")]: { update: { unified_diff: "@@ -1 +1 @@\n-original content\n+modified content\n", move_path: null } }
    })
  })

  it("describes adds, deletes and moves under absolute paths", () => {
    const dir = tempDir()
    writeFiles(dir, { "gone.txt": "bye\n", "src/old.txt": "1\n2\n3\n4\n5\n" })
    expect(changesOf(dir, patchOf(
      "*** Add File: sub/../new.txt",
      "+hello",
      "*** Delete File: gone.txt",
      "*** Update File: src/old.txt",
      "*** Move to: dst/new.txt",
      "@@",
      " 2",
      "-3",
      "+three",
      " 4"
    ))).toEqual({
      [join(dir, "new.txt")]: { add: { content: "hello\n" } },
      [join(dir, "gone.txt")]: "delete",
      [join(dir, "src/old.txt")]: { update: { unified_diff: "@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n", move_path: join(dir, "dst/new.txt") } }
    })
  })

  it("uses one line of context and separate hunks for distant changes", () => {
    const dir = tempDir()
    writeFiles(dir, { "f.txt": "a\nb\nc\nd\ne\nf\ng\n" })
    const changes = changesOf(dir, patchOf("*** Update File: f.txt", "@@", "-a", "+A", "@@", "-g", "+G"))
    expect(changes[join(dir, "f.txt")]).toEqual({
      update: { unified_diff: "@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -6,2 +6,2 @@\n f\n-g\n+G\n", move_path: null }
    })
  })

  it("shows an add followed by an update of the same file as one add", () => {
    const dir = tempDir()
    expect(changesOf(dir, patchOf("*** Add File: a.txt", "+1", "+2", "*** Update File: a.txt", "-2", "+two"))).toEqual({
      [join(dir, "a.txt")]: { add: { content: "1\ntwo\n" } }
    })
  })

  it("shows two updates of the same file as one diff from the original", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "1\n2\n3\n" })
    expect(changesOf(dir, patchOf("*** Update File: a.txt", "-1", "+one", "*** Update File: a.txt", "-3", "+three"))).toEqual({
      [join(dir, "a.txt")]: { update: { unified_diff: "@@ -1,3 +1,3 @@\n-1\n+one\n 2\n-3\n+three\n", move_path: null } }
    })
  })
})

describe("new contents", () => {
  it.each<readonly [string, string, ReadonlyArray<string>, string]>([
    ["keeps CRLF line endings in a CRLF file", "a\r\nb\r\nc\r\n", ["-b", "+B"], "a\r\nB\r\nc\r\n"],
    ["keeps each line's ending in a mixed CRLF/LF file", "a\r\nb\nc\r\n", [" a", "-b", "-c", "+B", "+C", "+D"], "a\r\nB\nC\r\nD\r\n"],
    ["keeps the ending of a context line that follows a removed identical line", "same\r\nsame\n", ["-same", " same"], "same\n"],
    ["keeps the ending of a context line that precedes a removed identical line", "same\r\nsame\n", [" same", "-same"], "same\r\n"],
    ["gives a pure insertion the ending of the line before it", "a\r\nb\n", ["+c"], "a\r\nb\nc\n"],
    ["keeps LF in a file with a stray CR inside a line", "a\rx\nb\n", ["-b", "+B"], "a\rx\nB\n"],
    ["adds the missing final newline", "a\nb", ["-b", "+B"], "a\nB\n"],
    ["keeps a trailing blank line", "a\nb\n\n", ["-a", "+A"], "A\nb\n\n"],
    ["appends a pure insertion at the end, even with an anchor", "def f():\n    pass\nend\n", ["@@ def f():", "+    added"], "def f():\n    pass\nend\n    added\n"],
    ["anchors an End of File chunk at the last occurrence", "x\ny\nx\ny\n", ["@@", "-x", " y", "*** End of File"], "x\ny\ny\n"],
    ["finds lines with a final empty context line at the end of the file", "a\nb\n", ["@@", " a", "-b", "+B", ""], "a\nB\n"],
    ["matches typographic punctuation in the file", "say “hi” — now\n", ["-say \"hi\" - now", "+say hello"], "say hello\n"],
    ["matches despite different indentation", "    indented\n", ["-indented", "+flat"], "flat\n"],
    ["empties a file when every line goes", "a\nb\n", ["-a", "-b"], ""]
  ])("%s", (_, before, chunkLines, after) => {
    const dir = tempDir()
    writeFileSync(join(dir, "f.txt"), before)
    expect(applyIn(dir, patchOf("*** Update File: f.txt", ...chunkLines))).toMatchObject({ ok: true })
    expect(readFileSync(join(dir, "f.txt"), "utf8")).toBe(after)
  })
})

describe("the reference's error texts", () => {
  it.each<readonly [string, (dir: string) => void, ReadonlyArray<string>, (dir: string) => string]>([
    ["update of a missing file", () => {}, ["*** Update File: nope.txt", "-a", "+b"], (d) => `Failed to read file to update ${join(d, "nope.txt")}: No such file or directory (os error 2)`],
    ["delete of a missing file", () => {}, ["*** Delete File: nope.txt"], (d) => `Failed to read ${join(d, "nope.txt")}: No such file or directory (os error 2)`],
    ["delete of a directory", (d) => mkdirSync(join(d, "dir")), ["*** Delete File: dir"], (d) => `Failed to read ${join(d, "dir")}: Is a directory (os error 21)`],
    [
      "update of a file that is not UTF-8",
      (d) => writeFileSync(join(d, "bin"), Buffer.from([0xff, 0xfe, 0x0a])),
      ["*** Update File: bin", "-a", "+b"],
      (d) => `Failed to read file to update ${join(d, "bin")}: stream did not contain valid UTF-8`
    ],
    [
      "update of a file deleted earlier in the patch",
      (d) => writeFileSync(join(d, "f.txt"), "a\n"),
      ["*** Delete File: f.txt", "*** Update File: f.txt", "-a", "+b"],
      (d) => `Failed to read file to update ${join(d, "f.txt")}: No such file or directory (os error 2)`
    ],
    [
      "a missing @@ anchor",
      (d) => writeFileSync(join(d, "f.txt"), "a\n"),
      ["*** Update File: f.txt", "@@ class Missing", "-a", "+b"],
      (d) => `Failed to find context 'class Missing' in ${join(d, "f.txt")}`
    ],
    [
      "missing lines, listed as Rust debug-prints them",
      (d) => writeFileSync(join(d, "f.txt"), "a\n"),
      ["*** Update File: f.txt", "@@", " say \"hi\"", "-a\\b", "-\tx", "+y"],
      (d) => `Failed to find expected lines ["say \\"hi\\"", "a\\\\b", "\\tx"] in ${join(d, "f.txt")}`
    ]
  ])("%s", (_, setup, lines, message) => {
    const dir = tempDir()
    setup(dir)
    expect(plan(dir, patchOf(...lines))).toEqual(Result.fail(message(dir)))
  })

  it("rustDebugList escapes like Rust's {:?}", () => {
    expect(rustDebugList([])).toBe("[]")
    expect(rustDebugList(["plain", "it's", "nul\0", "esc\u001b", "é"])).toBe("[\"plain\", \"it's\", \"nul\\0\", \"esc\\u{1b}\", \"é\"]")
  })
})

describe("runApplyPatch (the standalone command's outputs)", () => {
  it.each<readonly [string, string, 0 | 1, string, string]>([
    ["success", patchOf("*** Add File: a.txt", "+a"), 0, "Success. Updated the following files:\nA a.txt\n", ""],
    ["an envelope error", "*** Add File: a.txt\n+a", 1, "", "Invalid patch: The first line of the patch must be '*** Begin Patch'\n"],
    [
      "a hunk error",
      patchOf("*** Frob File: a.txt"),
      1,
      "",
      "Invalid patch hunk on line 2: '*** Frob File: a.txt' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'\n"
    ],
    ["no hunks", patchOf(), 1, "", "No files were modified.\n"]
  ])("%s", (_, text, exitCode, stdout, stderr) => {
    expect(runApplyPatch(text, tempDir())).toEqual({ exitCode, stdout, stderr })
  })

  it("reports a context error on stderr and changes nothing", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "a\n", "b.txt": "b\n" })
    const outcome = runApplyPatch(patchOf("*** Update File: a.txt", "-a", "+A", "*** Update File: b.txt", "-x", "+X"), dir)
    expect(outcome).toEqual({ exitCode: 1, stdout: "", stderr: `Failed to find expected lines ["x"] in ${join(dir, "b.txt")}\n` })
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("a\n")
  })
})

describe("size", () => {
  it("plans and applies 1,000 chunks on a ~1 MB file, with an exact diff for approval", () => {
    const dir = tempDir()
    const lines = Array.from({ length: 20_000 }, (_, n) => `line ${n} ${"x".repeat(40)}`)
    writeFileSync(join(dir, "big.txt"), `${lines.join("\n")}\n`)
    const chunks = Array.from({ length: 1000 }, (_, h) => {
      const at = h * 20 + 10
      return [`@@ ${lines[at - 5]}`, ` ${lines[at - 1]}`, `-${lines[at]}`, `+changed ${at}`, ` ${lines[at + 1]}`]
    })
    const text = patchOf("*** Update File: big.txt", ...chunks.flat())
    const planned = Result.getOrThrow(plan(dir, text))
    const change = planned.fileChanges[join(dir, "big.txt")]
    const diff = typeof change === "object" && "update" in change ? change.update.unified_diff : ""
    const diffLines = diff.split("\n")
    expect(diffLines.filter((line) => line.startsWith("@@ ")).length).toBe(1000)
    expect(diffLines.filter((line) => line.startsWith("-")).length).toBe(1000)
    expect(diffLines.filter((line) => line.startsWith("+")).length).toBe(1000)
    expect(applyIn(dir, text)).toEqual({ ok: true, stdout: "Success. Updated the following files:\nM big.txt\n" })
    const result = readFileSync(join(dir, "big.txt"), "utf8").split("\n")
    expect(result).toHaveLength(20_001)
    for (let h = 0; h < 1000; h++) expect(result[h * 20 + 10]).toBe(`changed ${h * 20 + 10}`)
    expect(result.filter((line, n) => n % 20 !== 10 && n < 20_000 && line !== lines[n])).toEqual([])
  })
})
