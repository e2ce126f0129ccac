/**
 * Generic overrides: `-c key=value` parsing, dotted paths applied to a TOML
 * table, and the request `config` map's JSON → TOML conversion.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { stringify, type TomlTable } from "smol-toml"
import {
  applyOverride,
  applyOverrides,
  jsonToToml,
  overridesFromJson,
  parseCliOverride
} from "../../src/config/Overrides.js"

describe("-c key=value", () => {
  it.each([
    ["model=o3", ["model"], "o3"],
    ["model=\"o3\"", ["model"], "o3"],
    ["model='o3'", ["model"], "o3"],
    ["model=\"unterminated", ["model"], "unterminated"],
    ["model=", ["model"], ""],
    ["flag=TRUE", ["flag"], "TRUE"],
    ["sandbox_workspace_write.network_access=true", ["sandbox_workspace_write", "network_access"], true],
    ["project_doc_max_bytes=1024", ["project_doc_max_bytes"], 1024],
    ["ratio=1.5", ["ratio"], 1.5],
    ["writable = [\"/a\", \"/b\"]", ["writable"], ["/a", "/b"]],
    [" spaced = value with spaces ", ["spaced"], "value with spaces"],
    ["a.b.c={x = 1}", ["a", "b", "c"], { x: 1 }],
    ["split=a=b", ["split"], "a=b"],
    ["split=\"a=b\"", ["split"], "a=b"]
  ] as const)("parses %s", (text, path, value) => {
    const parsed = parseCliOverride(text)
    assert.isTrue(Result.isSuccess(parsed))
    assert.deepStrictEqual<unknown>({ ...Result.getOrThrow(parsed) }, { path, value })
  })

  it.each([
    ["no-equals", "expected key=value (missing '=')"],
    ["=value", "empty key"],
    ["  = value", "empty key"]
  ])("rejects %s", (text, reason) => {
    const parsed = parseCliOverride(text)
    assert.isTrue(Result.isFailure(parsed))
    assert.strictEqual(Result.isFailure(parsed) ? parsed.failure : undefined, reason)
  })
})

describe("dotted paths", () => {
  const table: TomlTable = { a: 1, keep: { x: 1 }, list: [1, 2] }
  it.each([
    ["sets a top-level key", ["a"], 2, { a: 2, keep: { x: 1 }, list: [1, 2] }],
    ["adds to an existing table", ["keep", "y"], 2, { a: 1, keep: { x: 1, y: 2 }, list: [1, 2] }],
    ["replaces a non-table intermediate", ["a", "b"], 2, { a: { b: 2 }, keep: { x: 1 }, list: [1, 2] }],
    ["replaces an array intermediate", ["list", "b"], 2, { a: 1, keep: { x: 1 }, list: { b: 2 } }],
    ["creates missing intermediates", ["new", "deep", "key"], "v", {
      a: 1,
      keep: { x: 1 },
      list: [1, 2],
      new: { deep: { key: "v" } }
    }],
    ["replaces a whole table", ["keep"], "flat", { a: 1, keep: "flat", list: [1, 2] }]
  ] as const)("%s", (_, path, value, expected) => {
    assert.deepStrictEqual<unknown>(applyOverride(table, { path, value }), expected)
  })

  it("leaves the input table unchanged", () => {
    applyOverride(table, { path: ["keep", "x"], value: 99 })
    assert.deepStrictEqual<unknown>(table, { a: 1, keep: { x: 1 }, list: [1, 2] })
  })

  it("does not treat inherited properties as tables", () => {
    assert.deepStrictEqual<unknown>(applyOverride({}, { path: ["constructor", "name"], value: "x" }), {
      constructor: { name: "x" }
    })
  })

  it("sets a dotted key of 100,000 segments without recursing", () => {
    const path = Array.from({ length: 100_000 }, () => "a")
    let at: unknown = applyOverride({}, { path, value: "deep" })
    for (let i = 0; i < path.length; i++) at = (at as Record<string, unknown>).a
    assert.strictEqual(at, "deep")
  })

  it("keeps a __proto__ segment as a key", () => {
    const result = applyOverride({}, { path: ["__proto__", "polluted"], value: true })
    assert.isTrue(Object.hasOwn(result, "__proto__"))
    assert.isUndefined(({} as Record<string, unknown>).polluted)
  })

  it("applies overrides in order, the later one winning", () => {
    const result = applyOverrides({}, [
      { path: ["model"], value: "first" },
      { path: ["profiles", "p", "model"], value: "p1" },
      { path: ["model"], value: "second" }
    ])
    assert.deepStrictEqual<unknown>(result, { model: "second", profiles: { p: { model: "p1" } } })
  })
})

describe("JSON → TOML", () => {
  it.each([
    [null, ""],
    [true, true],
    [42, 42],
    [1.5, 1.5],
    ["text", "text"],
    [[1, null, "x"], [1, "", "x"]],
    [{ nested: { deep: [true, null] } }, { nested: { deep: [true, ""] } }]
  ] as const)("converts %j", (json, toml) => {
    assert.deepStrictEqual<unknown>(jsonToToml(json), toml)
  })

  it("keeps integers integers and floats floats when written as TOML", () => {
    assert.strictEqual(stringify({ count: jsonToToml(3), ratio: jsonToToml(0.25) }), "count = 3\nratio = 0.25\n")
  })

  it("keeps a __proto__ key as a key", () => {
    const converted = jsonToToml(JSON.parse("{\"__proto__\": {\"polluted\": true}}")) as TomlTable
    assert.isTrue(Object.hasOwn(converted, "__proto__"))
    assert.strictEqual(Object.getPrototypeOf(converted), Object.prototype)
  })

  it("treats config map keys as dotted paths", () => {
    assert.deepStrictEqual(overridesFromJson({ "profiles.fast.model": "o4-mini", approval_policy: null }), [
      { path: ["profiles", "fast", "model"], value: "o4-mini" },
      { path: ["approval_policy"], value: "" }
    ])
  })
})
