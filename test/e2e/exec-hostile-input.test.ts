/**
 * `codex-effect exec` given hostile input by its caller: an `--output-schema` nested deeper than any real
 * schema, `--output-last-message` naming a FIFO nobody reads, a reader that closes stdout mid-turn
 * (`exec --json | head -1`). Each ends promptly with exit 1 and a message saying what is wrong, instead of
 * a misleading error, a crash or a process that never exits.
 */
import { execFileSync, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, SERVER_BIN } from "../support/ServerProcess.js"

const models: Array<MockModelServer> = []
afterEach(async () => {
  for (const model of models.splice(0)) await model.close()
})

const start = async (turns: ReadonlyArray<MockTurn>) => {
  const model = await startMockModelServer(turns)
  models.push(model)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: "responses" }))
  const work = makeTempDir("exec-hostile-")
  const env = { ...process.env, OPENAI_API_KEY: undefined, CODEX_EFFECT_LOG: undefined, CODEX_HOME: codexHome }
  /** Runs exec to the end (asynchronously: the mock answers from this process), killing it after `timeoutMs`. */
  const exec = (args: ReadonlyArray<string>, options: { readonly closeStdoutEarly?: boolean } = {}, timeoutMs = 15_000) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [SERVER_BIN, "exec", "--skip-git-repo-check", ...args], { env, cwd: work })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => {
        stdout += chunk
        // The first event read, the reader is gone: every later write of exec's meets EPIPE.
        if (options.closeStdoutEarly === true) child.stdout.destroy()
      })
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.stdin.end()
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        reject(new Error(`exec ${args.join(" ")} did not exit within ${timeoutMs} ms\nstderr:\n${stderr.slice(-2000)}`))
      }, timeoutMs)
      child.once("close", (status) => {
        clearTimeout(timer)
        resolve({ status, stdout, stderr })
      })
    })
  return { model, work, exec }
}

describe("codex-effect exec against hostile input", () => {
  it("refuses an --output-schema nested deeper than 128 levels before asking the model", async () => {
    const { model, work, exec } = await start([MockTurn.message("{}")])
    const schema = join(work, "deep.json")
    writeFileSync(schema, `${'{"properties":{"a":'.repeat(10_000)}{}${"}}".repeat(10_000)}`)
    const result = await exec(["--output-schema", schema, "answer"])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`--output-schema ${schema}: properties.a.properties.a… is nested more than 128 levels deep`)
    expect(model.requests).toHaveLength(0)
  })

  it("ends with exit 1 when --output-last-message names a FIFO that no process reads", async () => {
    const { work, exec } = await start([MockTurn.message("the answer")])
    const fifo = join(work, "answer.fifo")
    execFileSync("mkfifo", [fifo])
    const result = await exec(["-o", fifo, "answer"])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`could not write --output-last-message ${fifo}: a FIFO that no process reads`)
  })

  it("ends with exit 1 and a message, not a crash, when the reader closes stdout mid-turn", async () => {
    const { exec } = await start([MockTurn.deltas(Array.from({ length: 2_000 }, (_, index) => `part ${index} `))])
    const result = await exec(["--json", "stream a lot"], { closeStdoutEarly: true })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("codex-effect: stdout was closed before the turn ended (EPIPE)")
    expect(result.stderr).not.toContain("Unhandled 'error' event")
  })
})
