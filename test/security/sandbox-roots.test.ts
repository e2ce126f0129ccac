/**
 * Invariant I2, end to end (built server, mock model, real bubblewrap): the sandbox's roots are fixed
 * when a command starts and cannot be redirected by renames or symlinks; what is protected inside
 * them (each repository's `.git`) stays protected against renames and copies; patches are written
 * where the kernel enforces the roots.
 *
 * The stage: a writable `pool` (configured in `writable_roots`, standing for `/tmp`) that holds the
 * workspace two or more levels down, and `target`, a directory no command may write (a system path
 * in the real attack). Each test plays the model's moves — renames, symlinks, copies, a second
 * conversation working on the same pool — then checks the real files, and runs git as the user would
 * afterwards where a planted hook would fire.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { callCodex, git, listTree, makeRepo, runExec, type Stage, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { waitUntil } from "../support/ClusterProbes.js"
import { MockTurn } from "../support/MockModelServer.js"
import type { JsonRpcMessage, ServerProcess } from "../support/ServerProcess.js"

const { makeStage, start } = useHostileStage()

const WORKSPACE_WRITE = { sandbox: "workspace-write", "approval-policy": "never" } as const

interface Pool {
  readonly stage: Stage
  /** A writable root (configured) that holds the workspace. */
  readonly pool: string
  /** Must never change: no root covers it. */
  readonly target: string
}

const makePool = (): Pool => {
  const stage = makeStage()
  const pool = join(stage.root, "pool")
  mkdirSync(pool)
  return { stage, pool, target: stage.outside }
}

const startOnPool = ({ stage, pool }: Pool, turns: ReadonlyArray<MockTurn>) =>
  start(stage, turns, { workspaceWrite: `writable_roots = ["${pool}"]` })

/** A shell command through `sh -c`. */
const sh = (script: string, callId: string) => MockTurn.shell(["sh", "-c", script], { callId })

/** One `codex` (or `codex-reply`, given a session) call run to its answer; no approval is expected. */
const call = async (server: ServerProcess, args: Record<string, unknown>, sessionId?: string): Promise<JsonRpcMessage> => {
  const answer = sessionId === undefined
    ? await server.request("tools/call", { name: "codex", arguments: { prompt: "do it", ...WORKSPACE_WRITE, ...args } }, 30_000)
    : await server.request("tools/call", { name: "codex-reply", arguments: { sessionId, prompt: "again" } }, 30_000)
  expect(answer.error).toBeUndefined()
  return answer
}

const isRealDirectory = (path: string) => lstatSync(path, { throwIfNoEntry: false })?.isDirectory() === true

/** A post-checkout hook that leaves `marker` behind when git runs it. */
const hookScript = (marker: string) => `#!/bin/sh\ntouch ${marker}\n`

/** A command that plants a `post-checkout` hook touching `marker` in `dir` and says `planted` when it could. */
const plantHook = (dir: string, marker: string) =>
  `mkdir -p ${dir} && printf '${hookScript(marker).replace(/\n/g, "\\n")}' > ${dir}/post-checkout && chmod +x ${dir}/post-checkout && echo planted`

