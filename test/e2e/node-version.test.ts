/**
 * The launcher on a Node that is too old: it must stop at once with exit code 1 and a message naming
 * the version needed and where the pinned Node is, before loading anything that would half work.
 * Needs a Node older than 22.19 on PATH besides the pinned one (`/usr/bin/node` here is Node 20);
 * without one the test is skipped, and its name says why.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { delimiter, join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { SERVER_BIN } from "../support/ServerProcess.js"

const root = resolve(import.meta.dirname, "../..")

/** The first `node` on PATH (outside node_modules) older than 22.19, with its version. */
const findOldNode = () => {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node")
    if (dir.includes("node_modules") || !existsSync(candidate)) continue
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? ""
    const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number)
    if (major > 0 && (major < 22 || (major === 22 && minor < 19))) return { path: candidate, version }
  }
  return undefined
}

const old = findOldNode()

describe("the launcher on an old Node", () => {
  it.skipIf(old === undefined)(
    old === undefined
      ? "exits 1 naming the Node needed (skipped: no Node older than 22.19 on PATH)"
      : `exits 1 naming the Node needed and the pinned Node (${old.path} is ${old.version})`,
    () => {
      for (const args of [["--version"], ["mcp"]]) {
        const result = spawnSync(old!.path, [SERVER_BIN, ...args], { encoding: "utf8", input: "", timeout: 10_000 })
        expect(result.status).toBe(1)
        expect(result.stdout).toBe("")
        expect(result.stderr).toContain(`codex-effect needs Node.js 22.19 or newer; this is Node ${old!.version.replace(/^v/, "")}`)
        expect(result.stderr).toContain(join(root, "node_modules/node/bin/node"))
      }
    }
  )
})
