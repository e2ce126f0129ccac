/**
 * Under workspace-write, apply_patch's writable roots are the turn's: a model that runs apply_patch
 * from another directory (`workdir`, or `cd dir && apply_patch`) does not make that directory
 * writable. Relative paths still resolve against where it ran.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, spawnServer } from "../support/ServerProcess.js"

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe("apply_patch's writable roots", () => {
  it("are the turn's cwd, not the directory the model ran apply_patch in", async () => {
    const workspace = makeTempDir("codex-work-")
    const outside = makeTempDir("codex-outside-")
    const add = (name: string) => `*** Begin Patch\n*** Add File: ${name}\n+x\n*** End Patch`
    const model = await startMockModelServer([
      MockTurn.applyPatch(add("escaped.txt"), { workdir: outside, callId: "outside" }),
      MockTurn.shell(["bash", "-lc", `cd ${outside} && apply_patch <<'EOF'\n${add("cd-escaped.txt")}\nEOF`], { callId: "cd" }),
      MockTurn.applyPatch(add("inside.txt"), { workdir: workspace, callId: "inside" }),
      MockTurn.message("done")
    ])
    cleanups.push(() => model.close())
    const codexHome = makeTempDir("codex-home-")
    // /tmp and $TMPDIR are writable roots by default, and both directories are under /tmp.
    const extra = "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true"
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never", sandboxMode: "workspace-write", extra }))
    const server = spawnServer({ codexHome, env: { CODEX_EFFECT_LOG: "error" } })
    cleanups.push(() => server.kill())
    await server.initialize()

    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "p", cwd: workspace } }, 15_000)
    expect(answer.result.content[0].text).toBe("done")
    const outputs = (model.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>)
      .filter((m) => m.role === "tool")
      .map((m) => m.content)
    expect(outputs.slice(0, 2)).toEqual([
      "patch rejected: writing outside of the project; rejected by user approval settings",
      "patch rejected: writing outside of the project; rejected by user approval settings"
    ])
    expect(existsSync(join(outside, "escaped.txt"))).toBe(false)
    expect(existsSync(join(outside, "cd-escaped.txt"))).toBe(false)
    expect(existsSync(join(workspace, "inside.txt"))).toBe(true)
  })
})
