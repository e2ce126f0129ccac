/**
 * `classifyMessage` on every shape a client line can take, and the wire errors' literal codes.
 * The full classified value is compared, so ids, params and reasons are checked, not only tags.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  classifyMessage,
  type IncomingMessage,
  internalError,
  invalidParams,
  invalidRequest,
  methodNotFound,
  parseError,
  toErrorObject
} from "../../src/rpc/JsonRpc.js"

const NOT_AN_OBJECT = "Invalid Request: expected a JSON-RPC object (batches are not supported)"
const BAD_ID = "Invalid Request: `id` must be a string or an integer"
const BAD_METHOD = "Invalid Request: `method` must be a string"
const BAD_ERROR = "Invalid Request: `error` must be {code, message}"
const NOTHING = "Invalid Request: not a request, notification or response"

describe("classifyMessage", () => {
  const cases: ReadonlyArray<readonly [string, unknown, IncomingMessage]> = [
    // requests
    ["request with params", { jsonrpc: "2.0", id: 1, method: "ping", params: { a: 1 } }, {
      _tag: "Request",
      id: 1,
      method: "ping",
      params: { a: 1 }
    }],
    ["request without jsonrpc (optional, as in the reference)", { id: "a", method: "ping" }, {
      _tag: "Request",
      id: "a",
      method: "ping",
      params: undefined
    }],
    ["request with id 0", { id: 0, method: "tools/list" }, { _tag: "Request", id: 0, method: "tools/list", params: undefined }],
    ["request with a negative id", { id: -3, method: "ping" }, { _tag: "Request", id: -3, method: "ping", params: undefined }],
    ["request with an empty string id", { id: "", method: "ping" }, { _tag: "Request", id: "", method: "ping", params: undefined }],
    ["request with array params (passed through)", { id: 2, method: "m", params: [1, 2] }, {
      _tag: "Request",
      id: 2,
      method: "m",
      params: [1, 2]
    }],
    // notifications
    ["notification", { jsonrpc: "2.0", method: "notifications/initialized" }, {
      _tag: "Notification",
      method: "notifications/initialized",
      params: undefined
    }],
    ["notification with params", { method: "notifications/cancelled", params: { requestId: 4 } }, {
      _tag: "Notification",
      method: "notifications/cancelled",
      params: { requestId: 4 }
    }],
    // responses
    ["response", { jsonrpc: "2.0", id: 0, result: { decision: "approved" } }, {
      _tag: "Response",
      id: 0,
      result: { decision: "approved" }
    }],
    ["response with a null result", { id: 3, result: null }, { _tag: "Response", id: 3, result: null }],
    ["response with a string id", { id: "r", result: 1 }, { _tag: "Response", id: "r", result: 1 }],
    ["error response", { id: 0, error: { code: -1, message: "no" } }, {
      _tag: "ErrorResponse",
      id: 0,
      error: { code: -1, message: "no" }
    }],
    ["error response with data", { id: 1, error: { code: -32000, message: "x", data: [1] } }, {
      _tag: "ErrorResponse",
      id: 1,
      error: { code: -32000, message: "x", data: [1] }
    }],
    ["error response with id null (client could not read our id)", { id: null, error: { code: -32700, message: "p" } }, {
      _tag: "ErrorResponse",
      id: null,
      error: { code: -32700, message: "p" }
    }],
    // invalid
    ["a batch", [{ id: 1, method: "ping" }], { _tag: "Invalid", id: null, reason: NOT_AN_OBJECT }],
    ["a string", "ping", { _tag: "Invalid", id: null, reason: NOT_AN_OBJECT }],
    ["a number", 42, { _tag: "Invalid", id: null, reason: NOT_AN_OBJECT }],
    ["null", null, { _tag: "Invalid", id: null, reason: NOT_AN_OBJECT }],
    ["request with id null", { id: null, method: "ping" }, { _tag: "Invalid", id: null, reason: BAD_ID }],
    ["request with a fractional id", { id: 1.5, method: "ping" }, { _tag: "Invalid", id: null, reason: BAD_ID }],
    ["request with an object id", { id: { n: 1 }, method: "ping" }, { _tag: "Invalid", id: null, reason: BAD_ID }],
    ["request with an unsafe integer id", { id: 2 ** 53, method: "ping" }, { _tag: "Invalid", id: null, reason: BAD_ID }],
    ["method that is not a string (id kept for the answer)", { id: 1, method: 7 }, {
      _tag: "Invalid",
      id: 1,
      reason: BAD_METHOD
    }],
    ["method null without id", { method: null }, { _tag: "Invalid", id: null, reason: BAD_METHOD }],
    ["response with a bad id", { id: true, result: 1 }, { _tag: "Invalid", id: null, reason: BAD_ID }],
    // A malformed error is still an answer: it fails the request it names (an approval counts as denied).
    ["error that is a string", { id: 1, error: "no" }, {
      _tag: "ErrorResponse",
      id: 1,
      error: { code: -32600, message: `${BAD_ERROR}, got "no"` }
    }],
    ["error without message", { id: "e", error: { code: 1 } }, {
      _tag: "ErrorResponse",
      id: "e",
      error: { code: -32600, message: `${BAD_ERROR}, got {"code":1}` }
    }],
    ["error with a fractional code", { id: 2, error: { code: 1.5, message: "m" } }, {
      _tag: "ErrorResponse",
      id: 2,
      error: { code: -32600, message: `${BAD_ERROR}, got {"code":1.5,"message":"m"}` }
    }],
    ["error that is null", { id: 0, error: null }, { _tag: "ErrorResponse", id: 0, error: { code: -32600, message: `${BAD_ERROR}, got null` } }],
    ["result without id", { result: 1 }, { _tag: "Invalid", id: null, reason: NOTHING }],
    ["only an id", { id: 9 }, { _tag: "Invalid", id: 9, reason: NOTHING }],
    ["empty object", {}, { _tag: "Invalid", id: null, reason: NOTHING }]
  ]

  it.each(cases)("%s", (_name, input, expected) => {
    assert.deepStrictEqual(classifyMessage(input), expected)
  })

  it("keeps request ids type-sensitive", () => {
    const numeric = classifyMessage({ id: 1, method: "ping" })
    const textual = classifyMessage({ id: "1", method: "ping" })
    assert.strictEqual(numeric._tag === "Request" ? numeric.id : undefined, 1)
    assert.strictEqual(textual._tag === "Request" ? textual.id : undefined, "1")
  })

  it("prefers `method` over `result` when both are present (a request, not a response)", () => {
    assert.strictEqual(classifyMessage({ id: 1, method: "ping", result: {} })._tag, "Request")
  })
})

describe("wire errors", () => {
  it.each([
    ["parseError", parseError("p"), "ParseError", -32700],
    ["invalidRequest", invalidRequest("r"), "InvalidRequest", -32600],
    ["methodNotFound", methodNotFound("nope"), "MethodNotFound", -32601],
    ["invalidParams", invalidParams("f"), "InvalidParams", -32602],
    ["internalError", internalError("i"), "InternalError", -32603]
  ] as const)("%s carries its literal code", (_name, error, tag, code) => {
    assert.strictEqual(error._tag, tag)
    assert.strictEqual(error.code, code)
    assert.deepStrictEqual(Object.keys(toErrorObject(error)).sort(), ["code", "message"])
    assert.strictEqual(toErrorObject(error).code, code)
  })

  it("names the missing method", () => {
    assert.deepStrictEqual(toErrorObject(methodNotFound("server/discover")), {
      code: -32601,
      message: "Method not found: server/discover"
    })
  })
})
