/**
 * App-server framing: the writer's messages without `"jsonrpc"`, notifications stamped with `emittedAtMs`,
 * answers and the server's own requests left unstamped, one line each.
 */
import { assert, describe, it } from "@effect/vitest"
import { appServerLine, appServerLines } from "../../src/faces/app-server/Framing.js"
import type { EncodedMessage, OutgoingMessage } from "../../src/rpc/JsonRpc.js"

const encoded = (message: OutgoingMessage): EncodedMessage => ({ message, json: JSON.stringify(message) })

describe("app-server framing", () => {
  it("drops jsonrpc from answers, errors and server requests without stamping them", () => {
    assert.strictEqual(appServerLine(encoded({ jsonrpc: "2.0", id: 1, result: { ok: true } }), 5), `{"id":1,"result":{"ok":true}}\n`)
    assert.strictEqual(
      appServerLine(encoded({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }), 5),
      `{"id":null,"error":{"code":-32700,"message":"Parse error"}}\n`
    )
    assert.strictEqual(
      appServerLine(encoded({ jsonrpc: "2.0", id: 0, method: "item/fileChange/requestApproval", params: {} }), 5),
      `{"id":0,"method":"item/fileChange/requestApproval","params":{}}\n`
    )
  })

  it("stamps notifications with emittedAtMs, a batch with one time", () => {
    const lines = appServerLines([
      encoded({ jsonrpc: "2.0", method: "turn/started", params: { threadId: "t" } }),
      encoded({ jsonrpc: "2.0", method: "thread/archived", params: { threadId: "t" } })
    ]).split("\n")
    assert.strictEqual(lines.length, 3)
    const [first, second] = lines.slice(0, 2).map((line) => JSON.parse(line))
    assert.deepStrictEqual(Object.keys(first), ["method", "params", "emittedAtMs"])
    assert.strictEqual(typeof first.emittedAtMs, "number")
    assert.strictEqual(first.emittedAtMs, second.emittedAtMs)
  })
})
