/**
 * Table tests for `parsePatch`: every grammar form, the lenient heredoc
 * wrapper, and each malformed-patch error with the reference's exact text and line number.
 */
import { describe, expect, it } from "vitest"
import { DELETE, EQUAL, INSERT } from "../../src/agent/patch/LineDiff.js"
import type { Hunk, UpdateChunk } from "../../src/agent/patch/PatchParser.js"
import { parseErrorOf, parseOk, patchOf } from "./fixtures.js"

/** A chunk as the grammar tables compare it: its markers (`ops`) have their own test below. */
const chunk = (oldLines: ReadonlyArray<string>, newLines: ReadonlyArray<string>, extra: Partial<UpdateChunk> = {}): Omit<UpdateChunk, "ops"> => ({
  changeContext: undefined,
  oldLines,
  newLines,
  isEndOfFile: false,
  ...extra
})
const update = (path: string, chunks: ReadonlyArray<Omit<UpdateChunk, "ops">>, movePath?: string) => ({ _tag: "UpdateFile", path, movePath, chunks })
const add = (path: string, contents: string): Hunk => ({ _tag: "AddFile", path, contents })
const del = (path: string): Hunk => ({ _tag: "DeleteFile", path })

const HEADERS = "Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'"
const UNEXPECTED = "Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)"

describe("parsePatch: grammar forms", () => {
  it.each<[string, string, ReadonlyArray<Hunk | ReturnType<typeof update>>]>([
    ["an empty patch", patchOf(), []],
    ["add with one line", patchOf("*** Add File: a.txt", "+hello"), [add("a.txt", "hello\n")]],
    [
      "add with several lines, an empty one and a nested path",
      patchOf("*** Add File: deep/dir/a.txt", "+one", "+", "+  three  "),
      [add("deep/dir/a.txt", "one\n\n  three  \n")]
    ],
    ["add with no lines", patchOf("*** Add File: empty.txt"), [add("empty.txt", "")]],
    ["delete", patchOf("*** Delete File: gone.txt"), [del("gone.txt")]],
    ["update without @@", patchOf("*** Update File: u.txt", " keep", "-old", "+new"), [update("u.txt", [chunk(["keep", "old"], ["keep", "new"])])]],
    ["update with bare @@", patchOf("*** Update File: u.txt", "@@", "-old", "+new"), [update("u.txt", [chunk(["old"], ["new"])])]],
    [
      "update with @@ anchor",
      patchOf("*** Update File: u.py", "@@ def main():", "-    pass", "+    run()"),
      [update("u.py", [chunk(["    pass"], ["    run()"], { changeContext: "def main():" })])]
    ],
    [
      "several chunks, blank lines between them skipped",
      patchOf("*** Update File: u.txt", "@@ class A", "-a", "+A", "@@", " b", "+c", "@@ class C", "-d"),
      [update("u.txt", [
        chunk(["a"], ["A"], { changeContext: "class A" }),
        chunk(["b"], ["b", "c"]),
        chunk(["d"], [], { changeContext: "class C" })
      ])]
    ],
    [
      "a pure insertion chunk",
      patchOf("*** Update File: u.txt", "@@", "+appended"),
      [update("u.txt", [chunk([], ["appended"])])]
    ],
    [
      "*** Move to:",
      patchOf("*** Update File: old/name.txt", "*** Move to: new/name.txt", "@@", "-x", "+y"),
      [update("old/name.txt", [chunk(["x"], ["y"])], "new/name.txt")]
    ],
    [
      "*** End of File",
      patchOf("*** Update File: u.txt", "@@", " last", "+tail", "*** End of File"),
      [update("u.txt", [chunk(["last"], ["last", "tail"], { isEndOfFile: true })])]
    ],
    [
      "an empty line as empty context",
      patchOf("*** Update File: u.txt", "@@", " a", "", "-b", "+B"),
      [update("u.txt", [chunk(["a", "", "b"], ["a", "", "B"])])]
    ],
    [
      "hunk headers with surrounding whitespace",
      patchOf("  *** Delete File: d.txt  ", "\t*** Add File: a.txt", "+x"),
      [del("d.txt"), add("a.txt", "x\n")]
    ],
    [
      "every hunk kind in one patch, in order",
      patchOf("*** Add File: a", "+1", "*** Delete File: d", "*** Update File: u", "-2", "+3", "*** Add File: b", "+4"),
      [
        add("a", "1\n"),
        del("d"),
        update("u", [chunk(["2"], ["3"])]),
        add("b", "4\n")
      ]
    ],
    [
      "a trailing newline and surrounding blank text",
      `\n\n${patchOf("*** Delete File: d")}\n\n`,
      [del("d")]
    ]
  ])("%s", (_, text, expected) => {
    expect(parseOk(text)).toMatchObject(expected)
  })

  it("records each line's marker in patch order, an empty line as context", () => {
    expect(parseOk(patchOf("*** Update File: u.txt", "-same", " same", "", "+new"))).toMatchObject([
      { chunks: [{ ops: [DELETE, EQUAL, EQUAL, INSERT] }] }
    ])
  })
})

