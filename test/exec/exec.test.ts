/**
 * Running commands (agent core §6): the approval × sandbox table, the known-safe list, shell
 * quoting, the model's truncated output, and real processes — timeouts and interrupts kill the whole
 * group, floods stay within the memory budget, and bubblewrap blocks writes and the network.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { commandEnvironment } from "../../src/agent/exec/CommandEnvironment.js"
import { decideCommand } from "../../src/agent/exec/ExecApproval.js"
import { BoundedOutput } from "../../src/agent/exec/BoundedOutput.js"
import { formatExecOutput, truncateForModel } from "../../src/agent/exec/ModelOutput.js"
import { runCommand } from "../../src/agent/exec/RunCommand.js"
import { isKnownSafeCommand } from "../../src/agent/exec/SafeCommands.js"
import { detectSandbox, sandboxedArgv } from "../../src/agent/exec/Sandbox.js"
import { shlexJoin } from "../../src/agent/exec/ShellQuote.js"
import type { AskForApproval, SandboxPolicy } from "../../src/rpc/Enums.js"

const temp = () => mkdtempSync(join(tmpdir(), "codex-exec-"))
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" }

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2]!.startsWith("Z")
  } catch {
    return false
  }
}

/** Polls until `pid` is gone, failing loudly after `ms`. */
const waitForDeath = (pid: number, ms = 3000) =>
  Effect.promise(async () => {
    const deadline = Date.now() + ms
    while (isAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`process ${pid} still alive after ${ms} ms`)
      await new Promise((resolve) => setImmediate(resolve))
    }
  })

describe("shlexJoin", () => {
  it.each([
    [["git", "init"], "git init"],
    [["bash", "-lc", "echo hi"], "bash -lc 'echo hi'"],
    [[""], "''"],
    [["it's"], "\"it's\""],
    [["a$b"], "'a$b'"],
    [["x^y"], "x'^y'"],
    [["^x"], "'^x'"],
    [["héllo"], "'héllo'"],
    [["a\\b"], "\"a\\\\b\""],
    [["'\""], "\"'\\\"\""],
    [["a,b", "{c}", "x=y"], "'a,b' '{c}' 'x=y'"],
    [["python3", "-c", "print(42)"], "python3 -c 'print(42)'"]
  ])("quotes %j as %s", (argv, expected) => {
    assert.strictEqual(shlexJoin(argv), expected)
  })
})

describe("known-safe commands", () => {
  it.each([
    [["ls", "-la"], true],
    [["cat", "file"], true],
    [["git", "status"], true],
    [["git", "push"], false],
    [["find", ".", "-name", "x"], true],
    [["find", ".", "-delete"], false],
    [["rg", "foo"], true],
    [["rg", "--pre", "cmd", "foo"], false],
    [["rg", "--pre=cmd", "foo"], false],
    [["sed", "-n", "1,5p", "file"], true],
    [["sed", "-i", "s/a/b/", "file"], false],
    [["cargo", "check"], true],
    [["bash", "-lc", "ls && pwd | wc -l"], true],
    [["bash", "-lc", "ls > out.txt"], false],
    [["bash", "-lc", "echo $(rm -rf /)"], false],
    [["bash", "-lc", "ls; rm -rf x"], false],
    [["bash", "-lc", "git status || echo 'no git'"], true],
    [["bash", "-lc", "cat \"$HOME\""], false],
    [["rm", "-rf", "/"], false],
    [["python3", "-c", "print(42)"], false]
  ])("%j → %s", (argv, safe) => {
    assert.strictEqual(isKnownSafeCommand(argv), safe)
  })
})

describe("approval × sandbox table", () => {
  const policies: ReadonlyArray<AskForApproval> = ["untrusted", "on-failure", "on-request", "never"]
  const sandboxes: ReadonlyArray<SandboxPolicy> = [{ mode: "danger-full-access" }, { mode: "read-only" }, { mode: "workspace-write" }]
  const expected: Record<AskForApproval, Record<SandboxPolicy["mode"], string>> = {
    "untrusted": { "danger-full-access": "Ask", "read-only": "Ask", "workspace-write": "Ask" },
    "on-failure": { "danger-full-access": "Run unsandboxed", "read-only": "Run sandboxed", "workspace-write": "Run sandboxed" },
    "on-request": { "danger-full-access": "Run unsandboxed", "read-only": "Run sandboxed", "workspace-write": "Run sandboxed" },
    "never": { "danger-full-access": "Run unsandboxed", "read-only": "Run sandboxed", "workspace-write": "Run sandboxed" }
  }
  const describeDecision = (decision: ReturnType<typeof decideCommand>) =>
    decision._tag === "Run" ? `Run ${decision.sandboxed ? "sandboxed" : "unsandboxed"}` : decision._tag

  for (const approvalPolicy of policies) {
    for (const sandboxPolicy of sandboxes) {
      it(`${approvalPolicy} × ${sandboxPolicy.mode}`, () => {
        const base = { approvalPolicy, sandboxPolicy, approvedForSession: new Set<string>() }
        assert.strictEqual(describeDecision(decideCommand({ ...base, command: ["python3", "x.py"] })), expected[approvalPolicy][sandboxPolicy.mode])
        assert.strictEqual(describeDecision(decideCommand({ ...base, command: ["ls"] })), "Run unsandboxed")
        const approved = new Set([JSON.stringify(["python3", "x.py"])])
        assert.strictEqual(describeDecision(decideCommand({ ...base, approvedForSession: approved, command: ["python3", "x.py"] })), "Run unsandboxed")
      })
    }
  }

  it("asks on-request escalations with the justification as the reason", () => {
    const decision = decideCommand({
      command: ["npm", "install"],
      approvalPolicy: "on-request",
      sandboxPolicy: { mode: "workspace-write" },
      approvedForSession: new Set(),
      withEscalatedPermissions: true,
      justification: "needs the network"
    })
    assert.deepStrictEqual(decision, { _tag: "Ask", reason: "needs the network" })
  })
})

