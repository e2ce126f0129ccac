/**
 * `codex-effect sessions`: the conversations a server saved are listed (id, start, cwd, first prompt)
 * and `sessions prune --older-than` deletes the ones not written to for that long, nothing else.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, utimesSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { SERVER_BIN } from "../support/ServerProcess.js"

const start = useAgentServer()

const cli = (codexHome: string, args: ReadonlyArray<string>) => {
  const env: Record<string, string | undefined> = { ...process.env, CODEX_HOME: codexHome, OPENAI_API_KEY: undefined }
  return spawnSync(process.execPath, [SERVER_BIN, ...args], { env, encoding: "utf8", timeout: 20_000 })
}

/** Every rollout file under `dir`. */
const rollouts = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
    : []

describe("codex-effect sessions", () => {
  it("lists saved conversations and prunes the old ones", async () => {
    const { server, codexHome } = await start([MockTurn.message("one"), MockTurn.message("two")])
    const old = await server.request("tools/call", { name: "codex", arguments: { prompt: "fix the\nold bug" } })
    const fresh = await server.request("tools/call", { name: "codex", arguments: { prompt: "add a feature" } })
    await server.closeAndWait()
    const oldId = old.result.structuredContent.threadId
    const freshId = fresh.result.structuredContent.threadId

    const listed = cli(codexHome, ["sessions"])
    expect(listed.status).toBe(0)
    const lines = listed.stdout.trim().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines.find((line) => line.startsWith(oldId))).toMatch(
      new RegExp(`^${oldId}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  ${process.cwd()}  fix the old bug$`)
    )
    expect(lines.some((line) => line.startsWith(`${freshId}  `) && line.endsWith("  add a feature"))).toBe(true)

    const sessions = join(codexHome, "sessions")
    const oldFile = rollouts(sessions).find((path) => path.includes(oldId))!
    const fortyDaysAgo = new Date(Date.now() - 40 * 86_400_000)
    utimesSync(oldFile, fortyDaysAgo, fortyDaysAgo)

    const dryRun = cli(codexHome, ["sessions", "prune", "--older-than", "30d", "--dry-run"])
    expect(dryRun.stdout).toContain("Would delete 1 conversation.")
    expect(existsSync(oldFile)).toBe(true)

    const pruned = cli(codexHome, ["sessions", "prune", "--older-than", "30d"])
    expect(pruned.status).toBe(0)
    expect(pruned.stdout).toMatch(new RegExp(`^${oldId}  .*\\nDeleted 1 conversation\\.\\n$`))
    expect(rollouts(sessions)).toEqual([expect.stringContaining(freshId)])

    const bad = cli(codexHome, ["sessions", "prune", "--older-than", "soon"])
    expect(bad.status).not.toBe(0)
    expect(bad.stderr + bad.stdout).toContain("expected an age such as 30d")
  })

  it("says so when there is nothing saved", async () => {
    const { codexHome } = await start([])
    expect(cli(codexHome, ["sessions"]).stdout).toBe(`No saved conversations in ${join(codexHome, "sessions")}.\n`)
  })
})