describe("parsePatch: heredoc wrapper (lenient mode)", () => {
  const body = patchOf("*** Update File: x", "-a", "+b")
  const expected = [update("x", [chunk(["a"], ["b"])])]
  it.each([
    ["<<'EOF'", `<<'EOF'\n${body}\nEOF`],
    ["<<\"EOF\"", `<<"EOF"\n${body}\nEOF\n`],
    ["<<EOF", `<<EOF\n${body}\nEOF`]
  ])("strips %s … EOF", (_, text) => {
    expect(parseOk(text)).toMatchObject(expected)
  })

  it.each([
    ["an unknown opener", `<<'END'\n${body}\nEND`],
    ["a last line not ending in EOF", `<<'EOF'\n${body}\nDONE`],
    ["fewer than 4 lines", "<<'EOF'\n*** Begin Patch\nEOF"]
  ])("does not strip %s", (_, text) => {
    expect(parseErrorOf(text)).toBe("invalid patch: The first line of the patch must be '*** Begin Patch'")
  })
})

describe("parsePatch: malformed patches", () => {
  it.each([
    ["missing Begin", "*** Update File: x\n-a\n+b\n*** End Patch", "invalid patch: The first line of the patch must be '*** Begin Patch'"],
    ["empty text (no first line, so the last-line check fails, as in Rust)", "", "invalid patch: The last line of the patch must be '*** End Patch'"],
    ["missing End", "*** Begin Patch\n*** Add File: x\n+a", "invalid patch: The last line of the patch must be '*** End Patch'"],
    ["only Begin", "*** Begin Patch", "invalid patch: The last line of the patch must be '*** End Patch'"],
    [
      "bad hunk header on the first hunk line",
      patchOf("*** Frobnicate File: x"),
      `invalid hunk at line 2, '*** Frobnicate File: x' is not a valid hunk header. ${HEADERS}`
    ],
    [
      "bad hunk header after other hunks (line number counts from Begin = 1)",
      patchOf("*** Add File: a", "+1", "+2", "*** Delete File: d", "garbage"),
      `invalid hunk at line 6, 'garbage' is not a valid hunk header. ${HEADERS}`
    ],
    [
      "an add body line without '+' ends the hunk and is then a bad header",
      patchOf("*** Add File: a", "+1", " 2"),
      `invalid hunk at line 4, '2' is not a valid hunk header. ${HEADERS}`
    ],
    ["empty update hunk", patchOf("*** Update File: x"), "invalid hunk at line 2, Update file hunk for path 'x' is empty"],
    [
      "empty update hunk followed by another hunk",
      patchOf("*** Delete File: d", "*** Update File: x", "*** Delete File: e"),
      "invalid hunk at line 3, Update file hunk for path 'x' is empty"
    ],
    [
      "a second chunk without @@",
      patchOf("*** Update File: x", "@@", "-a", "+b", "bad"),
      "invalid hunk at line 6, Expected update hunk to start with a @@ context marker, got: 'bad'"
    ],
    [
      "unexpected line right after @@",
      patchOf("*** Update File: x", "@@", "oops"),
      `invalid hunk at line 4, Unexpected line found in update hunk: 'oops'. ${UNEXPECTED}`
    ],
    [
      "unexpected line right after @@ anchor",
      patchOf("*** Update File: x", "@@ fn main", "oops"),
      `invalid hunk at line 4, Unexpected line found in update hunk: 'oops'. ${UNEXPECTED}`
    ],
    [
      "@@ with no lines before End of File",
      patchOf("*** Update File: x", "@@", "*** End of File"),
      "invalid hunk at line 4, Update hunk does not contain any lines"
    ]
  ])("%s", (_, text, message) => {
    expect(parseErrorOf(text)).toBe(message)
  })
})
