/** Tool names the model sees (`server__tool`, 64 characters at most) and sanitised input schemas. */
import { assert, describe, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { qualifiedToolName } from "../../src/mcp/McpToolNames.js"
import { sanitizeInputSchema } from "../../src/mcp/McpToolSchema.js"

describe("qualifiedToolName", () => {
  it("joins server and tool with __", () => {
    assert.strictEqual(qualifiedToolName("everything", "echo"), "everything__echo")
  })

  it("cuts a long name to 64 characters ending in the SHA-1 of the whole name", () => {
    const tool = "t".repeat(80)
    const name = qualifiedToolName("server", tool)
    const hash = createHash("sha1").update(`server__${tool}`).digest("hex")
    assert.strictEqual(name.length, 64)
    assert.strictEqual(name, `server__${tool}`.slice(0, 24) + hash)
    assert.notStrictEqual(qualifiedToolName("server", `${tool}x`), name)
  })

  it("keeps a name of exactly 64 characters", () => {
    const tool = "a".repeat(64 - "s__".length)
    assert.strictEqual(qualifiedToolName("s", tool), `s__${tool}`)
  })
})

describe("sanitizeInputSchema", () => {
  const cases: ReadonlyArray<readonly [string, unknown, unknown]> = [
    ["a missing schema", undefined, { type: "object", properties: {} }],
    ["an object without properties", { type: "object" }, { type: "object", properties: {} }],
    [
      "types inferred from keywords",
      { properties: { n: { minimum: 1 }, e: { enum: ["a"] }, l: { items: { type: "integer" } }, o: { required: [] } } },
      {
        type: "object",
        properties: {
          n: { minimum: 1, type: "number" },
          e: { enum: ["a"], type: "string" },
          l: { items: { type: "integer" }, type: "array" },
          o: { required: [], type: "object", properties: {} }
        }
      }
    ],
    [
      "a boolean schema and an array without items",
      { type: "object", properties: { any: true, list: { type: "array" } } },
      { type: "object", properties: { any: { type: "string" }, list: { type: "array", items: { type: "string" } } } }
    ],
    ["a non-object top level", { type: "string" }, { type: "object", properties: {} }]
  ]
  for (const [name, input, expected] of cases) {
    it(name, () => assert.deepStrictEqual(sanitizeInputSchema(input), expected))
  }
})
