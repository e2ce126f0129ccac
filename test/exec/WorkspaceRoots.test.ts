/**
 * The writable roots of a turn and what stays read-only inside them: roots come from the turn's cwd
 * and the configuration only, `/` and home (or an ancestor of it) are refused unless configured,
 * and each root's `.git` — a directory, a worktree's file with the git directories it names, hook
 * directories and included config its config points at — is listed read-only.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { gitProtectedPaths } from "../../src/agent/exec/GitProtectedPaths.js"
import { isTooBroadRoot, leftOutRootsMessage, workspaceRoots } from "../../src/agent/exec/WorkspaceRoots.js"
import type { SandboxPolicy } from "../../src/rpc/Enums.js"
import { tempDir } from "./support.js"

const made: Array<string> = []
const dir = () => {
  const path = tempDir("codex-roots-")
  made.push(path)
  return path
}
afterAll(() => {
  for (const path of made) rmSync(path, { recursive: true, force: true })
})

const WW: SandboxPolicy = { mode: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true }

describe("workspaceRoots", () => {
  it("only workspace-write has roots", () => {
    for (const mode of ["read-only", "danger-full-access"] as const) {
      assert.deepStrictEqual(workspaceRoots({ mode }, dir(), {}), { writable: [], readOnly: [], emptied: [], refused: [], leftOut: [], pinned: [], origins: [] })
    }
  })

  it("the workspace, configured roots (relative to it), /tmp and $TMPDIR; real paths, broadest first", () => {
    const work = dir()
    const tmp = dir()
    mkdirSync(join(work, "sub"))
    symlinkSync(join(work, "sub"), join(work, "alias"))
    const roots = workspaceRoots({ mode: "workspace-write", writable_roots: ["alias", "/missing"] }, work, { TMPDIR: tmp, HOME: "/nowhere" })
    assert.sameMembers([...roots.writable], ["/tmp", work, join(work, "sub"), tmp])
    assert.deepStrictEqual(roots.writable, [...roots.writable].sort((a, b) => a.length - b.length))
  })

  it.each<[string, (home: string) => string]>([
    ["/", () => "/"],
    ["home", (home) => home],
    ["an ancestor of home", (home) => join(home, "..")]
  ])("refuses a cwd of %s unless it is configured", (_, cwdOf) => {
    const home = join(dir(), "home")
    mkdirSync(home)
    const cwd = cwdOf(home)
    const refused = workspaceRoots(WW, cwd, { HOME: home })
    assert.deepStrictEqual(refused.writable, [])
    assert.deepStrictEqual(refused.refused.map((r) => r.origin), ["the turn's cwd"])
    const configured = workspaceRoots({ ...WW, writable_roots: [cwd] }, cwd, { HOME: home })
    assert.deepStrictEqual(configured.refused, [])
    assert.include(configured.writable, cwdOf(home) === "/" ? "/" : join(cwd))
  })

  it("leaves out $TMPDIR = home, without refusing the command, and keeps the rest", () => {
    const home = dir()
    const work = dir()
    const roots = workspaceRoots({ mode: "workspace-write", exclude_slash_tmp: true }, work, { HOME: home, TMPDIR: home })
    assert.deepStrictEqual(roots.refused, [])
    assert.deepStrictEqual(roots.leftOut, [{ root: home, origin: "$TMPDIR" }])
    assert.deepStrictEqual(roots.writable, [work])
    assert.include(leftOutRootsMessage(roots.leftOut), "`exclude_tmpdir_env_var = true`")
  })

  it("leaves out /tmp when HOME is under it, naming exclude_slash_tmp", () => {
    const home = join(dir(), "home")
    mkdirSync(home)
    const work = dir()
    const withTmp: SandboxPolicy = { mode: "workspace-write", exclude_tmpdir_env_var: true }
    const roots = workspaceRoots(withTmp, work, { HOME: home })
    assert.isTrue(home.startsWith("/tmp/"))
    assert.deepStrictEqual(roots.refused, [])
    assert.deepStrictEqual(roots.leftOut, [{ root: "/tmp", origin: "/tmp" }])
    assert.notInclude(roots.writable, "/tmp")
    assert.include(leftOutRootsMessage(roots.leftOut), "`exclude_slash_tmp = true`")
    assert.deepStrictEqual(workspaceRoots({ ...withTmp, exclude_slash_tmp: true }, work, { HOME: home }).leftOut, [])
  })

  it("isTooBroadRoot: / , home and its ancestors, not its descendants or siblings", () => {
    assert.isTrue(isTooBroadRoot("/", undefined))
    assert.isTrue(isTooBroadRoot("/home/me", "/home/me"))
    assert.isTrue(isTooBroadRoot("/home", "/home/me"))
    assert.isFalse(isTooBroadRoot("/home/me/project", "/home/me"))
    assert.isFalse(isTooBroadRoot("/home/meat", "/home/me"))
  })
})

describe("git paths kept read-only", () => {
  it("a repository's .git directory", () => {
    const work = dir()
    mkdirSync(join(work, ".git"))
    assert.deepStrictEqual(workspaceRoots(WW, work, {}).readOnly, [join(work, ".git")])
    assert.deepStrictEqual(workspaceRoots(WW, dir(), {}).readOnly, [])
  })

  it("repositories inside the workspace at any depth when first looked at; one made deeper later is not", () => {
    const work = dir()
    for (const repo of ["a", "b", join("c", "deep")]) mkdirSync(join(work, repo, ".git"), { recursive: true })
    const first = [join(work, "a", ".git"), join(work, "b", ".git"), join(work, "c", "deep", ".git")]
    assert.sameMembers([...workspaceRoots(WW, work, {}).readOnly], first)
    mkdirSync(join(work, "d", "later", ".git"), { recursive: true })
    assert.sameMembers([...workspaceRoots(WW, work, {}).readOnly], first)
  })

  it("a worktree's .git file, its git directory and the common directory, when inside a root", () => {
    const work = dir()
    const common = join(work, "main.git")
    const gitDir = join(common, "worktrees", "tree")
    mkdirSync(gitDir, { recursive: true })
    writeFileSync(join(gitDir, "commondir"), "../..\n")
    const tree = join(work, "tree")
    mkdirSync(tree)
    writeFileSync(join(tree, ".git"), `gitdir: ${gitDir}\n`)
    assert.deepStrictEqual(gitProtectedPaths(tree, {}).existing, [join(tree, ".git"), gitDir, common])
    const roots = workspaceRoots({ ...WW, writable_roots: [work] }, tree, {})
    assert.sameMembers([...roots.readOnly], [join(tree, ".git"), gitDir, common])
  })

  it("hooksPath, fsmonitor scripts and included config from the repository's config", () => {
    const work = dir()
    mkdirSync(join(work, ".git"))
    mkdirSync(join(work, ".husky"))
    writeFileSync(join(work, "fsmonitor.sh"), "#!/bin/sh\n")
    writeFileSync(join(work, "extra.gitconfig"), "")
    writeFileSync(
      join(work, ".git", "config"),
      [
        "[core]",
        "\tbare = false",
        "\thooksPath = .husky ; husky",
        "\tfsmonitor = \"fsmonitor.sh\"",
        "[include]",
        "\tpath = ../extra.gitconfig",
        "[includeIf \"gitdir:~/\"]",
        "\tpath = /etc/outside.gitconfig",
        "[alias]",
        "\tpath = not-a-code-path"
      ].join("\n")
    )
    const paths = gitProtectedPaths(work, {})
    assert.sameMembers([...paths.existing], [join(work, ".git"), join(work, ".husky"), join(work, "fsmonitor.sh"), join(work, "extra.gitconfig")])
    assert.deepStrictEqual(paths.missingHookDirs, [])
  })

  it("a config that includes itself thousands of times is read a bounded number of times", () => {
    const work = dir()
    mkdirSync(join(work, ".git"))
    writeFileSync(join(work, ".git", "config"), `[include]\n${"\tpath = config\n".repeat(5000)}[core]\n\thooksPath = .h\n`)
    const started = performance.now()
    const paths = gitProtectedPaths(work, {})
    assert.isBelow(performance.now() - started, 2000)
    assert.deepStrictEqual(paths.missingHookDirs, [join(work, ".h")])
  })

  it("a configured hooks directory that does not exist yet is to be kept empty", () => {
    const work = dir()
    mkdirSync(join(work, ".git"))
    writeFileSync(join(work, ".git", "config"), "[core]\n\thookspath = hooks-later\n")
    assert.deepStrictEqual(gitProtectedPaths(work, {}).missingHookDirs, [join(work, "hooks-later")])
    assert.deepStrictEqual(workspaceRoots(WW, work, {}).emptied, [join(work, "hooks-later")])
  })
})
