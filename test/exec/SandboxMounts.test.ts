/**
 * Resolve once, bind by what was resolved: which directories are pinned (`AncestorPins`,
 * `workspaceRoots().pinned`, other conversations' workspaces from `LiveWorkspaces`), the mounts in bwrap's order and their descriptors checked against their
 * paths (`SandboxMounts`), and the roots compared with the conversation's first sight (`RootIdentities`).
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { pinsFor } from "../../src/agent/exec/AncestorPins.js"
import { holdLiveWorkspaces, liveWorkspaces } from "../../src/agent/exec/LiveWorkspaces.js"
import { checkRootIdentities, rootIdentitiesAt } from "../../src/agent/exec/RootIdentities.js"
import { closeMounts, mountArgs, openMounts, sandboxMounts } from "../../src/agent/exec/SandboxMounts.js"
import { rootsEnvOf, workspaceRoots } from "../../src/agent/exec/WorkspaceRoots.js"
import type { SandboxPolicy } from "../../src/rpc/Enums.js"
import { tempDir } from "./support.js"

const WW: SandboxPolicy = { mode: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true }

describe("pinsFor", () => {
  it("the path and its ancestors strictly inside a writable root, broadest first; roots themselves left out", () => {
    assert.deepStrictEqual(pinsFor("/tmp/a/b/repo", ["/tmp", "/tmp/a/b/repo"]), ["/tmp/a", "/tmp/a/b"])
    assert.deepStrictEqual(pinsFor("/tmp/a/b/repo/.git", ["/tmp/a/b/repo"]), ["/tmp/a/b/repo/.git"])
    assert.deepStrictEqual(pinsFor("/home/u/proj", ["/tmp"]), [])
    assert.deepStrictEqual(pinsFor("/tmp", ["/tmp"]), [])
  })
})

describe("workspaceRoots: what is pinned", () => {
  it("the workspace's ancestors inside a configured root, the repositories whose .git is protected, and a repository holding the workspace", () => {
    const pool = tempDir("codex-pins-")
    const outer = join(pool, "outer")
    const workspace = join(outer, "pkg")
    mkdirSync(join(outer, ".git"), { recursive: true })
    mkdirSync(join(workspace, "app", ".git"), { recursive: true })
    mkdirSync(join(workspace, "app", "lib"))
    writeFileSync(join(workspace, "app", ".gitmodules"), '[submodule "lib"]\n\tpath = lib\n\turl = ../lib\n')
    writeFileSync(join(workspace, "app", "lib", ".git"), "gitdir: ../.git/modules/lib\n")
    mkdirSync(join(workspace, "plain"))
    const roots = workspaceRoots({ ...WW, writable_roots: [pool] }, workspace, {})
    assert.sameMembers([...roots.pinned], [outer, join(workspace, "app"), join(workspace, "app", "lib")])
    assert.includeMembers([...roots.readOnly], [join(outer, ".git"), join(workspace, "app", ".git"), join(workspace, "app", "lib", ".git")])
    assert.deepStrictEqual(roots.origins, [{ given: pool, real: pool }, { given: workspace, real: workspace }])
  })
})

describe("live workspaces", () => {
  it.effect("another live conversation's workspace in the roots: its .git read-only, it and its parent pinned; released with its scope", () =>
    Effect.gen(function*() {
      const pool = tempDir("codex-live-")
      const theirs = join(pool, "x", "theirs")
      mkdirSync(join(theirs, ".git"), { recursive: true })
      const mine = join(pool, "mine")
      mkdirSync(mine)
      yield* Effect.scoped(Effect.gen(function*() {
        const held = yield* holdLiveWorkspaces
        held.hold(theirs)
        const roots = workspaceRoots({ ...WW, writable_roots: [pool] }, mine, rootsEnvOf({}))
        assert.include([...roots.readOnly], join(theirs, ".git"))
        assert.includeMembers([...roots.pinned], [join(pool, "x"), theirs])
      }))
      assert.notInclude(liveWorkspaces(), theirs)
    }))
})

describe("sandboxMounts", () => {
  it("writable roots and pins broadest first, then the read-only paths; each from its own descriptor", () => {
    const roots = { writable: ["/p", "/p/o/w"], pinned: ["/p/o", "/p/o/w/app"], readOnly: ["/p/o/w/app/.git"], emptied: [], refused: [], leftOut: [], origins: [] }
    const mounts = sandboxMounts(roots)
    assert.deepStrictEqual(mountArgs(mounts, 4), [
      "--bind-fd", "4", "/p",
      "--bind-fd", "5", "/p/o",
      "--bind-fd", "6", "/p/o/w",
      "--bind-fd", "7", "/p/o/w/app",
      "--ro-bind-fd", "8", "/p/o/w/app/.git"
    ])
  })

  it("openMounts: descriptors for paths that are what they were; a parent swapped for a symlink is reported and nothing stays open", () => {
    const pool = tempDir("codex-mounts-")
    const repo = join(pool, "x", "repo")
    mkdirSync(join(repo, ".git"), { recursive: true })
    const mounts = [{ path: repo, writable: true }, { path: join(repo, ".git"), writable: false }]
    const opened = openMounts(mounts)
    assert.isTrue("fds" in opened)
    if ("fds" in opened) closeMounts(opened.fds)

    const elsewhere = tempDir("codex-elsewhere-")
    mkdirSync(join(elsewhere, "repo", ".git"), { recursive: true })
    renameSync(join(pool, "x"), join(pool, "x2"))
    symlinkSync(elsewhere, join(pool, "x"))
    const swapped = openMounts(mounts)
    assert.deepStrictEqual(swapped, { changed: repo, now: join(elsewhere, "repo") })

    // The path itself swapped for a symlink: the link is what would be opened, and it is refused.
    const own = join(pool, "own")
    symlinkSync(elsewhere, own)
    assert.deepStrictEqual(openMounts([{ path: own, writable: true }]), { changed: own, now: "a symlink" })
  })
})

describe("checkRootIdentities", () => {
  it("records a root at first sight and refuses it once it resolves elsewhere or is another directory", () => {
    const pool = tempDir("codex-identity-")
    const work = join(pool, "x", "work")
    mkdirSync(work, { recursive: true })
    const identities = rootIdentitiesAt(work)
    const origin = { given: work, real: work }
    assert.isUndefined(checkRootIdentities(identities, [origin], []))

    renameSync(join(pool, "x"), join(pool, "x2"))
    mkdirSync(work, { recursive: true })
    assert.match(checkRootIdentities(identities, [origin], []) ?? "", /writable root `.*\/x\/work` is no longer the directory/)

    const other = tempDir("codex-other-")
    const configured = { given: join(pool, "conf"), real: other }
    assert.isUndefined(checkRootIdentities(identities, [configured], []))
    assert.match(checkRootIdentities(identities, [{ ...configured, real: pool }], []) ?? "", /it now resolves to `/)
  })

  it("refuses a root reached through a symlink in a writable directory, at first sight too; a link outside the roots is the user's", () => {
    const pool = tempDir("codex-linked-")
    const data = tempDir("codex-data-")
    symlinkSync(data, join(pool, "link"))
    const origin = { given: join(pool, "link"), real: data }
    assert.match(checkRootIdentities(new Map(), [origin], [pool, data]) ?? "", /reached through the symlink `.*\/link`, which sandboxed commands can change/)
    assert.isUndefined(checkRootIdentities(new Map(), [origin], [data]))
  })
})