describe("I2: the roots cannot be moved from inside the sandbox", () => {
  it("renaming the workspace's parent and leaving a symlink at its path: refused, the next command writes the workspace only", async () => {
    const { stage, pool, target } = makePool()
    const repo = join(pool, "x", "repo")
    makeRepo(repo)
    const { server, model } = await startOnPool({ stage, pool, target }, [
      sh(`mv ${join(pool, "x")} ${join(pool, "x2")} && mkdir ${join(pool, "x")} && ln -s ${target} ${repo}`, "swap"),
      sh("echo pwned > pwned.txt", "write"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: repo })
    expect(listTree(target)).toEqual(["keep.txt"])
    expect(isRealDirectory(repo)).toBe(true)
    expect(readFileSync(join(repo, "pwned.txt"), "utf8")).toBe("pwned\n")
    expect(JSON.parse(toolOutputs(model)[0]!).output).toContain("Device or resource busy")
  })

  it("the workspace's grandparent, the workspace itself and rmdir of an ancestor are refused alike", async () => {
    const { stage, pool, target } = makePool()
    const repo = join(pool, "a", "b", "repo")
    makeRepo(repo)
    const { server, model } = await startOnPool({ stage, pool, target }, [
      sh(`mv ${join(pool, "a")} ${join(pool, "a2")} && mkdir -p ${join(pool, "a", "b")} && ln -s ${target} ${repo}`, "grandparent"),
      sh(`mv ${repo} ${join(pool, "moved")} && ln -s ${target} ${repo}`, "itself"),
      sh(`cd / && rm -rf ${join(pool, "a")} ; ln -s ${target} ${join(pool, "a")}`, "rm"),
      sh("echo pwned > pwned.txt", "write"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: repo })
    expect(listTree(target)).toEqual(["keep.txt"])
    expect(isRealDirectory(join(pool, "a"))).toBe(true)
    expect(readFileSync(join(repo, "pwned.txt"), "utf8")).toBe("pwned\n")
    expect(git(repo, "log", "--format=%s").trim()).toBe("first")
    expect(JSON.parse(toolOutputs(model)[0]!).output).toContain("Device or resource busy")
  })

  it("a configured writable root swapped for a symlink (its parent renamed) never makes the target writable", async () => {
    const { stage, pool, target } = makePool()
    const data = join(pool, "a", "data")
    mkdirSync(data, { recursive: true })
    const { server, model } = await start(stage, [
      sh(`mv ${join(pool, "a")} ${join(pool, "a2")} && mkdir ${join(pool, "a")} && ln -s ${target} ${data}`, "swap"),
      sh(`echo pwned > ${join(data, "pwned.txt")}`, "write"),
      MockTurn.message("done")
    ], { workspaceWrite: `writable_roots = ["${pool}", "${data}"]` })
    await call(server, { cwd: stage.work })
    expect(listTree(target)).toEqual(["keep.txt"])
    expect(readFileSync(join(data, "pwned.txt"), "utf8")).toBe("pwned\n")
    expect(JSON.parse(toolOutputs(model)[0]!).output).toContain("Device or resource busy")
  })
})

describe("I2: a repository's .git cannot be renamed, replaced or copied around", () => {
  it("`mv app x && cp -a x app`, `cp -a` then `rm -rf`, a `.git` replaced by a file: the user's later checkout runs no hook of the model's", async () => {
    const stage = makeStage()
    const app = join(stage.work, "app")
    makeRepo(app)
    const marker = join(stage.outside, "hook-ran")
    const evil = join(stage.work, "evil")
    mkdirSync(join(evil, "hooks"), { recursive: true })
    writeFileSync(join(evil, "hooks", "post-checkout"), hookScript(marker))
    chmodSync(join(evil, "hooks", "post-checkout"), 0o755)
    const plant = `printf '#!/bin/sh\\ntouch ${marker}\\n' > app/.git/hooks/post-checkout && chmod +x app/.git/hooks/post-checkout`
    const { server, model } = await start(stage, [
      sh(`mv app x && cp -a x app && ${plant}`, "mv-copy"),
      sh(`cp -a app y && rm -rf app && mv y app && ${plant}`, "copy-rm"),
      sh(`rm -rf app/.git ; mv app/.git app/old-git ; printf 'gitdir: ${evil}\\n' > app/.git`, "git-file"),
      sh(plant, "plant"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: stage.work })
    git(app, "checkout", "-q", "-b", "other")
    expect(existsSync(marker)).toBe(false)
    expect(isRealDirectory(join(app, ".git"))).toBe(true)
    expect(listTree(join(app, ".git", "hooks")).filter((name) => !name.endsWith(".sample"))).toEqual([])
    expect(JSON.parse(toolOutputs(model)[0]!).output).toContain("Device or resource busy")
  })

  it("a submodule's work tree and `.git` file, and a repository holding the workspace, stay protected", async () => {
    const { stage, pool, target } = makePool()
    const outer = join(pool, "outer")
    makeRepo(outer)
    const workspace = join(outer, "pkg")
    mkdirSync(workspace)
    const lib = join(stage.root, "lib")
    makeRepo(lib)
    const app = join(workspace, "app")
    makeRepo(app)
    git(app, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "lib")
    git(app, "commit", "-q", "-m", "submodule")
    const marker = join(target, "hook-ran")
    // A git directory of the model's, with a hook, that a submodule's `.git` file could point to.
    const evil = join(workspace, "evil")
    cpSync(join(lib, ".git"), evil, { recursive: true })
    writeFileSync(join(evil, "hooks", "post-checkout"), hookScript(marker))
    chmodSync(join(evil, "hooks", "post-checkout"), 0o755)
    const dotGit = readFileSync(join(app, "lib", ".git"), "utf8")
    const hook = (dir: string) => `mkdir -p ${dir} && printf '#!/bin/sh\\ntouch ${marker}\\n' > ${dir}/post-checkout && chmod +x ${dir}/post-checkout`
    const { server } = await startOnPool({ stage, pool, target }, [
      sh(`mv app/lib lib-moved && mkdir app/lib && printf 'gitdir: ${evil}\\n' > app/lib/.git`, "submodule"),
      sh(`printf 'gitdir: ${evil}\\n' > app/lib/.git`, "submodule-file"),
      sh(hook(join(outer, ".git", "hooks")), "outer"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: workspace })
    git(join(app, "lib"), "checkout", "-q", "-b", "other")
    git(outer, "checkout", "-q", "-b", "other")
    expect(existsSync(marker)).toBe(false)
    expect(readFileSync(join(app, "lib", ".git"), "utf8")).toBe(dotGit)
  })
})

describe("I2: the repositories in a directory of checkouts", () => {
  it("hundreds of directories made next to them do not push them out of the protected set", async () => {
    const stage = makeStage()
    const app = join(stage.work, "app")
    makeRepo(app)
    const marker = join(stage.outside, "hook-ran")
    const { server, model } = await start(stage, [
      sh("for i in $(seq 1 300); do mkdir 0$i; done && echo made", "c1"),
      sh(plantHook("app/.git/hooks", marker), "c2"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: stage.work })
    expect(JSON.parse(toolOutputs(model)[0]!).output).toContain("made")
    expect(JSON.parse(toolOutputs(model)[1]!).output).not.toContain("planted")
    git(app, "checkout", "-q", "-b", "other")
    expect(existsSync(marker)).toBe(false)
  })

  it("bogus submodules listed first in .gitmodules do not push the real one (vendor/lib) out", async () => {
    const stage = makeStage()
    const app = join(stage.work, "app")
    makeRepo(app)
    const lib = join(stage.root, "lib")
    makeRepo(lib)
    git(app, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "vendor/lib")
    git(app, "commit", "-q", "-m", "submodule")
    const marker = join(stage.outside, "hook-ran")
    const evil = join(stage.work, "evil")
    cpSync(join(lib, ".git"), evil, { recursive: true })
    writeFileSync(join(evil, "hooks", "post-checkout"), hookScript(marker))
    chmodSync(join(evil, "hooks", "post-checkout"), 0o755)
    const bogus = "for i in $(seq 1 100); do mkdir -p 0$i/.git; printf '[submodule \"x%s\"]\\n\\tpath = 0%s\\n' $i $i; done > m && cat .gitmodules >> m && mv m .gitmodules && echo listed"
    const { server, model } = await start(stage, [
      sh(bogus, "c1"),
      sh(`printf 'gitdir: ${evil}\\n' > vendor/lib/.git && echo planted`, "c2"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: app })
    expect(JSON.parse(toolOutputs(model)[0]!).output).toContain("listed")
    expect(JSON.parse(toolOutputs(model)[1]!).output).not.toContain("planted")
    git(join(app, "vendor", "lib"), "checkout", "-q", "-b", "other")
    expect(existsSync(marker)).toBe(false)
  })
})

describe("I2: repositories nested deeper in the workspace", () => {
  it("the user's repositories two and four levels down (packages/lib, vendor/a/b/c) keep a read-only .git; one the model makes stays its own", async () => {
    const stage = makeStage()
    const lib = join(stage.work, "packages", "lib")
    const deep = join(stage.work, "vendor", "a", "b", "c")
    makeRepo(lib)
    makeRepo(deep)
    const marker = join(stage.outside, "hook-ran")
    const plant = (repo: string) => plantHook(`${repo}/.git/hooks`, marker)
    const { server, model } = await start(stage, [
      sh(plant("packages/lib"), "lib"),
      sh(plant("vendor/a/b/c"), "deep"),
      sh("mv vendor v2 && cp -a v2 vendor && echo copied", "copy"),
      sh("mkdir -p tools/mine && cd tools/mine && git init -q && git -c user.email=m@x -c user.name=m commit -q --allow-empty -m mine && echo committed", "own"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: stage.work })
    const [libOut, deepOut, copyOut, ownOut] = toolOutputs(model).map((output) => JSON.parse(output).output as string)
    expect(libOut).not.toContain("planted")
    expect(deepOut).not.toContain("planted")
    expect(copyOut).not.toContain("copied")
    expect(ownOut).toContain("committed")
    git(lib, "checkout", "-q", "-b", "other")
    git(deep, "checkout", "-q", "-b", "other")
    expect(existsSync(marker)).toBe(false)
  })
})

describe("I2: hooks the user's own git configuration puts in the work tree", () => {
  it("a global core.hooksPath relative to the work tree (.githooks): the model can neither fill it nor create it", async () => {
    const stage = makeStage()
    makeRepo(stage.work)
    mkdirSync(join(stage.work, ".githooks"))
    const app = join(stage.work, "app")
    makeRepo(app)
    writeFileSync(join(stage.home, ".gitconfig"), "[core]\n\thooksPath = .githooks\n")
    const marker = join(stage.outside, "hook-ran")
    const plant = (dir: string) => plantHook(dir, marker)
    const { server, model } = await start(stage, [
      sh(plant(".githooks"), "existing"),
      sh(plant("app/.githooks"), "missing"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: stage.work })
    for (const output of toolOutputs(model)) expect(JSON.parse(output).output).not.toContain("planted")
    // The user's git, with the user's global config.
    for (const repo of [stage.work, app]) {
      execFileSync("git", ["checkout", "-q", "-b", "other"], { cwd: repo, env: { ...process.env, HOME: stage.home }, stdio: "pipe" })
    }
    expect(existsSync(marker)).toBe(false)
  })
})

describe("I2: a hooks path from wherever git finds the user's config", () => {
  /** Each case writes the user's config its own way and says which environment the server and the user's git share. */
  const cases: ReadonlyArray<{ readonly name: string; readonly setup: (stage: Stage) => Record<string, string> }> = [
    {
      name: "GIT_CONFIG_GLOBAL naming a file of its own",
      setup: (stage) => {
        const file = join(stage.root, "global.gitconfig")
        writeFileSync(file, "[core]\n\thooksPath = .githooks\n")
        return { GIT_CONFIG_GLOBAL: file }
      }
    },
    {
      name: "XDG_CONFIG_HOME/git/config",
      setup: (stage) => {
        const xdg = join(stage.root, "xdg")
        mkdirSync(join(xdg, "git"), { recursive: true })
        writeFileSync(join(xdg, "git", "config"), "[core]\n\thooksPath = .githooks\n")
        return { XDG_CONFIG_HOME: xdg }
      }
    },
    {
      name: "a file ~/.gitconfig includes",
      setup: (stage) => {
        writeFileSync(join(stage.home, ".gitconfig"), "[include]\n\tpath = ~/.config/team.gitconfig\n")
        mkdirSync(join(stage.home, ".config"), { recursive: true })
        writeFileSync(join(stage.home, ".config", "team.gitconfig"), "[core]\n\thooksPath = .githooks\n")
        return {}
      }
    },
    {
      name: "a conditional include (includeIf gitdir) after a hooksPath of its own",
      setup: (stage) => {
        writeFileSync(join(stage.home, ".gitconfig"), `[core]\n\thooksPath = /nonexistent\n[includeIf "gitdir:${stage.root}/"]\n\tpath = work.gitconfig\n`)
        writeFileSync(join(stage.home, "work.gitconfig"), "[core]\n\thooksPath = .githooks\n")
        return {}
      }
    },
    {
      name: "GIT_CONFIG_COUNT pairs in the environment",
      setup: () => ({ GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "core.hooksPath", GIT_CONFIG_VALUE_0: ".githooks" })
    },
    {
      name: "git -c (GIT_CONFIG_PARAMETERS)",
      setup: () => ({ GIT_CONFIG_PARAMETERS: "'core.hooksPath'='.githooks'" })
    }
  ]

  it.each(cases)("$name: the model can neither fill .githooks nor create it", async ({ setup }) => {
    const stage = makeStage()
    makeRepo(stage.work)
    mkdirSync(join(stage.work, ".githooks"))
    const app = join(stage.work, "app")
    makeRepo(app)
    const env = setup(stage)
    const marker = join(stage.outside, "hook-ran")
    const plant = (dir: string) => plantHook(dir, marker)
    const { server, model } = await start(stage, [
      sh(plant(".githooks"), "existing"),
      sh(plant("app/.githooks"), "missing"),
      MockTurn.message("done")
    ], { env })
    await call(server, { cwd: stage.work })
    for (const output of toolOutputs(model)) expect(JSON.parse(output).output).not.toContain("planted")
    // The user's git, with the same environment as the server.
    for (const repo of [stage.work, app]) {
      execFileSync("git", ["checkout", "-q", "-b", "other"], { cwd: repo, env: { ...process.env, HOME: stage.home, ...env }, stdio: "pipe" })
    }
    expect(existsSync(marker)).toBe(false)
  })
})

describe("I2: asking to leave the sandbox under approval `never`", () => {
  const write = (outside: string, name: string) => `echo pwned > ${join(outside, name)}`
  it.each([
    {
      tool: "shell (with_escalated_permissions, a workdir outside)",
      extra: "",
      calls: (outside: string) => [
        MockTurn.functionCall("shell", { command: ["sh", "-c", write(outside, "a")], with_escalated_permissions: true, justification: "needed" }, "esc"),
        MockTurn.functionCall("shell", { command: ["sh", "-c", write(outside, "b")], workdir: outside }, "workdir")
      ]
    },
    {
      tool: "exec_command (require_escalated, a workdir outside, a tty, a shell of its choosing)",
      extra: "experimental_use_unified_exec_tool = true",
      calls: (outside: string) => [
        MockTurn.functionCall("exec_command", {
          cmd: write(outside, "c"),
          sandbox_permissions: "require_escalated",
          workdir: outside,
          tty: true,
          shell: "/bin/bash",
          yield_time_ms: 5000
        }, "uexec")
      ]
    }
  ])("$tool: nobody is asked, nothing lands outside", async ({ extra, calls }) => {
    const stage = makeStage()
    const { server, model } = await start(stage, [...calls(stage.outside), MockTurn.message("done")], { extra })
    const { asked } = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    expect(asked).toEqual([])
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    for (const output of toolOutputs(model)) expect(output).toContain("Read-only file system")
  })
})

describe("I2: an approval names the files that will be written", () => {
  it("a patch through a workspace symlink the model pointed outside: the approval shows where it lands, and a link re-pointed after the yes changes nothing", async () => {
    const stage = makeStage()
    const elsewhere = join(stage.root, "elsewhere")
    mkdirSync(elsewhere)
    const { server, model } = await start(stage, [
      sh(`ln -s ${stage.outside} src && echo linked`, "ln"),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: src/evil.txt\n+x\n*** End Patch", { callId: "p" }),
      MockTurn.message("done")
    ])
    server.send({ id: "call", method: "tools/call", params: { name: "codex", arguments: { prompt: "do it", sandbox: "workspace-write", "approval-policy": "on-request", cwd: stage.work } } })
    const asked = await server.waitFor((m) => m.method === "elicitation/create", "the patch approval", 20_000)
    expect(Object.keys(asked.params.codex_changes)).toEqual([join(stage.outside, "evil.txt")])
    // The link re-pointed while the user reads the request (a command of another conversation could).
    execFileSync("ln", ["-sfn", elsewhere, join(stage.work, "src")])
    server.send({ id: asked.id!, result: { decision: "approved" } })
    await server.waitFor((m) => m.id === "call" && m.method === undefined, "the call's result", 20_000)
    expect(listTree(elsewhere)).toEqual([])
    expect(readFileSync(join(stage.outside, "evil.txt"), "utf8")).toBe("x\n")
    expect(toolOutputs(model).length).toBe(2)
  })
})

describe("I2: a workspace kept inside CODEX_HOME", () => {
  it("a repository in it cannot be renamed and copied back with a writable .git", async () => {
    const stage = makeStage()
    const workspace = join(stage.codexHome, "projects", "w")
    const app = join(workspace, "app")
    makeRepo(app)
    const marker = join(stage.outside, "hook-ran")
    const { server, model } = await start(stage, [
      sh(`mv app app2 && cp -a app2 app && printf '#!/bin/sh\\ntouch ${marker}\\n' > app/.git/hooks/post-checkout && chmod +x app/.git/hooks/post-checkout && echo planted`, "c1"),
      sh("echo pwned > app/pwned.txt && echo wrote", "c2"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: workspace })
    expect(JSON.parse(toolOutputs(model)[0]!).output).not.toContain("planted")
    expect(JSON.parse(toolOutputs(model)[1]!).output).toContain("wrote")
    git(app, "checkout", "-q", "-b", "other")
    expect(existsSync(marker)).toBe(false)
  })
})

describe("the server's own reads of the workspace", () => {
  it("an AGENTS.md the model points at the server's /proc/self/environ or at CODEX_HOME/auth.json: neither reaches the next conversation's model", async () => {
    const stage = makeStage()
    const deeper = join(stage.work, "sub", "deeper")
    makeRepo(stage.work)
    mkdirSync(deeper, { recursive: true })
    writeFileSync(join(stage.work, "AGENTS.md"), "the user's own project doc\n")
    const secret = "sk-server-secret-0123456789abcdef"
    writeFileSync(join(stage.codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: "sk-auth-json-secret-fedcba9876543210" }))
    const { server, model } = await start(stage, [
      sh(`ln -s /proc/self/environ sub/AGENTS.md && ln -s ${join(stage.codexHome, "auth.json")} sub/deeper/AGENTS.md && echo linked`, "c1"),
      MockTurn.message("done"),
      MockTurn.message("second")
    ], { env: { SOME_SERVICE_PASSWORD: secret } })
    await call(server, { cwd: stage.work })
    expect(JSON.parse(toolOutputs(model)[0]!).output).toContain("linked")
    await call(server, { cwd: deeper })
    const sent = JSON.stringify(model.requests.map((request) => request.body))
    expect(sent).toContain("the user's own project doc")
    expect(sent).not.toContain(secret)
    expect(sent).not.toContain("sk-auth-json-secret")
  })
})

describe("I2: another conversation or process cannot redirect this one's roots", () => {
  it("the workspace's parent renamed from outside the server (another process) between two turns: commands and patches are refused with a clear error", async () => {
    const { stage, pool, target } = makePool()
    const repo = join(pool, "x", "repo")
    makeRepo(repo)
    const addFile = "*** Begin Patch\n*** Add File: patched.txt\n+pwned\n*** End Patch"
    const { server, model } = await startOnPool({ stage, pool, target }, [
      sh("echo first > first.txt", "a1"),
      MockTurn.message("done"),
      sh("echo pwned > pwned.txt", "a2"),
      MockTurn.applyPatch(addFile, { callId: "a3" }),
      MockTurn.message("done")
    ])
    const first = await call(server, { cwd: repo })
    // What a sandbox of another server sharing the pool could do: it knows nothing of this conversation.
    renameSync(join(pool, "x"), join(pool, "x2"))
    mkdirSync(join(pool, "x"))
    symlinkSync(target, repo)
    await call(server, {}, first.result.structuredContent.threadId)
    expect(listTree(target)).toEqual(["keep.txt"])
    const [, command, patch] = toolOutputs(model)
    expect(command).toMatch(/writable root `.*\/x\/repo` is no longer the directory this conversation started with/)
    expect(patch).toMatch(/^patch rejected: the writable root `.*\/x\/repo` is no longer the directory this conversation started with/)
  })

  it("a workspace path re-pointed by a command before the user starts a conversation there is refused, not bound where it leads", async () => {
    const { stage, pool, target } = makePool()
    // Not a repository: a checkout in the pool is protected with its ancestors from the first command on.
    const repo = join(pool, "x", "repo")
    mkdirSync(repo, { recursive: true })
    const { server, model } = await startOnPool({ stage, pool, target }, [
      sh(`mv ${join(pool, "x")} ${join(pool, "x2")} && mkdir ${join(pool, "x")} && ln -s ${target} ${repo}`, "b1"),
      MockTurn.message("done"),
      sh("echo pwned > pwned.txt", "a1"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: stage.work })
    expect(lstatSync(repo).isSymbolicLink()).toBe(true)
    await call(server, { cwd: repo })
    expect(listTree(target)).toEqual(["keep.txt"])
    expect(toolOutputs(model)[1]).toMatch(/writable root `.*\/x\/repo` is reached through the symlink `.*\/x\/repo`, which sandboxed commands can change/)
  })

  it("a configured root that another conversation's sandbox re-pointed (a symlink in its workspace, not in this one's roots) is refused", async () => {
    const { stage, pool, target } = makePool()
    const cache = join(pool, "cache")
    const { server, model } = await start(stage, [
      sh(`ln -s ${target} ${cache} && echo planted`, "a1"),
      MockTurn.message("done"),
      sh(`echo pwned > ${join(cache, "pwned.txt")}`, "b1"),
      MockTurn.message("done")
    ], { workspaceWrite: `writable_roots = ["${cache}"]` })
    // The first conversation works in the pool; the second elsewhere, with the pool in none of its roots.
    await call(server, { cwd: pool })
    expect(lstatSync(cache).isSymbolicLink()).toBe(true)
    await call(server, { cwd: stage.work })
    expect(listTree(target)).toEqual(["keep.txt"])
    expect(toolOutputs(model)[1]).toMatch(/writable root `.*\/pool\/cache` is reached through the symlink `.*\/pool\/cache`, which sandboxed commands can change/)
  })

  it("a second conversation can neither plant a hook in the first one's repository nor move it (shell or patch)", async () => {
    const { stage, pool, target } = makePool()
    const repo = join(pool, "x", "repo")
    makeRepo(repo)
    const marker = join(target, "hook-ran")
    const hooks = join(repo, ".git", "hooks")
    const { server } = await startOnPool({ stage, pool, target }, [
      MockTurn.message("ready"),
      sh(`printf '#!/bin/sh\\ntouch ${marker}\\n' > ${hooks}/post-checkout && chmod +x ${hooks}/post-checkout`, "b1"),
      MockTurn.applyPatch(`*** Begin Patch\n*** Add File: ${join(hooks, "post-commit")}\n+#!/bin/sh\n*** End Patch`, { callId: "b2" }),
      sh(`mv ${join(pool, "x")} ${join(pool, "x2")} && cp -a ${join(pool, "x2")} ${join(pool, "x")}`, "b3"),
      MockTurn.message("done")
    ])
    await call(server, { cwd: repo })
    await call(server, { cwd: stage.work })
    expect(listTree(hooks).filter((name) => !name.endsWith(".sample"))).toEqual([])
    expect(existsSync(join(pool, "x2"))).toBe(false)
    git(repo, "checkout", "-q", "-b", "other")
    expect(existsSync(marker)).toBe(false)
  })

  it("a second conversation swaps a directory for a symlink while the first applies a patch: nothing lands outside the roots", async () => {
    const { stage, pool, target } = makePool()
    const repo = join(pool, "x", "repo")
    makeRepo(repo)
    mkdirSync(join(repo, "dir"))
    const { server, model } = await startOnPool({ stage, pool, target }, [
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: dir/f.txt\n+pwned\n*** End Patch", { callId: "a1" }),
      sh(`mv ${join(repo, "dir")} ${join(pool, "moved")} && ln -s ${target} ${join(repo, "dir")}`, "b1"),
      MockTurn.message("done"),
      MockTurn.message("done")
    ])
    // Conversation A is held at its approval (untrusted asks about every patch), after the checks.
    const first = "sandbox-roots-a"
    server.send({ id: first, method: "tools/call", params: { name: "codex", arguments: { prompt: "patch", cwd: repo, sandbox: "workspace-write", "approval-policy": "untrusted" } } })
    const asked = await server.waitFor((m) => m.method === "elicitation/create" && m.id !== undefined, "A's patch approval", 20_000)
    await call(server, { cwd: stage.work })
    expect(lstatSync(join(repo, "dir")).isSymbolicLink()).toBe(true)
    server.send({ id: asked.id!, result: { decision: "approved" } })
    await server.waitFor((m) => m.id === first && m.method === undefined, "A's answer", 30_000)
    expect(listTree(target)).toEqual(["keep.txt"])
    // B's command answered first; A's patch after the approval.
    const patch = toolOutputs(model)[1]!
    expect(JSON.parse(patch).output).toMatch(/^Failed to write file .*\/dir\/f\.txt: Read-only file system \(os error 30\)$/)
  })
})

describe("I2: what exec writes for the user lands where the user named it", () => {
  it("--output-last-message whose file the model swapped for a symlink to a file outside: the outside file is untouched", async () => {
    const stage = makeStage()
    const last = join(stage.work, "last.txt")
    writeFileSync(last, "previous\n")
    const keep = join(stage.outside, "keep.txt")
    const result = await runExec(stage, [sh(`rm -f last.txt && ln -s ${keep} last.txt`, "swap"), MockTurn.message("PWNED")], ["-o", last])
    expect(readFileSync(keep, "utf8")).toBe("untouched\n")
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`could not write --output-last-message ${last}`)
  })

  it("--output-last-message in a directory the model renamed and replaced by a symlink to a directory outside: written in the directory named at the start", async () => {
    const stage = makeStage()
    mkdirSync(join(stage.work, "out"))
    const last = join(stage.work, "out", "last.txt")
    const result = await runExec(stage, [sh(`mv out out2 && ln -s ${stage.outside} out`, "swap"), MockTurn.message("PWNED")], ["-o", last])
    expect(result.status, result.stderr).toBe(0)
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    expect(readFileSync(join(stage.work, "out2", "last.txt"), "utf8")).toBe("PWNED")
  })

  it("--output-last-message whose directory did not exist at the start and that the model made a symlink to a directory outside: nothing written outside", async () => {
    const stage = makeStage()
    const last = join(stage.work, "made", "last.txt")
    const result = await runExec(stage, [sh(`ln -s ${stage.outside} made`, "plant"), MockTurn.message("PWNED")], ["-o", last])
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`could not write --output-last-message ${last}`)
  })
})

describe("I2: a command left running while another conversation starts", () => {
  it("cannot plant a hook in the repository of a conversation started after it (the user's later checkout runs nothing)", async () => {
    const { stage, pool } = makePool()
    const a = join(pool, "a")
    const b = join(pool, "b")
    mkdirSync(a)
    const marker = join(stage.outside, "hook-ran")
    const hook = join(b, ".git", "hooks", "post-checkout")
    const lingering = `while [ ! -e ${pool}/go ]; do sleep 0.05; done; ` +
      `(printf '#!/bin/sh\\ntouch ${marker}\\n' > ${hook} && chmod +x ${hook}) 2>/dev/null; touch ${pool}/done`
    const { server, model } = await start(stage, [
      MockTurn.functionCall("exec_command", { cmd: lingering, yield_time_ms: 250 }, "linger"),
      // The first conversation's task goes on meanwhile: its session is still running.
      MockTurn.functionCall("exec_command", { cmd: `while [ ! -e ${pool}/done ]; do sleep 0.05; done`, yield_time_ms: 30_000 }, "wait"),
      MockTurn.message("b done"),
      MockTurn.message("a done")
    ], { workspaceWrite: `writable_roots = ["${pool}"]`, extra: "experimental_use_unified_exec_tool = true" })
    const first = call(server, { cwd: a })
    await waitUntil(() => model.requests.length >= 2, 15_000, () => "the first conversation's second request")
    // The user clones a repository meanwhile and starts a conversation there.
    makeRepo(b)
    await call(server, { cwd: b })
    writeFileSync(join(pool, "go"), "")
    await first
    expect(existsSync(hook)).toBe(false)
    git(b, "checkout", "-q", "-b", "next")
    expect(existsSync(marker)).toBe(false)
  })
})
