/**
 * The HTTP transport's pure parts: `--http [HOST:]PORT` parsing (loopback by default), the `Origin` check
 * against DNS rebinding, and the bearer-token comparison.
 */
import { assert, describe, it } from "@effect/vitest"
import { parseListenAddress } from "../../../src/config/ListenAddress.js"
import { hasBearerToken, isAllowedOrigin } from "../../../src/server/http/RequestGuards.js"

describe("parseListenAddress", () => {
  it.each([
    ["8080", { host: "127.0.0.1", port: 8080 }],
    ["0", { host: "127.0.0.1", port: 0 }],
    ["127.0.0.1:9000", { host: "127.0.0.1", port: 9000 }],
    ["0.0.0.0:80", { host: "0.0.0.0", port: 80 }],
    ["localhost:3000", { host: "localhost", port: 3000 }],
    ["[::1]:8080", { host: "::1", port: 8080 }]
  ])("%s", (text, expected) => {
    assert.deepStrictEqual(parseListenAddress(text), expected)
  })

  it.each(["", "host:", ":80", "70000", "a:b", "::1:80", "8080x"])("refuses %j", (text) => {
    assert.throws(() => parseListenAddress(text), /\[HOST:\]PORT/)
  })
})

describe("isAllowedOrigin", () => {
  it.each([
    [undefined, "127.0.0.1", true],
    ["http://localhost:5173", "127.0.0.1", true],
    ["http://127.0.0.1:8080", "127.0.0.1", true],
    ["http://[::1]:8080", "127.0.0.1", true],
    ["https://myhost.lan", "myhost.lan", true],
    ["http://evil.example", "127.0.0.1", false],
    ["http://evil.example", "0.0.0.0", false],
    ["http://127.0.0.1.evil.example", "127.0.0.1", false],
    ["null", "127.0.0.1", false],
    ["not a url", "127.0.0.1", false]
  ] as const)("%s on %s → %s", (origin, host, allowed) => {
    assert.strictEqual(isAllowedOrigin(origin, host), allowed)
  })
})

describe("hasBearerToken", () => {
  it.each([
    ["Bearer s3cret", true],
    ["bearer s3cret", true],
    ["Bearer  s3cret ", true],
    ["Bearer s3cre", false],
    ["Bearer s3crett", false],
    ["Basic s3cret", false],
    ["s3cret", false],
    [undefined, false]
  ] as const)("%s → %s", (header, expected) => {
    assert.strictEqual(hasBearerToken(header, "s3cret"), expected)
  })
})
