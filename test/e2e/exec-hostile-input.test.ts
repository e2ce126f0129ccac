/**
 * `codex-effect exec` given hostile input by its caller: an `--output-schema` nested deeper than any real
 * schema, and `--output-last-message` naming a FIFO nobody reads. Each ends promptly with exit 1 and a
 * message saying what is wrong with which flag, instead of a misleading error or a process that never exits.
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
  const exec = (args: ReadonlyArray<string>, timeoutMs = 15_000) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [SERVER_BIN, "exec", "--skip-git-repo-check", ...args], { env, cwd: work })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
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
})
