/**
 * Where a model request goes and what it carries: env_key tokens, base URLs by
 * auth mode, provider and environment headers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { providerFromToml } from "../../src/model/ModelProviderInfo.js"
import { ModelError } from "../../src/model/ModelError.js"
import { identityHeaders } from "../../src/model/ClientIdentity.js"
import {
  CHATGPT_BASE_URL,
  DEFAULT_OPENAI_BASE_URL,
  envKeyCredentials,
  noCredentials,
  requestTarget
} from "../../src/model/ProviderRequest.js"

const provider = providerFromToml("p", { name: "Provider", wire_api: "responses" })

describe("envKeyCredentials", () => {
  it.each([
    { envKey: undefined, env: {}, expected: undefined },
    { envKey: "KEY", env: { KEY: "sk-1" }, expected: { token: "sk-1", mode: "apikey" } }
  ] as const)("env_key $envKey", ({ envKey, env, expected }) => {
    assert.deepStrictEqual(envKeyCredentials(providerFromToml("p", envKey === undefined ? {} : { env_key: envKey }), env), expected)
  })

  it.each([
    { env: {}, instructions: undefined, message: "Missing environment variable: `KEY`." },
    { env: { KEY: "" }, instructions: "Create one at https://example.com.", message: "Missing environment variable: `KEY`. Create one at https://example.com." }
  ])("an unset or empty variable is an error naming it: $message", ({ env, instructions, message }) => {
    const result = envKeyCredentials(
      providerFromToml("p", { env_key: "KEY", ...(instructions !== undefined ? { env_key_instructions: instructions } : {}) }),
      env
    )
    assert.instanceOf(result, ModelError)
    assert.strictEqual(result instanceof ModelError ? result.message : undefined, message)
  })

  it("names the provider when credentials are missing", () => {
    assert.match(noCredentials(provider).message, /^No API key for the model provider "Provider": set OPENAI_API_KEY/)
  })
})

describe("requestTarget", () => {
  it.each([
    { baseUrl: undefined, mode: "apikey", expected: DEFAULT_OPENAI_BASE_URL },
    { baseUrl: undefined, mode: "chatgpt", expected: CHATGPT_BASE_URL },
    { baseUrl: "http://localhost:11434/v1", mode: "chatgpt", expected: "http://localhost:11434/v1" }
  ] as const)("base URL for $baseUrl with $mode auth", ({ baseUrl, mode, expected }) => {
    const target = requestTarget({ ...provider, baseUrl }, Option.some({ token: "t", mode }), {}, undefined)
    assert.strictEqual(target.baseURL, expected)
  })

  it("sends the Responses headers, the account id, provider headers and set environment headers", () => {
    const target = requestTarget(
      {
        ...provider,
        httpHeaders: { version: "1.0" },
        envHttpHeaders: { "OpenAI-Organization": "ORG", "OpenAI-Project": "PROJECT" },
        queryParams: { "api-version": "x" }
      },
      Option.some({ token: "access", accountId: "acct", mode: "chatgpt" }),
      { ORG: "org-1", PROJECT: "" },
      "conv-1"
    )
    assert.deepStrictEqual(target, {
      baseURL: CHATGPT_BASE_URL,
      apiKey: "access",
      defaultHeaders: {
        ...identityHeaders(),
        "OpenAI-Beta": "responses=experimental",
        session_id: "conv-1",
        "chatgpt-account-id": "acct",
        version: "1.0",
        "OpenAI-Organization": "org-1"
      },
      defaultQuery: { "api-version": "x" }
    })
  })

  it("removes the Authorization header when there are no credentials, and sends no Responses headers on chat", () => {
    const target = requestTarget({ ...provider, wireApi: "chat" }, Option.none(), {}, "conv-1")
    assert.deepStrictEqual(target.defaultHeaders, { ...identityHeaders(), Authorization: null })
  })
})
