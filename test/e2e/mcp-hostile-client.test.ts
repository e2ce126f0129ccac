/**
 * `codex-effect mcp` over stdio driven by a hostile or sloppy client: elicitation answers that are garbage
 * or contradict themselves. Every call still ends with one answer, and a command runs only on a real approval.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { type JsonRpcMessage, makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

let server: ServerProcess | undefined
let model: MockModelServer | undefined

afterEach(async () => {
  server?.kill()
  server = undefined
  await model?.close()
  model = undefined
})

describe("mcp over stdio against a hostile client", () => {
  it("an elicitation answered with garbage or a contradiction never runs the command and always ends the call", async () => {
    const answers: ReadonlyArray<readonly [string, (id: JsonRpcMessage["id"]) => object]> = [
      ["an error that is a string", (id) => ({ id, error: "no" })],
      ["an error without a message", (id) => ({ id, error: { code: 3 } })],
      ["a result that is a number", (id) => ({ id, result: 42 })],
      ["an unknown action", (id) => ({ id, result: { action: "bogus" } })],
      ["accept with content that is a number", (id) => ({ id, result: { action: "accept", content: 42 } })],
      ["decision approved but action decline", (id) => ({ id, result: { decision: "approved", action: "decline" } })],
      ["decision approved_for_session but action cancel", (id) => ({ id, result: { decision: "approved_for_session", action: "cancel" } })]
    ]
    model = await startMockModelServer(answers.flatMap((_, index) => [
      MockTurn.shell(["bash", "-lc", `touch made-${index}.txt`], { callId: `call-${index}` }),
      MockTurn.message(`done ${index}`)
    ]))
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "untrusted" }))
    const cwd = makeTempDir("hostile-mcp-work-")
    const running = spawnServer({ codexHome, env: { CODEX_EFFECT_LOG: "error" } })
    server = running
    await running.initialize()
    for (const [index, [what, answer]] of answers.entries()) {
      const id = `call-${index}`
      running.send({ id, method: "tools/call", params: { name: "codex", arguments: { prompt: `run ${index}`, cwd } } })
      const elicitation = await running.waitForServerRequest("elicitation/create", 20_000)
      const before = running.messages.length
      running.send(answer(elicitation.id))
      const result = await running.waitFor((m) => m.id === id && m.method === undefined, `the answer to ${what}`, 20_000)
      // Denied, the model goes on to its message; aborted (the last case), the turn ends there.
      expect(result.result?.content?.[0]?.text, what).toMatch(index < answers.length - 1 ? `done ${index}` : /./)
      expect(existsSync(join(cwd, `made-${index}.txt`)), what).toBe(false)
      expect(running.messages.slice(before).filter((m) => m.id === elicitation.id && m.method === undefined), what).toEqual([])
    }
    expect(await running.request("ping")).toMatchObject({ result: {} })
  })
})
