/**
 * `codex-effect exec` by hand and in scripts: the final message alone on stdout with the progress on
 * stderr, the prompt from stdin, `--output-last-message`, exit codes with the reason on stderr, an
 * approval nobody can give refused with a note to the model, SIGINT, and `--help`.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { pidsRunning, waitForProcessExit } from "../support/Processes.js"
import { makeTempDir, SERVER_BIN } from "../support/ServerProcess.js"

const models: Array<MockModelServer> = []
afterEach(async () => {
  for (const model of models.splice(0)) await model.close()
})

const start = async (turns: ReadonlyArray<MockTurn>, config: Parameters<typeof mockConfigToml>[1] = {}) => {
  const model = await startMockModelServer(turns)
  models.push(model)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: "responses", ...config }))
  const work = makeTempDir("exec-work-")
  execFileSync("git", ["init", "-q", work])
  const env = { ...process.env, OPENAI_API_KEY: undefined, CODEX_EFFECT_LOG: undefined, CODEX_HOME: codexHome }
  /** Runs exec to the end, asynchronously: the mock model answers from this same process. */
  const exec = (args: ReadonlyArray<string>, input = "") =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [SERVER_BIN, "exec", ...args], { env, cwd: work })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.stdin.end(input)
      child.once("close", (status) => resolve({ status, stdout, stderr }))
    })
  return { model, codexHome, work, env, exec }
}

