/**
 * `codex-effect app-server` driven by a hostile or sloppy client: answers to the server's approval
 * requests that are garbage, params nested 10,000 levels deep, turns on threads that do not exist. Whatever the client sends, every request gets one
 * answer, no turn hangs, a command is never run without a real approval, and the server keeps serving.
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

const text = (value: string) => [{ type: "text", text: value, text_elements: [] }]

/** An initialized app-server on the mock model with `turns`; requests numbered from 1. */
const launch = async (turns: ReadonlyArray<MockTurn>) => {
  model = await startMockModelServer(turns)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "untrusted" }))
  const cwd = makeTempDir("hostile-client-work-")
  const running = spawnServer({ codexHome, args: ["app-server"], env: { CODEX_EFFECT_LOG: "error" } })
  server = running
  let nextId = 1
  const send = (message: object) => running.sendLine(JSON.stringify(message))
  const request = (method: string, params: unknown) => {
    const id = nextId++
    send({ id, method, params })
    return running.waitFor((m) => m.id === id && m.method === undefined, `answer to ${method} (id ${id})`, 20_000)
  }
  expect((await request("initialize", { clientInfo: { name: "hostile", version: "1" } })).result).toBeDefined()
  send({ method: "initialized" })
  const threadId = (await request("thread/start", { cwd })).result.thread.id as string
  const startTurn = async (prompt: string) => {
    const answer = await request("turn/start", { threadId, input: text(prompt) })
    expect(answer.error).toBeUndefined()
    return answer.result.turn.id as string
  }
  const turnCompleted = (turnId: string) =>
    running.waitFor((m) => m.method === "turn/completed" && m.params.turn.id === turnId, `turn/completed of ${turnId}`, 20_000)
  return { server: running, send, request, threadId, cwd, startTurn, turnCompleted }
}

describe("app-server against a hostile client", () => {
  it("an approval answered with garbage never runs the command and never hangs the turn", async () => {
    const answers: ReadonlyArray<readonly [string, (id: JsonRpcMessage["id"]) => object]> = [
      ["an error that is a string", (id) => ({ id, error: "no thanks" })],
      ["an error without a message", (id) => ({ id, error: { code: 1 } })],
      ["an error that is null", (id) => ({ id, error: null })],
      ["a proper error", (id) => ({ id, error: { code: -1, message: "refused" } })],
      ["an unknown decision", (id) => ({ id, result: { decision: "yes please" } })],
      ["a number", (id) => ({ id, result: 42 })],
      ["null", (id) => ({ id, result: null })]
    ]
    const client = await launch(answers.flatMap((_, index) => [
      MockTurn.shell(["bash", "-lc", `touch made-${index}.txt`], { callId: `call-${index}` }),
      MockTurn.message(`done ${index}`)
    ]))
    for (const [index, [what, answer]] of answers.entries()) {
      const turnId = await client.startTurn(`run command ${index}`)
      const approval = await client.server.waitFor(
        (m) => m.method === "item/commandExecution/requestApproval" && m.params.itemId === `call-${index}`,
        `the approval request of turn ${index}`,
        20_000
      )
      const before = client.server.messages.length
      client.send(answer(approval.id))
      const completed = await client.turnCompleted(turnId)
      expect(completed.params.turn.status, what).toBe("completed")
      expect(existsSync(join(client.cwd, `made-${index}.txt`)), what).toBe(false)
      // Nothing answers the client's answer: an error under its id would read as the answer to a request of its own.
      expect(client.server.messages.slice(before).filter((m) => m.id === approval.id && m.method === undefined), what).toEqual([])
    }
    expect((await client.request("thread/list", {})).result.data).toHaveLength(1)
  })

  it("answers params nested 10,000 levels deep with -32602 naming the field, then still runs a turn", async () => {
    const client = await launch([MockTurn.message("still here")])
    const deep = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`
    const cases = [
      ["thread/start", `{"config":${deep}}`, "config.a.a.a…"],
      ["config/value/write", `{"keyPath":"x","value":${deep},"mergeStrategy":"replace"}`, "value.a.a.a…"],
      ["turn/start", `{"threadId":"${client.threadId}","input":[{"type":"text","text":"x","text_elements":[${deep}]}]}`, "input[0].text_elements[0]…"]
    ] as const
    for (const [index, [method, params, field]] of cases.entries()) {
      const id = `deep-${index}`
      client.server.sendLine(`{"id":"${id}","method":"${method}","params":${params}}`)
      const answer = await client.server.waitFor((m) => m.id === id, `the answer to the deep ${method}`)
      expect(answer.error).toEqual({ code: -32602, message: `Invalid params for ${method}: ${field}: nested more than 128 levels deep` })
    }
    const turnId = await client.startTurn("hello")
    expect((await client.turnCompleted(turnId)).params.turn.status).toBe("completed")
  })

  it("answers turn methods on a thread that does not exist with -32600 thread not found, as the reference", async () => {
    const client = await launch([])
    const unknown = "00000000-0000-0000-0000-000000000000"
    const calls = [
      ["turn/start", { threadId: unknown, input: text("hello") }],
      ["turn/steer", { threadId: unknown, expectedTurnId: "t", input: text("more") }],
      ["turn/interrupt", { threadId: unknown, turnId: "t" }],
      ["thread/compact/start", { threadId: unknown }],
      ["turn/start", { threadId: "../../etc/passwd", input: text("hello") }]
    ] as const
    for (const [method, params] of calls) {
      expect((await client.request(method, params)).error, method).toEqual({ code: -32600, message: `thread not found: ${params.threadId}` })
    }
  })
})
