/**
 * The turn diff as git sees it: every turn below is replayed with `git apply` on
 * a copy of the starting tree, which must then equal the tree the patches left — renames, modes,
 * missing final newlines, quoted paths and empty files included.
 */
import { chmodSync, cpSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { gitFileDiff, quoteGitPath } from "../../src/agent/patch/GitDiff.js"
import { applyPlan } from "../../src/agent/patch/PatchApply.js"
import { planPatch } from "../../src/agent/patch/PatchPlan.js"
import { TurnDiffTracker } from "../../src/agent/patch/TurnDiffTracker.js"
import { parseOk, patchOf, run, tempDir, writeFiles } from "./fixtures.js"

/** Files under `dir` (outside `.git`) with their mode and content. */
const tree = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name)
    const key = full.slice(dir.length + 1)
    if (!entry.isFile() || key.startsWith(".git/") || key === "turn.diff") continue
    out[key] = `${(lstatSync(full).mode & 0o111) !== 0 ? "x" : "-"} ${readFileSync(full, "latin1")}`
  }
  return out
}

/** A git repository holding `files`, and an untouched copy of it to replay the diff on. */
const repository = (files: Record<string, string>, setup?: (dir: string) => void) => {
  const dir = tempDir()
  writeFiles(dir, files)
  setup?.(dir)
  run("git", ["init", "-q"], dir)
  const replay = tempDir()
  cpSync(dir, replay, { recursive: true })
  return { dir, replay }
}

/** Runs each patch of a turn as the agent does: note, apply, note the result. */
const turn = (dir: string, patches: ReadonlyArray<string>, tracker = new TurnDiffTracker()) => {
  for (const text of patches) {
    const plan = Result.getOrThrow(planPatch(parseOk(text), dir))
    tracker.onPatchBegin(plan)
    Result.getOrThrow(applyPlan(plan))
    tracker.onPatchApplied(plan)
  }
  return tracker
}

const replays = (dir: string, replay: string, diff: string) => {
  writeFileSync(join(replay, "turn.diff"), diff)
  const applied = run("git", ["apply", "--whitespace=nowarn", "turn.diff"], replay)
  expect(applied.stderr).toBe("")
  expect(tree(replay)).toEqual(tree(dir))
}