describe("output for the model", () => {
  it("passes short output through and formats the metadata", () => {
    assert.strictEqual(
      formatExecOutput({ aggregated: "hi\n", exitCode: 0, durationMs: 1234 }),
      JSON.stringify({ output: "hi\n", metadata: { exit_code: 0, duration_seconds: 1.2 } })
    )
  })

  it("keeps the first and last 128 lines of long output with a marker", () => {
    const lines = Array.from({ length: 1000 }, (_, n) => `line ${n}\n`).join("")
    const cut = truncateForModel(lines)
    assert.isTrue(cut.startsWith("line 0\n"))
    assert.isTrue(cut.endsWith("line 999\n"))
    assert.include(cut, "[... omitted 744 of 1000 lines ...]")
    assert.isAtMost(Buffer.byteLength(cut), 10 * 1024)
  })

  it("bounds retained output while counting everything", () => {
    const output = new BoundedOutput(1024, 1024)
    for (let i = 0; i < 1000; i++) output.push(Buffer.alloc(1024, 97))
    assert.strictEqual(output.totalBytes, 1024 * 1000)
    assert.strictEqual(output.retainedBytes, 2048)
    assert.include(output.text(), `[... ${1024 * 998} bytes omitted ...]`)
  })
})

describe("environment", () => {
  const processEnv = { PATH: "/bin", HOME: "/root", OPENAI_API_KEY: "sk", MY_TOKEN: "t", FOO: "1", BAR: "2" }
  it("drops secrets by default and applies exclude, set and include_only", () => {
    const base = { inherit: "all" as const, ignoreDefaultExcludes: false, exclude: [], set: {}, includeOnly: [] }
    assert.deepStrictEqual(commandEnvironment(base, processEnv, { networkDisabled: false }), { PATH: "/bin", HOME: "/root", FOO: "1", BAR: "2" })
    assert.deepStrictEqual(
      commandEnvironment({ ...base, inherit: "core", set: { X: "y" } }, processEnv, { networkDisabled: true }),
      { PATH: "/bin", HOME: "/root", X: "y", CODEX_SANDBOX_NETWORK_DISABLED: "1" }
    )
    assert.deepStrictEqual(commandEnvironment({ ...base, exclude: ["F*"], includeOnly: ["*A*"] }, processEnv, { networkDisabled: false }), { PATH: "/bin", BAR: "2" })
  })
})

