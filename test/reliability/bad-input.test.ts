/**
 * Bad input never stops the server: after each kind of garbage it still answers `ping`.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClientRequests } from "../../src/rpc/Groups.js"
import { type ServerProcess, spawnServer } from "../support/ServerProcess.js"

let server: ServerProcess

beforeAll(async () => {
  server = spawnServer({ env: { CODEX_EFFECT_LOG: "error" } })
  await server.initialize()
})

afterAll(() => server.kill())

const stillServing = async () => expect(await server.request("ping")).toMatchObject({ result: {} })

describe("bad input", () => {
  it("survives random bytes", async () => {
    for (let i = 0; i < 20; i++) {
      server.child.stdin.write(Buffer.concat([randomBytes(512).filter((byte) => byte !== 10), Buffer.from("\n")]))
    }
    await stillServing()
  })

  it("answers truncated JSON with -32700", async () => {
    const full = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { a: [1, 2, 3] } })
    const before = server.messages.length
    for (let cut = 1; cut < full.length; cut += 7) server.sendLine(full.slice(0, cut))
    await stillServing()
    const parseErrors = server.messages.slice(before).filter((m) => m.error?.code === -32700)
    expect(parseErrors.length).toBe(Math.ceil((full.length - 1) / 7))
  })

  it("survives 10,000-deep nesting in params", async () => {
    const deep = "[".repeat(10_000) + "]".repeat(10_000)
    server.sendLine(`{"jsonrpc":"2.0","id":"deep","method":"ping","params":${deep}}`)
    const answer = await server.waitFor((m) => m.id === "deep", "an answer to the deeply nested request")
    expect(answer.error?.code).toBe(-32602)
    await stillServing()
  })

  it.each([
    ["tools/call", (deep: string) => `{"name":"codex","arguments":{"prompt":"x","config":${deep}}}`, "arguments.config.a.a…"],
    ["newConversation", (deep: string) => `{"config":${deep}}`, "config.a.a.a…"],
    ["resumeConversation", (deep: string) => `{"path":"/nonexistent","overrides":{"config":${deep}}}`, "overrides.config.a.a…"]
  ] as const)("answers a 10,000-deep config in %s with -32602 naming the field", async (method, params, field) => {
    const deep = `${'{"a":'.repeat(10_000)}{}${"}".repeat(10_000)}`
    server.sendLine(`{"jsonrpc":"2.0","id":"deep-config","method":"${method}","params":${params(deep)}}`)
    const answer = await server.waitFor((m) => m.id === "deep-config", `an answer to the deep ${method}`, 2_000)
    expect(answer.error).toEqual({
      code: -32602,
      message: `Invalid params for ${method}: ${field}: nested more than 128 levels deep`
    })
    await stillServing()
  })

  it("answers a config key of 100,000 dotted segments promptly", async () => {
    const key = `${"a.".repeat(100_000)}b`
    const answer = await server.request("newConversation", { config: { [key]: 1 } }, 2_000)
    expect(answer.result).toMatchObject({ conversationId: expect.any(String) })
    await stillServing()
  })

  it("answers a 20 MB line with -32600", async () => {
    server.sendLine(JSON.stringify({ jsonrpc: "2.0", id: "big", method: "ping", params: { pad: "y".repeat(20 * 1024 * 1024) } }))
    const refused = await server.waitFor((m) => m.error?.code === -32600 && m.id === null, "-32600 for the 20 MB line", 30_000)
    expect(refused.error?.message).toMatch(/16 MiB/)
    await stillServing()
  })

  it("answers wrong param types on every method with params with -32602", async () => {
    const withParams = [...ClientRequests.requests.keys()].filter((method) =>
      // These take no params at all, so nothing can be wrong with them (and they would start a login server).
      method !== "loginChatGpt" && method !== "logoutChatGpt"
    )
    for (const method of withParams) {
      const answer = await server.request(method, 42)
      expect(answer.error, `${method} with params 42`).toMatchObject({ code: -32602 })
    }
    await stillServing()
  })

  it("ignores replies to ids it never sent", async () => {
    server.send({ id: 99_999, result: { decision: "approved" } })
    server.send({ id: "never", error: { code: 1, message: "no" } })
    server.send({ id: 3, result: null })
    await stillServing()
  })
})