describe("codex-effect exec", () => {
  it("prints the final message alone on stdout and the progress on stderr", async () => {
    const { exec, work } = await start([
      MockTurn.shell(["bash", "-c", "echo hi; exit 3"]),
      MockTurn.message("All done."),
      MockTurn.message("All done.")
    ])
    const result = await exec(["what now?"])
    expect(result.status).toBe(0)
    expect(result.stdout).toBe("All done.\n")
    expect(result.stderr).toContain("what now?")
    // The reference's header, line for line: scripts read the session id from it.
    expect(result.stderr).toMatch(/^codex-effect v\S+\n--------\nworkdir: .+\nmodel: .+\nprovider: .+\napproval: .+\nsandbox: .+\nreasoning effort: .+\nreasoning summaries: .+\nsession id: [0-9a-f-]{36}\n--------\nuser\nwhat now\?\n/)
    expect(result.stderr).toContain(`exec bash -c 'echo hi; exit 3' in ${work}`)
    expect(result.stderr).toContain("exited 3")
    // Two model requests, each 10 input tokens (2 of them cached) and 5 output: the reference's count.
    expect(result.stderr).toContain("tokens used\n26\n")
    expect(result.stderr).not.toContain("\x1b[")
    const colored = await exec(["--color", "always", "again"])
    expect(colored.stdout).toBe("All done.\n")
    expect(colored.stderr).toContain("\x1b[1m")
  })

  it("reads the prompt from stdin when there is no argument or it is -, and writes --output-last-message", async () => {
    const { exec, model, work } = await start([MockTurn.message("one"), MockTurn.message("two")])
    expect((await exec(["--json"], "prompt from stdin")).status).toBe(0)
    expect(JSON.stringify(model.requests[0]!.body.input.at(-1))).toContain("prompt from stdin")
    const last = join(work, "last.txt")
    const dash = await exec(["-o", last, "-"], "dash prompt")
    expect(dash.status).toBe(0)
    expect(JSON.stringify(model.requests[1]!.body.input.at(-1))).toContain("dash prompt")
    expect(readFileSync(last, "utf8")).toBe("two")
  })

  it("exits 1 with the reason on stderr when the turn fails, the git check refuses, or the prompt is empty", async () => {
    const { exec, codexHome } = await start([MockTurn.status(400)])
    const failed = await exec(["--json", "hi"])
    expect(failed.status).toBe(1)
    expect(failed.stderr).toContain("mock status 400")
    expect(failed.stdout.trim().split("\n").map((line) => JSON.parse(line).type)).toEqual(["thread.started", "turn.started", "error", "turn.failed"])

    const plain = makeTempDir("exec-no-git-")
    const refused = await exec(["-C", plain, "hi"])
    expect([refused.status, refused.stdout]).toEqual([1, ""])
    expect(refused.stderr).toContain("Not inside a git repository and --skip-git-repo-check was not specified.")

    const missing = await exec(["-C", join(plain, "nope"), "--skip-git-repo-check", "hi"])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain(`--cd ${join(plain, "nope")}: not a directory`)

    const empty = await exec([], "")
    expect(empty.status).toBe(1)
    expect(empty.stderr).toContain("no prompt")

    const badFlag = spawnSync(process.execPath, [SERVER_BIN, "exec", "--sandbox", "everything", "hi"], {
      env: { ...process.env, CODEX_HOME: codexHome },
      encoding: "utf8"
    })
    expect(badFlag.status).toBe(2)
    expect(badFlag.stdout).toBe("")
  })

  it("continues the newest thread with resume --last", async () => {
    const { exec, model } = await start([MockTurn.message("first"), MockTurn.message("second")])
    const first = await exec(["--json", "first question"])
    const threadId = JSON.parse(first.stdout.split("\n")[0]!).thread_id
    const resumed = await exec(["--json", "resume", "--last", "follow-up"])
    expect(resumed.status).toBe(0)
    expect(JSON.parse(resumed.stdout.split("\n")[0]!)).toEqual({ type: "thread.started", thread_id: threadId })
    const sent = JSON.stringify(model.requests[1]!.body.input)
    for (const text of ["first question", "first", "follow-up"]) expect(sent).toContain(text)
    const unknown = await exec(["resume", "not-a-thread", "hi"])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain("no saved session for thread id not-a-thread")
  })

  it("resumes a thread the Codex CLI saved in the same CODEX_HOME, its history sent", async () => {
    const { codexHome, exec, model, work } = await start([MockTurn.message("again")])
    const name = "rollout-2026-12-07T21-08-49-01a25256-7e39-7143-ad61-5beecf6f0efa.jsonl"
    const day = join(codexHome, "sessions", "2026", "12", "07")
    mkdirSync(day, { recursive: true })
    // Recorded from the Codex CLI 0.153.4 (its long texts shortened); its cwd made this test's workspace.
    const recorded = readFileSync(join(import.meta.dirname, "../persistence/fixtures/codex-cli-0.153.4-rollout.jsonl"), "utf8")
    writeFileSync(join(day, name), recorded.replaceAll(`"cwd":"/tmp"`, `"cwd":${JSON.stringify(work)}`))
    const resumed = await exec(["--json", "resume", "01a25256-7e39-7143-ad61-5beecf6f0efa", "once more"])
    expect(resumed.stderr).not.toContain("no saved session")
    expect(resumed.status).toBe(0)
    expect(JSON.parse(resumed.stdout.split("\n")[0]!)).toEqual({ type: "thread.started", thread_id: "01a25256-7e39-7143-ad61-5beecf6f0efa" })
    const sent = JSON.stringify(model.requests[0]!.body.input)
    for (const text of ["say hi", "hi there", "once more"]) expect(sent).toContain(text)
    expect(model.requests[0]!.body.model).toBe("m")
  })

  it("runs without sandbox or approvals with --dangerously-bypass-approvals-and-sandbox", async () => {
    const outside = join(makeTempDir("exec-outside-"), "written")
    const { exec } = await start([MockTurn.shell(["bash", "-c", `touch ${outside}`]), MockTurn.message("ok")], { sandboxMode: "read-only" })
    const result = await exec(["--dangerously-bypass-approvals-and-sandbox", "-c", "approval_policy=untrusted", "write"])
    expect(result.status).toBe(0)
    expect(result.stderr).toContain("sandbox: danger-full-access")
    expect(existsSync(outside)).toBe(true)
  })

  it("refuses an approval nobody can give and tells the model why", async () => {
    const { exec, model } = await start([MockTurn.shell(["bash", "-c", "echo hi"]), MockTurn.message("ok")], { sandboxMode: "read-only" })
    const result = await exec(["--json", "-c", "approval_policy=untrusted", "hi"])
    expect(result.status).toBe(0)
    const output = model.requests[1]!.body.input.find((item: any) => item.type === "function_call_output")
    expect(JSON.stringify(output)).toContain("without anyone to approve")
  })

  it("stops on SIGINT: exit 130 at once, its command killed", async () => {
    const duration = `${3000 + Math.floor(Math.random() * 1000)}.25`
    const { env, work } = await start([MockTurn.shell(["bash", "-c", `touch started; exec sleep ${duration}`])], {
      sandboxMode: "danger-full-access"
    })
    const child = spawn(process.execPath, [SERVER_BIN, "exec", "--json", "sleep"], { env, cwd: work })
    child.stdin.end()
    let stdout = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    const deadline = Date.now() + 15_000
    let sleepers: Array<number> = []
    while (sleepers.length === 0) {
      if (Date.now() > deadline) throw new Error(`the command did not start: ${stdout}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
      sleepers = existsSync(join(work, "started")) ? pidsRunning(["sleep", duration]) : []
    }
    const interrupted = Date.now()
    child.kill("SIGINT")
    expect(await exited).toBe(130)
    expect(Date.now() - interrupted).toBeLessThan(3_000)
    expect(stdout).toContain(`"type":"item.started"`)
    for (const pid of sleepers) await waitForProcessExit(pid, 3_000)
  })

  it("explains itself in --help", () => {
    const help = spawnSync(process.execPath, [SERVER_BIN, "exec", "--help"], { encoding: "utf8" })
    expect(help.status).toBe(0)
    for (const word of ["--json", "--sandbox", "--cd", "--skip-git-repo-check", "--output-schema", "--image", "--output-last-message", "resume"]) {
      expect(help.stdout).toContain(word)
    }
  })
})