describe("runCommand", () => {
  it.live("streams output in order and reports the exit code", () =>
    Effect.gen(function*() {
      const chunks: Array<string> = []
      const output = yield* runCommand({
        argv: ["bash", "-c", "for i in 1 2 3; do echo $i; done; echo err >&2; exit 3"],
        cwd: temp(),
        env,
        timeoutMs: 10_000,
        onOutput: (stream, chunk) => Effect.sync(() => void chunks.push(`${stream}:${Buffer.from(chunk).toString()}`))
      })
      assert.strictEqual(output.exitCode, 3)
      assert.strictEqual(output.stdout, "1\n2\n3\n")
      assert.strictEqual(output.stderr, "err\n")
      assert.strictEqual(chunks.filter((chunk) => chunk.startsWith("stdout:")).join("").replace(/stdout:/g, ""), "1\n2\n3\n")
    }))

  it.live("kills the whole process group on timeout, grandchildren included", () =>
    Effect.gen(function*() {
      const dir = temp()
      const output = yield* runCommand({
        argv: ["bash", "-c", `sleep 30 & echo $! > ${dir}/pid; wait`],
        cwd: dir,
        env,
        timeoutMs: 500
      })
      assert.isTrue(output.timedOut)
      assert.strictEqual(output.exitCode, 124)
      yield* waitForDeath(Number(readFileSync(join(dir, "pid"), "utf8")))
    }))

  it.live("kills the group when the effect is interrupted", () =>
    Effect.gen(function*() {
      const dir = temp()
      const fiber = yield* runCommand({ argv: ["bash", "-c", `sleep 30 & echo $! > ${dir}/pid; wait`], cwd: dir, env, timeoutMs: 60_000 })
        .pipe(Effect.forkChild)
      yield* Effect.promise(async () => {
        const deadline = Date.now() + 5000
        while (!existsSync(join(dir, "pid")) || readFileSync(join(dir, "pid"), "utf8") === "") {
          if (Date.now() > deadline) throw new Error("the command never started")
          await new Promise((resolve) => setImmediate(resolve))
        }
      })
      yield* Fiber.interrupt(fiber)
      yield* waitForDeath(Number(readFileSync(join(dir, "pid"), "utf8")))
    }))

  it.live("keeps memory bounded when a command floods stdout (200 MB)", () =>
    Effect.gen(function*() {
      let delivered = 0
      const output = yield* runCommand({
        argv: ["head", "-c", String(200 * 1024 * 1024), "/dev/zero"],
        cwd: temp(),
        env,
        timeoutMs: 60_000,
        onOutput: (_, chunk) => Effect.sync(() => void (delivered += chunk.length))
      })
      assert.strictEqual(output.exitCode, 0)
      assert.strictEqual(delivered, 200 * 1024 * 1024)
      assert.isAtMost(output.stdout.length, 1024 * 1024 + 100)
      assert.include(output.stdout, "bytes omitted")
    }))

  it.live("reports a program that does not exist", () =>
    Effect.gen(function*() {
      const output = yield* runCommand({ argv: ["no-such-program-xyz"], cwd: temp(), env, timeoutMs: 5000 })
      assert.strictEqual(output.exitCode, -1)
      assert.include(output.stderr, "ENOENT")
    }))
})

describe("bubblewrap sandbox", () => {
  const sandbox = detectSandbox(undefined)
  const inSandbox = (policy: SandboxPolicy, cwd: string, script: string) =>
    runCommand({
      argv: sandboxedArgv((sandbox as { bwrap: string }).bwrap, policy, cwd, ["bash", "-c", script], env),
      cwd,
      env,
      timeoutMs: 10_000
    })

  it("is available on this machine (CI installs bubblewrap)", () => {
    assert.strictEqual(sandbox._tag, "Available", sandbox._tag === "Unavailable" ? sandbox.message : "")
  })

  it.live("workspace-write: writes inside cwd, not outside", () =>
    Effect.gen(function*() {
      const cwd = temp()
      const outside = mkdtempSync(join("/var/tmp", "codex-outside-"))
      const inside = yield* inSandbox({ mode: "workspace-write" }, cwd, "echo ok > inside.txt")
      assert.strictEqual(inside.exitCode, 0)
      assert.isTrue(existsSync(join(cwd, "inside.txt")))
      const denied = yield* inSandbox({ mode: "workspace-write" }, cwd, `echo no > ${outside}/outside.txt`)
      assert.notStrictEqual(denied.exitCode, 0)
      assert.isFalse(existsSync(join(outside, "outside.txt")))
    }))

  it.live("read-only: every write fails, /tmp included", () =>
    Effect.gen(function*() {
      const cwd = temp()
      const result = yield* inSandbox({ mode: "read-only" }, cwd, "touch here.txt; touch /tmp/codex-ro-probe; echo done")
      assert.include(result.stderr, "Read-only file system")
      assert.isFalse(existsSync(join(cwd, "here.txt")))
      assert.isFalse(existsSync("/tmp/codex-ro-probe"))
    }))

  it.live("blocks the network unless allowed", () =>
    Effect.gen(function*() {
      const server = createServer((socket) => socket.end("hello\n"))
      yield* Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)))
      const port = (server.address() as { port: number }).port
      const script = `exec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3`
      const blocked = yield* inSandbox({ mode: "workspace-write" }, temp(), script)
      const allowed = yield* inSandbox({ mode: "workspace-write", network_access: true }, temp(), script)
      server.close()
      assert.notStrictEqual(blocked.exitCode, 0)
      assert.strictEqual(allowed.stdout, "hello\n")
    }))

  it("refuses clearly when bwrap is missing", () => {
    const missing = detectSandbox("/nonexistent/bwrap")
    assert.strictEqual(missing._tag, "Unavailable")
    assert.include(missing._tag === "Unavailable" ? missing.message : "", "apt-get install bubblewrap")
  })

  it("refuses clearly when bwrap cannot start a sandbox", () => {
    const dir = temp()
    const fake = join(dir, "bwrap")
    writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n", { mode: 0o755 })
    const broken = detectSandbox(fake)
    assert.strictEqual(broken._tag, "Unavailable")
    assert.include(broken._tag === "Unavailable" ? broken.message : "", "No permissions to create new namespace")
    assert.strictEqual(spawnSync(fake).status, 1)
  })
})
