/**
 * The applier as a transaction: atomic replacement, modes and symlinks kept, no temp or
 * backup files left behind, a failure at any step of the commit leaving the tree exactly as it was,
 * and a plan whose files changed after planning being planned again.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { applyPlan, type FileOps, nodeFileOps } from "../../src/agent/patch/PatchApply.js"
import { planPatch } from "../../src/agent/patch/PatchPlan.js"
import { parseOk, patchOf, tempDir, writeFiles } from "./fixtures.js"

/** Every entry under `dir`: directories, files with their content and permission bits, symlinks with their target. */
const tree = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name)
    const key = full.slice(dir.length + 1)
    if (entry.isSymbolicLink()) out[key] = `link -> ${readlinkSync(full)}`
    else if (entry.isDirectory()) out[key] = "dir"
    else out[key] = `${(lstatSync(full).mode & 0o777).toString(8)} ${readFileSync(full, "utf8")}`
  }
  return out
}

const planOf = (dir: string, text: string) => Result.getOrThrow(planPatch(parseOk(text), dir))

/** File operations that throw on the `failAt`-th call of `name` (1-based), and count the calls. */
const failingOps = (name: keyof FileOps, failAt: number) => {
  const calls: Record<string, number> = {}
  const ops = Object.fromEntries(
    Object.entries(nodeFileOps).map(([key, op]) => [
      key,
      (...args: Array<string & number>) => {
        calls[key] = (calls[key] ?? 0) + 1
        if (key === name && calls[key] === failAt) throw Object.assign(new Error("EIO: i/o error, injected"), { code: "EIO" })
        return (op as (...a: Array<unknown>) => void)(...args)
      }
    ])
  ) as unknown as FileOps
  return { ops, calls }
}

const MIXED = patchOf(
  "*** Update File: a.txt",
  "-a",
  "+A",
  "*** Add File: new/deep/b.txt",
  "+b",
  "*** Add File: existing.txt",
  "+replaced",
  "*** Delete File: c.txt",
  "*** Update File: d.txt",
  "*** Move to: moved/d2.txt",
  "-d",
  "+D"
)
const MIXED_FILES = { "a.txt": "a\n", "c.txt": "c\n", "d.txt": "d\n", "existing.txt": "old\n" }

describe("a failure at any step changes nothing", () => {
  const steps: ReadonlyArray<readonly [keyof FileOps, number]> = [
    ["mkdir", 1],
    ["mkdir", 3],
    ["writeFile", 1],
    ["writeFile", 4],
    ["chmod", 1],
    ["rename", 1],
    ["rename", 2],
    ["rename", 3],
    ["rename", 4],
    ["rename", 5],
    ["rename", 6]
  ]
  it.each(steps)("%s call %i fails", (name, failAt) => {
    const dir = tempDir()
    writeFiles(dir, MIXED_FILES)
    const before = tree(dir)
    const { ops, calls } = failingOps(name, failAt)
    const result = applyPlan(planOf(dir, MIXED), ops)
    expect(calls[name]).toBeGreaterThanOrEqual(failAt)
    expect(Result.isFailure(result) && result.failure).toMatch(/^Failed to (write file|delete file|create parent directories for) .+: Input\/output error \(os error 5\)$/)
    expect(tree(dir)).toEqual(before)
  })

  it("the same patch without a failure applies, leaving no temp or backup files", () => {
    const dir = tempDir()
    writeFiles(dir, MIXED_FILES)
    expect(applyPlan(planOf(dir, MIXED))).toEqual(
      Result.succeed("Success. Updated the following files:\nA new/deep/b.txt\nA existing.txt\nM a.txt\nM moved/d2.txt\nD c.txt\n")
    )
    expect(tree(dir)).toEqual({
      "a.txt": "644 A\n",
      "existing.txt": "644 replaced\n",
      moved: "dir",
      "moved/d2.txt": "644 D\n",
      new: "dir",
      "new/deep": "dir",
      "new/deep/b.txt": "644 b\n"
    })
  })

  it("a file system without hard links falls back to copying the backup", () => {
    const dir = tempDir()
    writeFiles(dir, MIXED_FILES)
    const { ops, calls } = failingOps("link", 1)
    expect(Result.isSuccess(applyPlan(planOf(dir, MIXED), ops))).toBe(true)
    expect(calls["copyFile"]).toBe(1)
    expect(readFileSync(join(dir, "existing.txt"), "utf8")).toBe("replaced\n")
    expect(Object.keys(tree(dir)).filter((name) => name.includes(".apply_patch."))).toEqual([])
  })

  it("writing over a directory fails before anything is written", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "a\n", "folder/inside.txt": "x\n" })
    const before = tree(dir)
    const result = applyPlan(planOf(dir, patchOf("*** Update File: a.txt", "-a", "+A", "*** Add File: folder", "+oops")))
    expect(result).toEqual(Result.fail(`Failed to write file ${join(dir, "folder")}: Is a directory (os error 21)`))
    expect(tree(dir)).toEqual(before)
  })

  it("a parent path that is a file fails, and the directories made so far are removed", () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "a\n", blocker: "a file\n" })
    const before = tree(dir)
    const result = applyPlan(planOf(dir, patchOf("*** Add File: made/now/x.txt", "+x", "*** Add File: blocker/y.txt", "+y")))
    expect(Result.isFailure(result) && result.failure).toMatch(/^Failed to write file .*blocker\/y\.txt: Not a directory \(os error 20\)$|^Failed to create parent directories/)
    expect(tree(dir)).toEqual(before)
  })

  it("an empty patch modifies nothing", () => {
    expect(applyPlan(planOf(tempDir(), patchOf()))).toEqual(Result.fail("No files were modified."))
  })
})

