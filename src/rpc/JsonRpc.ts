/**
 * JSON-RPC 2.0 envelopes and the wire errors this server answers with.
 *
 * Unlike the reference (which silently drops bad input), every request gets an answer here
 * (docs/differences.md): each standard code has its own Schema error class with a literal `code` (effect's
 * `McpSchema` errors), so a handler fails with a value that already knows how it goes on the wire.
 */
import { Schema } from "effect"
import { InternalError, InvalidParams, InvalidRequest, MethodNotFound, ParseError } from "effect/ai/McpSchema"
import { RequestId } from "./Enums.js"

export const JSONRPC_VERSION = "2.0"

/** The `error` member of a JSON-RPC error response. */
export const JsonRpcErrorObject = Schema.Struct({
  code: Schema.Int,
  message: Schema.String,
  data: Schema.optionalKey(Schema.Unknown)
})
export type JsonRpcErrorObject = typeof JsonRpcErrorObject.Type

/** Every error a request handler may fail with; each is answered as a JSON-RPC error. */
export type JsonRpcError = ParseError | InvalidRequest | MethodNotFound | InvalidParams | InternalError

/** The JSON is not a valid JSON-RPC message, or the request is not allowed now (e.g. a second `initialize`). */
export const invalidRequest = (message: string) => new InvalidRequest({ message })
export const methodNotFound = (method: string) => new MethodNotFound({ message: `Method not found: ${method}` })
/** The params do not match the method's schema; the message names the failing field. */
export const invalidParams = (message: string) => new InvalidParams({ message })
/** Anything else that went wrong while handling a request. */
export const internalError = (message: string) => new InternalError({ message })
/** The line is not JSON. Answered with id `null`. */
export const parseError = (message: string) => new ParseError({ message })

/** The wire form of an error: `{code, message}`, and `data` when the error carries some. */
export const toErrorObject = (error: JsonRpcError): JsonRpcErrorObject =>
  error.data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data: error.data }

const Version = Schema.Literal(JSONRPC_VERSION)

/** The JSON-RPC 2.0 envelopes, as this server writes them (`jsonrpc` is optional on input: see `classifyMessage`). */
export const JsonRpcRequest = Schema.Struct({
  jsonrpc: Version,
  id: RequestId,
  method: Schema.String,
  params: Schema.optionalKey(Schema.Unknown)
})
export const JsonRpcNotification = Schema.Struct({
  jsonrpc: Version,
  method: Schema.String,
  params: Schema.optionalKey(Schema.Unknown)
})
export const JsonRpcResponse = Schema.Struct({ jsonrpc: Version, id: RequestId, result: Schema.Unknown })
export const JsonRpcErrorResponse = Schema.Struct({ jsonrpc: Version, id: Schema.NullOr(RequestId), error: JsonRpcErrorObject })
export const JsonRpcMessage = Schema.Union([JsonRpcRequest, JsonRpcNotification, JsonRpcResponse, JsonRpcErrorResponse])

/** One outgoing message, ready to be serialised. */
export type OutgoingMessage = typeof JsonRpcMessage.Type

/** An outgoing message with its JSON text, serialised once: transports frame the text and route by the message. */
export interface EncodedMessage {
  readonly message: OutgoingMessage
  readonly json: string
  /**
   * The client request this notification or request of ours belongs to (a `tools/call`'s events, progress
   * and elicitations): the HTTP transport sends it on that request's stream. Answers name theirs by `id`.
   */
  readonly relatedRequestId?: RequestId | undefined
}

/** An answer to a request of the peer (a result or an error naming its id), as opposed to a request or a notification. */
export const answeredId = (message: OutgoingMessage): RequestId | null | undefined => ("method" in message ? undefined : message.id)

/** A classified incoming line (see `classifyMessage`). */
export type IncomingMessage =
  | { readonly _tag: "Request"; readonly id: RequestId; readonly method: string; readonly params: unknown }
  | { readonly _tag: "Notification"; readonly method: string; readonly params: unknown }
  | { readonly _tag: "Response"; readonly id: RequestId; readonly result: unknown }
  | { readonly _tag: "ErrorResponse"; readonly id: RequestId | null; readonly error: JsonRpcErrorObject }
  /** Not a JSON-RPC message; answered with -32600 (and the id when one could be read). */
  | { readonly _tag: "Invalid"; readonly id: RequestId | null; readonly reason: string }

const isRequestId = Schema.is(RequestId)

const isErrorObject = Schema.is(JsonRpcErrorObject)

/** An `error` member that is not `{code, message}`, as the error it stands for. */
const malformedError = (error: unknown): JsonRpcErrorObject => ({
  code: -32600,
  message: `Invalid Request: \`error\` must be {code, message}, got ${(JSON.stringify(error) ?? String(error)).slice(0, 200)}`
})

/**
 * Classifies a parsed JSON value as a request, notification, response or error response.
 * `jsonrpc` is optional on input, as in the reference. A message with a `method` and an `id` that is
 * neither a string nor an integer is invalid (the reference silently treats it as a notification).
 */
export const classifyMessage = (value: unknown): IncomingMessage => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { _tag: "Invalid", id: null, reason: "Invalid Request: expected a JSON-RPC object (batches are not supported)" }
  }
  const message = value as Record<string, unknown>
  const hasId = "id" in message
  const id = isRequestId(message.id) ? message.id : null
  if ("method" in message) {
    if (typeof message.method !== "string") {
      return { _tag: "Invalid", id, reason: "Invalid Request: `method` must be a string" }
    }
    if (!hasId) return { _tag: "Notification", method: message.method, params: message.params }
    if (id === null) {
      return { _tag: "Invalid", id: null, reason: "Invalid Request: `id` must be a string or an integer" }
    }
    return { _tag: "Request", id, method: message.method, params: message.params }
  }
  if (hasId && "result" in message) {
    if (id === null) return { _tag: "Invalid", id: null, reason: "Invalid Request: `id` must be a string or an integer" }
    return { _tag: "Response", id, result: message.result }
  }
  if (hasId && "error" in message) {
    if (isErrorObject(message.error)) return { _tag: "ErrorResponse", id, error: message.error }
    // Still the client's answer to one of our requests: it settles that request as a failure (an approval
    // counts as denied) instead of leaving it waiting, and nothing is sent back under an id the client chose.
    return { _tag: "ErrorResponse", id, error: malformedError(message.error) }
  }
  return { _tag: "Invalid", id, reason: "Invalid Request: not a request, notification or response" }
}
