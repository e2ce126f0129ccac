/**
 * Validates every message an app-server sends against the reference's generated JSON Schema (made by
 * `scripts/app-server-schema.mjs`, which the `test` script runs first; run here too, so a single test file
 * works on a fresh machine): a notification's or server request's params by its method, a response's
 * result by the method of the request it answers.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Ajv, type ValidateFunction } from "ajv"
import type { JsonRpcMessage } from "./ServerProcess.ts"

const SCRIPT = resolve(import.meta.dirname, "../../scripts/app-server-schema.mjs")

/** Responses whose schema is not named after the params' (methods without params, shared responses). */
const RESPONSE_OF_PARAMLESS: Readonly<Record<string, string>> = {
  "config/value/write": "ConfigWriteResponse",
  "config/batchWrite": "ConfigWriteResponse",
  "account/logout": "LogoutAccountResponse",
  "account/rateLimits/read": "GetAccountRateLimitsResponse"
}

interface Variant {
  readonly properties: { readonly method: { readonly enum: ReadonlyArray<string> }; readonly params?: { readonly $ref?: string } }
}
interface Bundle {
  readonly definitions: Record<string, unknown>
  readonly oneOf: ReadonlyArray<Variant>
}

export interface AppServerSchema {
  /** The schema's complaints about `message` (sent in answer to `requestMethod`, for a response); empty when it validates. */
  readonly problems: (message: JsonRpcMessage, requestMethod?: string) => Array<string>
}

export const loadAppServerSchema = (): AppServerSchema => {
  const dir = execFileSync(process.execPath, [SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim()
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), "utf8")) as Bundle
  const byMethod = (bundle: Bundle) => {
    const validators = new Map<string, ValidateFunction>()
    for (const variant of bundle.oneOf) {
      const method = variant.properties.method.enum[0]!
      const params = variant.properties.params ?? {}
      validators.set(method, ajv.compile({ ...params, definitions: bundle.definitions }))
    }
    return validators
  }
  const notifications = byMethod(read("ServerNotification.json"))
  const serverRequests = byMethod(read("ServerRequest.json"))
  const responseFiles = new Map<string, string>()
  for (const variant of read("ClientRequest.json").oneOf) {
    const method = variant.properties.method.enum[0]!
    const name = RESPONSE_OF_PARAMLESS[method] ??
      (variant.properties.params?.$ref ?? "").split("/").pop()?.replace(/Params$/, "Response") ?? ""
    const file = [`${name}.json`, `v2/${name}.json`, `v1/${name}.json`].find((candidate) => existsSync(join(dir, candidate)))
    if (file !== undefined) responseFiles.set(method, file)
  }
  const responses = new Map<string, ValidateFunction>()
  const responseValidator = (method: string) => {
    let validate = responses.get(method)
    const file = responseFiles.get(method)
    if (validate === undefined && file !== undefined) {
      validate = ajv.compile(JSON.parse(readFileSync(join(dir, file), "utf8")))
      responses.set(method, validate)
    }
    return validate
  }
  const check = (validate: ValidateFunction | undefined, value: unknown, what: string) => {
    if (validate === undefined) return [`${what}: no schema in the reference`]
    return validate(value) ? [] : [`${what}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(value).slice(0, 600)}`]
  }
  return {
    problems: (message, requestMethod) => {
      if (message.method !== undefined) {
        const isRequest = message.id !== undefined
        return check(
          (isRequest ? serverRequests : notifications).get(message.method),
          message.params,
          `${isRequest ? "server request" : "notification"} ${message.method}`
        )
      }
      if (message.error !== undefined) return []
      if (requestMethod === undefined) return [`response ${String(message.id)}: answers no known request`]
      return check(responseValidator(requestMethod), message.result, `response to ${requestMethod}`)
    }
  }
}
