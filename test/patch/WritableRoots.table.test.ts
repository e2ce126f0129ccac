/**
 * Table tests for `isWithinWritableRoots`: inside, `..` escapes, absolute paths,
 * symlinks, paths that don't exist yet.
 */
import { mkdirSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { allWithinWritableRoots, isWithinWritableRoots } from "../../src/agent/patch/WritableRoots.js"
import { tempDir } from "./fixtures.js"

describe("isWithinWritableRoots", () => {
  /** `base/root` (the writable root, with `root/inner` and `root/link → base/outside`) and `base/outside`. */
  const layout = () => {
    const base = tempDir()
    const root = join(base, "root")
    const outside = join(base, "outside")
    mkdirSync(join(root, "inner"), { recursive: true })
    mkdirSync(outside)
    symlinkSync(outside, join(root, "link"))
    symlinkSync(join(root, "inner"), join(outside, "back"))
    return { base, root, outside }
  }

  it.each<readonly [string, (l: ReturnType<typeof layout>) => string, boolean]>([
    ["the root itself", ({ root }) => root, true],
    ["a file directly inside", ({ root }) => join(root, "a.txt"), true],
    ["a nested existing directory", ({ root }) => join(root, "inner", "b.txt"), true],
    ["a not-yet-existing nested path", ({ root }) => join(root, "new", "deeper", "c.txt"), true],
    ["a `..` that stays inside", ({ root }) => `${root}/inner/../d.txt`, true],
    ["a `../` escape", ({ root }) => `${root}/../outside/e.txt`, false],
    ["a `../` escape through a missing directory", ({ root }) => `${root}/missing/../../f.txt`, false],
    ["an absolute path outside", () => "/etc/passwd", false],
    ["a sibling whose name starts with the root's", ({ base }) => join(base, "rootkit", "g.txt"), false],
    ["the parent of the root", ({ base }) => base, false],
    ["through a symlinked directory inside that points outside", ({ root }) => join(root, "link", "h.txt"), false],
    ["the symlinked directory itself", ({ root }) => join(root, "link"), false],
    ["a new path under the outside-pointing symlink", ({ root }) => join(root, "link", "new", "i.txt"), false],
    ["through an outside symlink that points back inside", ({ outside }) => join(outside, "back", "j.txt"), true]
  ])("%s", (_, pathOf, expected) => {
    const l = layout()
    expect(isWithinWritableRoots(pathOf(l), [l.root])).toBe(expected)
  })

  it("accepts a path inside any one of several roots, and none with no roots", () => {
    const { root, outside } = layout()
    expect(isWithinWritableRoots(join(outside, "x"), [root, outside])).toBe(true)
    expect(isWithinWritableRoots(join(root, "x"), [])).toBe(false)
  })

  it("resolves a root given through a symlink", () => {
    const { base, root } = layout()
    symlinkSync(root, join(base, "root-alias"))
    expect(isWithinWritableRoots(join(root, "x"), [join(base, "root-alias")])).toBe(true)
    expect(isWithinWritableRoots(join(base, "outside", "x"), [join(base, "root-alias")])).toBe(false)
  })

  it.each<readonly [string, (l: ReturnType<typeof layout>) => string, boolean]>([
    ["a plain file", ({ root }) => join(root, "a.txt"), true],
    ["the root's .git", ({ root }) => join(root, ".git", "config"), false],
    ["a nested repository's .git", ({ root }) => join(root, "vendor", "lib", ".git", "hooks", "pre-commit"), false],
    ["a read-only path (a hooks directory)", ({ root }) => join(root, "inner", "pre-commit"), false],
    ["a read-only path reached through a symlink", ({ outside }) => join(outside, "back", "pre-commit"), false],
    ["a name that only starts with .git", ({ root }) => join(root, ".github", "workflows", "ci.yml"), true]
  ])("allWithinWritableRoots with read-only paths: %s", (_, pathOf, expected) => {
    const l = layout()
    expect(allWithinWritableRoots([pathOf(l)], [l.root], undefined, [join(l.root, "inner")])).toBe(expected)
  })
})
