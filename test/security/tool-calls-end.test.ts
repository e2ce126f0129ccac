/**
 * Every tool call ends with a result (docs/security.md): whatever makes a tool break — odd argument
 * types, a hostile workspace (a 300-character `core.hooksPath`, a FIFO where git's files should be),
 * paths the file system refuses, huge numbers — the model reads a result, the turn goes on to
 * `task_complete`, and the `codex` call that started it is answered. The next conversation on the same
 * workspace works too. Built server, mock model, real bubblewrap.
 */
import { execFileSync, spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAppServers } from "../support/AppServerClient.js"
import { callCodex, git, makeRepo, runExec, type Stage, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { MockTurn } from "../support/MockModelServer.js"

const { makeStage, start } = useHostileStage()

const WORKSPACE_WRITE = { sandbox: "workspace-write", "approval-policy": "never" } as const

/** The call's text result (the model's last message, or the error). */
const resultText = (call: Awaited<ReturnType<typeof callCodex>>) =>
  (call.result.result?.content ?? []).map((part: { text?: string }) => part.text ?? "").join("")

/**
 * Runs `turns` (then "done") in one `codex` call on `stage.work` and checks that it ended well: a
 * result, not an error, after `task_complete`, with one tool output per tool call. Returns those outputs.
 */
const runToCompletion = async (stage: Stage, turns: ReadonlyArray<MockTurn>, options: { extra?: string } = {}) => {
  const { server, model } = await start(stage, [...turns, MockTurn.message("done")], options)
  const call = await callCodex(server, { ...WORKSPACE_WRITE, cwd: stage.work }, "denied", 15_000)
  expect(call.result.result?.isError, JSON.stringify(call.result).slice(0, 600)).not.toBe(true)
  expect(resultText(call), JSON.stringify(call.result).slice(0, 600)).toBe("done")
  expect(call.events.map((event) => event.type)).toContain("task_complete")
  const outputs = toolOutputs(model)
  expect(outputs).toHaveLength(turns.length)
  return { server, model, outputs }
}

const shell = (command: ReadonlyArray<string>, callId: string) => MockTurn.shell(command, { callId })

describe("a hostile workspace", () => {
  it("a 300-character core.hooksPath: the command runs and every later conversation on the workspace answers", async () => {
    const stage = makeStage()
    makeRepo(stage.work)
    git(stage.work, "config", "core.hooksPath", "h".repeat(300))
    const { server, model, outputs } = await runToCompletion(stage, [shell(["echo", "ran"], "c1")])
    expect(JSON.parse(outputs[0]!).output).toContain("ran")
    model.push(shell(["echo", "again"], "c2"), MockTurn.message("done again"))
    const second = await callCodex(server, { ...WORKSPACE_WRITE, cwd: stage.work }, "denied", 15_000)
    expect(resultText(second)).toBe("done again")
  })

  it("a core.hooksPath through a file (ENOTDIR) or deep past PATH_MAX: each call answers, the turn completes", async () => {
    const stage = makeStage()
    makeRepo(stage.work)
    const sub = join(stage.work, "sub")
    makeRepo(sub)
    git(stage.work, "config", "core.hooksPath", "README.md/hooks")
    git(sub, "config", "core.hooksPath", Array.from({ length: 40 }, () => "d".repeat(200)).join("/"))
    const { outputs } = await runToCompletion(stage, [
      shell(["echo", "ran"], "c1"),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch", { callId: "c2" }),
      // The file standing where the hooks directory would go cannot be swapped for that directory.
      shell(["sh", "-c", "rm -f README.md; mkdir -p README.md/hooks; echo tried"], "c3")
    ])
    expect(JSON.parse(outputs[0]!).output).toContain("ran")
    expect(readFileSync(join(stage.work, "README.md"), "utf8")).toBe("hello\n")
  })

  it("FIFOs where git's files should be (a repository's config, a `.git` file): the server never blocks on them", async () => {
    const stage = makeStage()
    const turns = [
      shell(["sh", "-c", "mkdir -p one/.git two && mkfifo one/.git/config two/.git && echo planted"], "c1"),
      shell(["echo", "after"], "c2"),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch", { callId: "c3" })
    ]
    const { outputs } = await runToCompletion(stage, turns)
    expect(JSON.parse(outputs[0]!).output).toContain("planted")
    expect(JSON.parse(outputs[1]!).output).toContain("after")
  })

  it("a FIFO named .gitmodules, in the workspace or a repository inside it: the server never blocks on it", async () => {
    const stage = makeStage()
    makeRepo(stage.work)
    const turns = [
      shell(["sh", "-c", "mkdir -p one/.git && mkfifo .gitmodules one/.gitmodules && echo planted"], "c1"),
      shell(["echo", "after"], "c2"),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch", { callId: "c3" })
    ]
    const { outputs } = await runToCompletion(stage, turns)
    expect(JSON.parse(outputs[0]!).output).toContain("planted")
    expect(JSON.parse(outputs[1]!).output).toContain("after")
  })

  it("a repository one level down with 300-character core.fsmonitor and include.path values: commands and patches answer", async () => {
    const stage = makeStage()
    const nested = join(stage.work, "vendored")
    makeRepo(nested)
    git(nested, "config", "core.fsmonitor", "m".repeat(300))
    git(nested, "config", "include.path", `${"i".repeat(300)}/config`)
    const { outputs } = await runToCompletion(stage, [
      shell(["echo", "ran"], "c1"),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: c.txt\n+c\n*** End Patch", { callId: "c2" })
    ])
    expect(JSON.parse(outputs[0]!).output).toContain("ran")
  })
})

describe("MCP tool arguments", () => {
  it("arguments nested 10,000 deep (JSON.parse takes them, JSON.stringify overflows): an error result, the turn completes", async () => {
    const stage = makeStage()
    const deep = `{"message":${"[".repeat(10_000)}${"]".repeat(10_000)}}`
    const { outputs } = await runToCompletion(stage, [
      { kind: "functionCall", name: "everything__echo", arguments: deep, callId: "m1" },
      MockTurn.functionCall("everything__echo", { message: "still works" }, "m2")
    ], { extra: mcpServerToml("everything", everythingStdio()) })
    expect(outputs[0]).toMatch(/the arguments are nested too deeply/)
    expect(outputs[1]).toContain("still works")
  })
})

describe("odd arguments", () => {
  it("NUL bytes, huge and negative numbers, wrong types: every call gets a result and the turn completes", async () => {
    const stage = makeStage()
    const turns = [
      MockTurn.functionCall("shell", { command: ["echo", "x"], workdir: "a\u0000b" }, "c1"),
      MockTurn.functionCall("shell", { command: ["echo", "a\u0000b"] }, "c2"),
      MockTurn.functionCall("shell", { command: ["echo", "x"], timeout_ms: 1e300 }, "c3"),
      MockTurn.functionCall("shell", { command: ["echo", "x"], timeout_ms: -5 }, "c4"),
      MockTurn.functionCall("shell", { command: ["echo", "x"], workdir: "w".repeat(5000) }, "c5"),
      MockTurn.functionCall("shell", { command: "echo x" }, "c6"),
      MockTurn.functionCall("view_image", { path: "a\u0000b.png" }, "c7"),
      MockTurn.functionCall("view_image", { path: "p".repeat(5000) }, "c8"),
      MockTurn.functionCall("update_plan", { plan: [{ step: "s", status: "nonsense" }] }, "c9"),
      MockTurn.functionCall("update_plan", [1, 2], "c10"),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: a\u0000b.txt\n+x\n*** End Patch", { callId: "c11" }),
      MockTurn.applyPatch(`*** Begin Patch\n*** Add File: ${"q".repeat(300)}/x.txt\n+x\n*** End Patch`, { callId: "c12" }),
      MockTurn.functionCall("apply_patch", { input: `*** Begin Patch\n*** Update File: ${"r".repeat(256)}\n@@\n-a\n+b\n*** End Patch` }, "c13"),
      MockTurn.functionCall("apply_patch", { input: 42 }, "c14"),
      MockTurn.functionCall("update_plan", { plan: [{ step: 7, status: "pending" }] }, "c15"),
      MockTurn.functionCall("no_such_tool", {}, "c16")
    ]
    const { outputs } = await runToCompletion(stage, turns, { extra: "include_plan_tool = true\ninclude_apply_patch_tool = true" })
    for (const output of outputs) {
      expect(output.length).toBeGreaterThan(0)
      // The safety net answered nothing here: each of these is handled by its tool.
      expect(output).not.toContain("internal error")
    }
  })
})

describe("a client's call on a workspace the model writes answers", () => {
  const appServers = useAppServers()

  it("fuzzyFileSearch while a command keeps swapping the root's .ignore between a file and a FIFO: every search answers", async () => {
    const stage = makeStage()
    for (let i = 0; i < 20; i++) writeFileSync(join(stage.work, `main-${i}.txt`), "")
    execFileSync("mkfifo", [join(stage.work, "pipe")])
    writeFileSync(join(stage.work, "rules"), "*.log\n")
    // What a command left running in the workspace does: swap `.ignore` as fast as it can.
    const swapper = spawn(process.execPath, ["-e", `
      const { linkSync, renameSync } = require("node:fs")
      process.chdir(${JSON.stringify(stage.work)})
      for (let i = 0; ; i++) {
        linkSync(i % 2 === 0 ? "pipe" : "rules", "next")
        renameSync("next", ".ignore")
      }
    `], { stdio: "ignore" })
    try {
      const client = await appServers.launch(stage.codexHome, { HOME: stage.home })
      for (let i = 0; i < 200; i++) {
        const answer = await client.request("fuzzyFileSearch", { query: "main", roots: [stage.work], cancellationToken: null })
        expect(answer.result.files.length).toBeGreaterThan(0)
      }
    } finally {
      swapper.kill("SIGKILL")
    }
  }, 120_000)
})

describe("exec, where nobody can answer", () => {
  it("request_user_input, view_image on a FIFO, /dev/zero and a 64 GiB sparse file, a command that never ends and write_stdin to it, to no session, mistyped: each call answers, exec exits", async () => {
    const stage = makeStage()
    execFileSync("mkfifo", [join(stage.work, "pipe.png")])
    execFileSync("truncate", ["-s", "64G", join(stage.work, "huge.png")])
    const question = [{ id: "go", header: "Go", question: "Proceed?", options: [{ label: "Yes", description: "yes" }] }]
    const { status, stderr, model } = await runExec(stage, [
      MockTurn.functionCall("request_user_input", { questions: question }, "ask"),
      MockTurn.functionCall("view_image", { path: "pipe.png" }, "fifo"),
      MockTurn.functionCall("view_image", { path: "/dev/zero" }, "zero"),
      MockTurn.functionCall("view_image", { path: "huge.png" }, "sparse"),
      MockTurn.functionCall("exec_command", { cmd: "sleep 1000", yield_time_ms: 250 }, "forever"),
      MockTurn.functionCall("write_stdin", { session_id: 1000, chars: "more\n", yield_time_ms: 250 }, "write"),
      MockTurn.functionCall("write_stdin", { session_id: 999_999, chars: "x" }, "unknown"),
      MockTurn.functionCall("write_stdin", { session_id: "1000", chars: 5 }, "mistyped"),
      MockTurn.message("done")
    ], ["--json"], { extra: "experimental_use_unified_exec_tool = true" })
    expect(status, stderr.slice(-2000)).toBe(0)
    const outputs = toolOutputs(model)
    expect(outputs).toHaveLength(8)
    expect(outputs[0]).toContain("the user did not answer")
    expect(outputs[1]).toContain("unable to attach image")
    expect(outputs[2]).toContain("unable to attach image")
    expect(outputs[3]).toContain("unable to attach image")
    expect(outputs[4]).toContain("Process running with session ID")
  }, 60_000)
})