describe("how files are written", () => {
  it("replaces a file atomically: a reader holding the old file still sees the old content", () => {
    const dir = tempDir()
    writeFiles(dir, { "f.txt": "old content\n" })
    const fd = openSync(join(dir, "f.txt"), "r")
    const inode = statSync(join(dir, "f.txt")).ino
    try {
      expect(Result.isSuccess(applyPlan(planOf(dir, patchOf("*** Update File: f.txt", "-old content", "+new content"))))).toBe(true)
      const buffer = Buffer.alloc(64)
      const read = readSync(fd, buffer, 0, 64, 0)
      expect(buffer.subarray(0, read).toString()).toBe("old content\n")
    } finally {
      closeSync(fd)
    }
    expect(readFileSync(join(dir, "f.txt"), "utf8")).toBe("new content\n")
    expect(statSync(join(dir, "f.txt")).ino).not.toBe(inode)
  })

  it("writes through a temp file in the target's directory, then renames it into place", () => {
    const dir = tempDir()
    writeFiles(dir, { "sub/f.txt": "x\n" })
    const writes: Array<string> = []
    const renames: Array<readonly [string, string]> = []
    const ops: FileOps = {
      ...nodeFileOps,
      writeFile: (path, content) => {
        writes.push(path)
        nodeFileOps.writeFile(path, content)
      },
      rename: (from, to) => {
        renames.push([from, to])
        nodeFileOps.rename(from, to)
      }
    }
    applyPlan(planOf(dir, patchOf("*** Update File: sub/f.txt", "-x", "+y")), ops)
    expect(writes).toHaveLength(1)
    expect(writes[0]!.startsWith(join(dir, "sub", ".f.txt."))).toBe(true)
    expect(renames).toEqual([[writes[0], join(dir, "sub/f.txt")]])
  })

  it("keeps an executable file executable", () => {
    const dir = tempDir()
    writeFiles(dir, { "run.sh": "echo 1\n" })
    chmodSync(join(dir, "run.sh"), 0o755)
    applyPlan(planOf(dir, patchOf("*** Update File: run.sh", "-echo 1", "+echo 2")))
    expect(statSync(join(dir, "run.sh")).mode & 0o777).toBe(0o755)
    expect(readFileSync(join(dir, "run.sh"), "utf8")).toBe("echo 2\n")
  })

  it("updates a symlinked file through the link, leaving the link in place", () => {
    const dir = tempDir()
    writeFiles(dir, { "real.txt": "one\n" })
    symlinkSync("real.txt", join(dir, "link.txt"))
    applyPlan(planOf(dir, patchOf("*** Update File: link.txt", "-one", "+two")))
    expect(lstatSync(join(dir, "link.txt")).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(dir, "real.txt"), "utf8")).toBe("two\n")
  })

  it("deleting a symlink removes the link, not its target", () => {
    const dir = tempDir()
    writeFiles(dir, { "real.txt": "keep\n" })
    symlinkSync("real.txt", join(dir, "link.txt"))
    applyPlan(planOf(dir, patchOf("*** Delete File: link.txt")))
    expect(tree(dir)).toEqual({ "real.txt": "644 keep\n" })
  })
})

describe("a plan whose files changed before it was applied", () => {
  it("is planned again, keeping the other edit", () => {
    const dir = tempDir()
    writeFiles(dir, { "f.txt": "1\n2\n3\n4\n5\n" })
    const plan = planOf(dir, patchOf("*** Update File: f.txt", "@@", " 1", "-2", "+two"))
    writeFileSync(join(dir, "f.txt"), "1\n2\n3\n4\nfive\n")
    expect(Result.isSuccess(applyPlan(plan))).toBe(true)
    expect(readFileSync(join(dir, "f.txt"), "utf8")).toBe("1\ntwo\n3\n4\nfive\n")
  })

  it("fails without writing when the change no longer fits", () => {
    const dir = tempDir()
    writeFiles(dir, { "f.txt": "1\n2\n3\n", "g.txt": "g\n" })
    const plan = planOf(dir, patchOf("*** Update File: g.txt", "-g", "+G", "*** Update File: f.txt", "-2", "+two"))
    writeFileSync(join(dir, "f.txt"), "1\nTWO\n3\n")
    expect(applyPlan(plan)).toEqual(Result.fail(`Failed to find expected lines ["2"] in ${join(dir, "f.txt")}`))
    expect(readFileSync(join(dir, "g.txt"), "utf8")).toBe("g\n")
  })

  it("a file created meanwhile where the patch adds one is overwritten, as Add does", () => {
    const dir = tempDir()
    mkdirSync(join(dir, "sub"))
    const plan = planOf(dir, patchOf("*** Add File: sub/n.txt", "+planned"))
    writeFileSync(join(dir, "sub/n.txt"), "someone else\n")
    expect(Result.isSuccess(applyPlan(plan))).toBe(true)
    expect(readFileSync(join(dir, "sub/n.txt"), "utf8")).toBe("planned\n")
  })
})
