/**
 * A hostile model against the writable roots, end to end (built server, mock model, real bubblewrap).
 * The model names directories however it likes — `workdir`, `cd dir &&`, `..`, symlinks, absolute
 * paths, `Move to:` — and only the turn's cwd may change; a cwd of `/` or home is refused outright.
 * Each test checks the real files: `outside` keeps exactly what it had.
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { callCodex, listTree, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { MockTurn } from "../support/MockModelServer.js"

const { makeStage, start } = useHostileStage()

const WORKSPACE_WRITE = { sandbox: "workspace-write", "approval-policy": "never" } as const

const addFile = (path: string, line = "pwned") => `*** Begin Patch\n*** Add File: ${path}\n+${line}\n*** End Patch`

describe("a model-chosen directory never becomes writable", () => {
  it("shell: `workdir` outside the workspace, `/`, `..` and a symlink only move where the command starts", async () => {
    const stage = makeStage()
    symlinkSync(stage.outside, join(stage.work, "link"))
    const write = (target: string) => ["sh", "-c", `echo pwned > ${target}`]
    const { server, model } = await start(stage, [
      MockTurn.shell(write(join(stage.outside, "a.txt")), { workdir: "/", callId: "c1" }),
      MockTurn.shell(write("b.txt"), { workdir: stage.outside, callId: "c2" }),
      MockTurn.shell(write("c.txt"), { workdir: "../outside", callId: "c3" }),
      MockTurn.shell(write("link/d.txt"), { callId: "c4" }),
      MockTurn.shell(write("inside.txt"), { workdir: ".", callId: "c5" }),
      MockTurn.message("done")
    ])
    await callCodex(server, { ...WORKSPACE_WRITE, cwd: stage.work })
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    expect(readFileSync(join(stage.work, "inside.txt"), "utf8")).toBe("pwned\n")
    expect(toolOutputs(model).slice(0, 4).every((output) => output.includes("Read-only file system"))).toBe(true)
  })

  it("apply_patch under `never`: rejected outside the roots however the directory is named", async () => {
    const stage = makeStage()
    symlinkSync(stage.outside, join(stage.work, "link"))
    writeFileSync(join(stage.work, "move-me.txt"), "move\n")
    const heredoc = (script: string) => ["bash", "-lc", script]
    const { server, model } = await start(stage, [
      MockTurn.applyPatch(addFile("a.txt"), { workdir: stage.outside, callId: "c1" }),
      MockTurn.shell(heredoc(`cd ${stage.outside} && apply_patch <<'EOF'\n${addFile("b.txt")}\nEOF`), { callId: "c2" }),
      MockTurn.shell(heredoc(`cd / && apply_patch <<'EOF'\n${addFile(join(stage.outside, "c.txt").slice(1))}\nEOF`), { callId: "c3" }),
      MockTurn.applyPatch(addFile("../outside/d.txt"), { callId: "c4" }),
      MockTurn.applyPatch(addFile("link/e.txt"), { callId: "c5" }),
      MockTurn.applyPatch(addFile(join(stage.outside, "f.txt")), { callId: "c6" }),
      MockTurn.applyPatch(
        "*** Begin Patch\n*** Update File: move-me.txt\n*** Move to: link/moved.txt\n@@\n-move\n+moved\n*** End Patch",
        { callId: "c7" }
      ),
      MockTurn.applyPatch(addFile("ok.txt", "fine"), { workdir: stage.work, callId: "c8" }),
      MockTurn.message("done")
    ])
    await callCodex(server, { ...WORKSPACE_WRITE, cwd: stage.work })
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    const outputs = toolOutputs(model)
    expect(outputs.slice(0, 7)).toEqual(Array(7).fill("patch rejected: writing outside of the project; rejected by user approval settings"))
    expect(readFileSync(join(stage.work, "move-me.txt"), "utf8")).toBe("move\n")
    expect(readFileSync(join(stage.work, "ok.txt"), "utf8")).toBe("fine\n")
  })

  it("apply_patch under `on-request`: a target outside the roots is asked about, and a denial writes nothing", async () => {
    const stage = makeStage()
    const { server } = await start(stage, [
      MockTurn.shell(["bash", "-lc", `cd ${stage.outside} && apply_patch <<'EOF'\n${addFile("a.txt")}\nEOF`]),
      MockTurn.message("done")
    ])
    const call = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "on-request", cwd: stage.work }, "denied")
    expect(call.asked).toHaveLength(1)
    expect(call.asked[0]!.params.codex_elicitation).toBe("patch-approval")
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
  })
})

describe("a root that would make everything writable is refused", () => {
  it("cwd `/` and cwd = home: commands and patches refused with a clear error; an explicit root is honoured", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [
      MockTurn.shell(["sh", "-c", `echo pwned > ${join(stage.outside, "a.txt")}`], { callId: "c1" }),
      MockTurn.applyPatch(addFile(join(stage.outside, "b.txt").slice(1)), { callId: "c2" }),
      MockTurn.message("done"),
      MockTurn.shell(["sh", "-c", "echo pwned > c.txt"], { callId: "c3" }),
      MockTurn.message("done")
    ])
    const slash = await callCodex(server, { ...WORKSPACE_WRITE, cwd: "/" })
    await callCodex(server, { ...WORKSPACE_WRITE, cwd: stage.home })
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    expect(existsSync(join(stage.home, "c.txt"))).toBe(false)
    const outputs = toolOutputs(model)
    expect(outputs[0]).toMatch(/^exec command rejected: workspace-write refuses to make `\/` \(the turn's cwd\) writable/)
    expect(outputs[0]).toContain("writable_roots")
    expect(outputs[1]).toMatch(/^patch rejected: writing outside of the project/)
    expect(outputs[2]).toContain(`\`${stage.home}\``)
    expect(slash.events.some((e) => e.type === "background_event" && e.message.includes("refuses to make `/`"))).toBe(true)

    // Home listed in writable_roots is the user's explicit choice.
    const explicit = await start(stage, [MockTurn.shell(["sh", "-c", "echo mine > c.txt"]), MockTurn.message("done")], {
      workspaceWrite: `writable_roots = ["${stage.home}"]`
    })
    await callCodex(explicit.server, { ...WORKSPACE_WRITE, cwd: stage.home })
    expect(readFileSync(join(stage.home, "c.txt"), "utf8")).toBe("mine\n")
  })
})
