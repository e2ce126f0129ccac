/**
 * apply_patch on a file that mixes CRLF and LF lines, end to end: untouched lines keep their own
 * endings and a replaced line takes the ending of the line it replaces, byte for byte.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { makeTempDir } from "../support/ServerProcess.js"

const start = useAgentServer()

describe("apply_patch and mixed line endings", () => {
  it("keeps each line's ending; replaced lines take the replaced line's ending", async () => {
    const cwd = makeTempDir("codex-work-")
    const file = join(cwd, "mixed.txt")
    writeFileSync(file, "one\r\ntwo\nthree\r\nfour\nfive\r\n")
    const patch = [
      "*** Begin Patch",
      "*** Update File: mixed.txt",
      "@@",
      " one",
      "-two",
      "-three",
      "+TWO",
      "+THREE",
      "+three and a half",
      " four",
      "*** End Patch"
    ].join("\n")
    const { server, model } = await start([MockTurn.applyPatch(patch, { workdir: cwd }), MockTurn.message("patched")], {
      approvalPolicy: "never"
    })
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "edit", cwd } } })
    const answer = await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(answer.result.content).toEqual([{ type: "text", text: "patched" }])
    const output = (model.requests[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content
    expect(output).toContain("M mixed.txt")
    expect(readFileSync(file, "latin1")).toBe("one\r\nTWO\nTHREE\r\nthree and a half\r\nfour\nfive\r\n")
  })

  it("a last line without a newline gets the file's last ending", async () => {
    const cwd = makeTempDir("codex-work-")
    const file = join(cwd, "tail.txt")
    writeFileSync(file, "a\nb\r\nc")
    const patch = "*** Begin Patch\n*** Update File: tail.txt\n@@\n-a\n+A\n*** End Patch"
    const { server } = await start([MockTurn.applyPatch(patch, { workdir: cwd }), MockTurn.message("patched")], {
      approvalPolicy: "never"
    })
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "edit", cwd } } })
    await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(readFileSync(file, "latin1")).toBe("A\nb\r\nc\r\n")
  })
})
