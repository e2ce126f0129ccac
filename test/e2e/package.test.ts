/**
 * The library face from the outside: the examples run against the built package, and the packed
 * tarball, installed into a fresh project, serves `import { ConversationManager } from "codex-effect"`.
 * The install prefers the npm cache (filled by the project's own install) and otherwise uses the npm
 * registry, the one network this test may touch.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")

const runExample = (file: string, cwd = root) => {
  const result = spawnSync(process.execPath, [file], { cwd, encoding: "utf8", timeout: 60_000 })
  if (result.status !== 0) throw new Error(`${file} exited ${result.status}\n${result.stderr}`)
  return result.stdout
}

describe("examples", () => {
  it("scripted-conversation prints the conversation's events", () => {
    const lines = runExample("examples/scripted-conversation.ts").trim().split("\n").map((line) => JSON.parse(line))
    expect(lines.map((event) => event.msg.type)).toEqual([
      "session_configured",
      "task_started",
      "agent_message_delta",
      "agent_message",
      "task_complete"
    ])
    expect(lines.at(-1).msg.last_agent_message).toBe("Hello from the scripted model!")
  })

  it("auto-approve approves allowed programs and denies the rest", () => {
    expect(runExample("examples/auto-approve.ts").trim().split("\n")).toEqual([
      "approved: touch notes.txt",
      "denied: rm keep.txt",
      "notes.txt created: true",
      "keep.txt kept: true"
    ])
  })
})

describe("npm package", () => {
  it("installs from its tarball into another project and runs an example", () => {
    const packDir = mkdtempSync(join(tmpdir(), "codex-pack-"))
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", packDir], { cwd: root, stdio: "pipe" })
    const tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith(".tgz"))!)
    const project = mkdtempSync(join(tmpdir(), "codex-consumer-"))
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: project, stdio: "pipe" })
    copyFileSync(join(root, "examples/auto-approve.ts"), join(project, "auto-approve.ts"))
    expect(runExample("auto-approve.ts", project)).toContain("denied: rm keep.txt")
    const version = spawnSync(process.execPath, [join(project, "node_modules/codex-effect/dist/codex-effect.mjs"), "--version"], { encoding: "utf8" })
    expect(version.stdout).toMatch(/^codex-effect v/)
  }, 180_000)
})