describe("git apply reproduces the turn", () => {
  it.each<readonly [string, Record<string, string>, ReadonlyArray<string>, ReadonlyArray<string>]>([
    [
      "update, add, delete",
      { "a.txt": "1\n2\n3\n", "gone.txt": "bye\n" },
      [patchOf("*** Update File: a.txt", "-2", "+two", "*** Add File: new/b.txt", "+b", "*** Delete File: gone.txt")],
      ["diff --git a/a.txt b/a.txt", "new file mode 100644", "deleted file mode 100644", "--- /dev/null", "+++ /dev/null"]
    ],
    [
      "a move with an update shows as a rename",
      { "src/old.txt": "a\nb\nc\nd\ne\nf\n" },
      [patchOf("*** Update File: src/old.txt", "*** Move to: dst/new.txt", "@@", "-c", "+C")],
      ["diff --git a/src/old.txt b/dst/new.txt", "rename from src/old.txt", "rename to dst/new.txt", "--- a/src/old.txt", "+++ b/dst/new.txt"]
    ],
    [
      "a move in one patch and an update in the next stay one rename",
      { "old.txt": "a\nb\nc\n" },
      [patchOf("*** Update File: old.txt", "*** Move to: new.txt", "@@", " a"), patchOf("*** Update File: new.txt", "-b", "+B")],
      ["rename from old.txt", "rename to new.txt"]
    ],
    [
      "a pure rename has no hunks",
      { "old.txt": "same\n" },
      [patchOf("*** Update File: old.txt", "*** Move to: renamed.txt", "@@", " same")],
      ["diff --git a/old.txt b/renamed.txt", "rename from old.txt", "rename to renamed.txt"]
    ],
    [
      "a move onto another existing file",
      { "a.txt": "from a\n", "b.txt": "was b\n" },
      [patchOf("*** Update File: a.txt", "*** Move to: b.txt", "-from a", "+now b")],
      ["deleted file mode 100644", "diff --git a/b.txt b/b.txt"]
    ],
    [
      "a file without a final newline",
      { "n.txt": "1\n2" },
      [patchOf("*** Update File: n.txt", "-1", "+one")],
      ["\\ No newline at end of file"]
    ],
    [
      "an executable file keeps its mode",
      { "run.sh": "echo 1\n" },
      [patchOf("*** Update File: run.sh", "-echo 1", "+echo 2")],
      ["diff --git a/run.sh b/run.sh"]
    ],
    [
      "paths with spaces, quotes and non-ASCII letters",
      { "with space.txt": "x\n", "quote\"d.txt": "q\n" },
      [patchOf("*** Update File: with space.txt", "-x", "+y", "*** Update File: quote\"d.txt", "-q", "+Q", "*** Add File: ünï.txt", "+u")],
      ["--- a/with space.txt\t", "diff --git \"a/quote\\\"d.txt\" \"b/quote\\\"d.txt\"", "+++ \"b/\\303\\274n\\303\\257.txt\""]
    ],
    [
      "an empty new file",
      {},
      [patchOf("*** Add File: empty.txt")],
      ["diff --git a/empty.txt b/empty.txt", "new file mode 100644", "index 0000000000000000000000000000000000000000..e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"]
    ],
    [
      "a file added, then changed by a later patch",
      {},
      [patchOf("*** Add File: n.txt", "+1"), patchOf("*** Update File: n.txt", "-1", "+2")],
      ["new file mode 100644", "+2"]
    ]
  ])("%s", (name, files, patches, expectedLines) => {
    const { dir, replay } = repository(files, name.includes("executable") ? (d) => chmodSync(join(d, "run.sh"), 0o755) : undefined)
    const diff = turn(dir, patches).unifiedDiff(dir)
    for (const line of expectedLines) expect(diff.split("\n")).toContain(line)
    replays(dir, replay, diff)
  })

  it("shows a mode change made outside the patches", () => {
    const { dir, replay } = repository({ "s.sh": "echo\n" })
    const tracker = turn(dir, [patchOf("*** Update File: s.sh", "-echo", "+echo hi")])
    chmodSync(join(dir, "s.sh"), 0o755)
    const diff = tracker.unifiedDiff(dir)
    expect(diff).toContain("old mode 100644\nnew mode 100755\n")
    replays(dir, replay, diff)
  })

  it("names paths relative to the git root from a subdirectory, and to cwd outside a repository", () => {
    const { dir } = repository({ "sub/a.txt": "a\n" })
    const tracker = turn(join(dir, "sub"), [patchOf("*** Update File: a.txt", "-a", "+A")])
    expect(tracker.unifiedDiff(join(dir, "sub")).split("\n")[0]).toBe("diff --git a/sub/a.txt b/sub/a.txt")
    const plain = tempDir()
    writeFiles(plain, { "p.txt": "p\n" })
    expect(turn(plain, [patchOf("*** Update File: p.txt", "-p", "+P")]).unifiedDiff(plain).split("\n")[0]).toBe("diff --git a/p.txt b/p.txt")
  })

  it("is empty when a noted patch never applied, or changed nothing", () => {
    const { dir } = repository({ "a.txt": "a\n" })
    const tracker = new TurnDiffTracker()
    tracker.onPatchBegin(Result.getOrThrow(planPatch(parseOk(patchOf("*** Update File: a.txt", "-a", "+A")), dir)))
    expect(tracker.unifiedDiff(dir)).toBe("")
    expect(turn(dir, [patchOf("*** Update File: a.txt", "@@", " a")], tracker).unifiedDiff(dir)).toBe("")
  })
})

describe("gitFileDiff and quoteGitPath", () => {
  it("says binary files differ instead of printing their bytes", () => {
    const before = { path: "bin", content: Buffer.from([0, 1, 2]), mode: "100644" }
    const id = run("git", ["hash-object", "--stdin"], tempDir(), "\u0000\u0001\u0002").stdout.trim()
    expect(gitFileDiff(before, undefined)).toBe(
      `diff --git a/bin b/bin\ndeleted file mode 100644\nindex ${id}..${"0".repeat(40)}\nBinary files a/bin and /dev/null differ\n`
    )
  })

  it.each([
    ["plain/path.txt", "plain/path.txt"],
    ["with space", "with space"],
    ["tab\there", "\"tab\\there\""],
    ["back\\slash", "\"back\\\\slash\""],
    ["é", "\"\\303\\251\""]
  ])("quotes %j as %s", (name, quoted) => {
    expect(quoteGitPath(name)).toBe(quoted)
  })
})
