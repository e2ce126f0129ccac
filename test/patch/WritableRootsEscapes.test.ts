/**
 * Path safety for patches: every path a patch names, move destinations included, must
 * resolve inside a writable root, and no spelling of a path — `..`, absolute, a symlinked directory
 * or file, a dangling symlink, a sibling sharing the root's prefix — gets out.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { planPatch, touchedPaths } from "../../src/agent/patch/PatchPlan.js"
import { allWithinWritableRoots, isWithinWritableRoots, realPathOf, resolvePatchPath } from "../../src/agent/patch/WritableRoots.js"
import { parseOk, patchOf, tempDir } from "./fixtures.js"

/** A root with a subdirectory and links of every kind, and a directory outside it. */
const layout = () => {
  const base = tempDir()
  const root = join(base, "root")
  const outside = join(base, "outside")
  mkdirSync(join(root, "sub"), { recursive: true })
  mkdirSync(outside)
  writeFileSync(join(outside, "secret.txt"), "s\n")
  mkdirSync(join(base, "root-sibling"))
  symlinkSync(outside, join(root, "dir-link"))
  symlinkSync(join(outside, "secret.txt"), join(root, "file-link"))
  symlinkSync(join(outside, "not-yet.txt"), join(root, "dangling-link"))
  symlinkSync(join(root, "sub"), join(root, "inner-link"))
  symlinkSync("loop-b", join(root, "loop-a"))
  symlinkSync("loop-a", join(root, "loop-b"))
  return { base, root, outside }
}

describe("allWithinWritableRoots", () => {
  it.each<readonly [string, string, boolean]>([
    ["a new file in the root", "new.txt", true],
    ["a new file in new directories", "a/b/c.txt", true],
    ["a file in a subdirectory", "sub/x.txt", true],
    ["`..` that comes back inside", "sub/../x.txt", true],
    ["a symlink to a directory inside the root", "inner-link/x.txt", true],
    ["`..` out of the root", "../escape.txt", false],
    ["many `..`", "sub/../../../../etc/passwd", false],
    ["an absolute path outside", "/etc/passwd", false],
    ["a sibling whose name starts with the root's", "../root-sibling/x.txt", false],
    ["through a symlinked directory", "dir-link/x.txt", false],
    ["a symlinked file pointing outside", "file-link", false],
    ["a dangling symlink pointing outside", "dangling-link", false],
    ["a symlink loop (treated as a name inside)", "loop-a", true]
  ])("%s: %s → %s", (_, path, inside) => {
    const { root } = layout()
    expect(allWithinWritableRoots([path], [root], root)).toBe(inside)
    expect(isWithinWritableRoots(resolvePatchPath(root, path), [root])).toBe(inside)
  })

  it("needs every path inside, against any of several roots", () => {
    const { root, outside } = layout()
    expect(allWithinWritableRoots(["a.txt", join(outside, "b.txt")], [root], root)).toBe(false)
    expect(allWithinWritableRoots(["a.txt", join(outside, "b.txt")], [root, outside], root)).toBe(true)
    expect(allWithinWritableRoots(["a.txt"], [], root)).toBe(false)
    expect(allWithinWritableRoots([], [], root)).toBe(true)
  })

  it("checks a plan's move destination, not just its source", () => {
    const { root } = layout()
    writeFileSync(join(root, "inside.txt"), "x\n")
    const plan = Result.getOrThrow(planPatch(parseOk(patchOf("*** Update File: inside.txt", "*** Move to: ../moved-out.txt", "-x", "+y")), root))
    expect(touchedPaths(plan)).toContain(join(root, "..", "moved-out.txt"))
    expect(allWithinWritableRoots(touchedPaths(plan), [root])).toBe(false)
  })

  it("resolves the roots themselves through symlinks", () => {
    const { base, root } = layout()
    symlinkSync(root, join(base, "root-alias"))
    expect(allWithinWritableRoots([join(root, "x.txt")], [join(base, "root-alias")])).toBe(true)
    expect(realPathOf(join(base, "root-alias", "missing", "deeper.txt"))).toBe(join(realPathOf(root), "missing", "deeper.txt"))
  })
})
