/**
 * The literal `inputSchema`s listed by `tools/list` against the Schemas that decode the calls:
 * same properties, same types and enums, same required keys. `codex-reply` lists `sessionId` and
 * its aliases `threadId`/`conversationId`, none of them required (the tool asks for exactly one).
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema, SchemaAST } from "effect"
import { CODEX_REPLY_TOOL, CODEX_TOOL, CodexReplyArguments, CodexToolArguments } from "../../src/rpc/CodexTools.js"

type JsonObject = Readonly<Record<string, unknown>>

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const listedProperties = (inputSchema: JsonObject): Readonly<Record<string, JsonObject>> => {
  const properties = inputSchema.properties
  if (!isObject(properties)) throw new Error("inputSchema has no properties object")
  const result: Record<string, JsonObject> = {}
  for (const [key, value] of Object.entries(properties)) {
    if (!isObject(value)) throw new Error(`property ${key} is not an object`)
    result[key] = value
  }
  return result
}

const listedRequired = (inputSchema: JsonObject): ReadonlyArray<string> => {
  const required = inputSchema.required
  if (!Array.isArray(required) || !required.every((key) => typeof key === "string")) {
    throw new Error("inputSchema.required is not a list of names")
  }
  return required
}

const schemaKeys = (fields: Schema.Struct.Fields) => Object.keys(fields).sort()
const schemaRequired = (fields: Schema.Struct.Fields) =>
  Object.entries(fields).filter(([, field]) => !SchemaAST.isOptional(field.ast)).map(([key]) => key).sort()

/** What the Schema itself says about each property, as JSON Schema. */
const generatedProperties = (schema: Schema.Top) => {
  const document = Schema.toJsonSchemaDocument(schema)
  const properties = (document.schema as JsonObject).properties
  if (!isObject(properties)) throw new Error("generated JSON Schema has no properties")
  return properties
}

/** A string value the Schema accepts for a listed property. */
const sampleValue = (property: JsonObject): unknown => {
  if (Array.isArray(property.enum)) return property.enum[0]
  switch (property.type) {
    case "string":
      return "text"
    case "boolean":
      return true
    case "object":
      return { key: "value" }
    default:
      throw new Error(`no sample for ${JSON.stringify(property)}`)
  }
}

const decodes = (schema: Schema.Top & Schema.Codec<unknown, unknown>, input: unknown) =>
  Result.isSuccess(Schema.decodeUnknownResult(schema)(input))

describe("codex tool inputSchema", () => {
  const listed = listedProperties(CODEX_TOOL.inputSchema)

  it("lists exactly the Schema's properties", () => {
    assert.deepStrictEqual(Object.keys(listed).sort(), schemaKeys(CodexToolArguments.fields))
  })

  it("lists exactly the Schema's required keys", () => {
    assert.deepStrictEqual([...listedRequired(CODEX_TOOL.inputSchema)].sort(), schemaRequired(CodexToolArguments.fields))
  })

  it("gives each property the type and enum the Schema decodes", () => {
    const generated = generatedProperties(CodexToolArguments)
    for (const [key, property] of Object.entries(listed)) {
      const fromSchema = generated[key]
      assert.isTrue(isObject(fromSchema), `Schema has no JSON Schema for ${key}`)
      if (!isObject(fromSchema)) continue
      assert.strictEqual(property.type, fromSchema.type, `type of ${key}`)
      assert.deepStrictEqual(property.enum, fromSchema.enum, `enum of ${key}`)
      assert.isString(property.description, `description of ${key}`)
    }
  })

  it("decodes every listed enum value and rejects others", () => {
    for (const [key, property] of Object.entries(listed)) {
      if (!Array.isArray(property.enum)) continue
      for (const value of property.enum) {
        assert.isTrue(decodes(CodexToolArguments, { prompt: "p", [key]: value }), `${key}: ${String(value)}`)
      }
      assert.isFalse(decodes(CodexToolArguments, { prompt: "p", [key]: "not-a-listed-value" }), `${key} accepted an unlisted value`)
    }
  })

  it("decodes a call that sets every listed property", () => {
    const everything = Object.fromEntries(Object.entries(listed).map(([key, property]) => [key, sampleValue(property)]))
    assert.isTrue(decodes(CodexToolArguments, everything))
  })

  it("rejects a call without the required prompt", () => {
    assert.isFalse(decodes(CodexToolArguments, { model: "o3" }))
  })
})

describe("codex-reply tool inputSchema", () => {
  const listed = listedProperties(CODEX_REPLY_TOOL.inputSchema)
  const required = listedRequired(CODEX_REPLY_TOOL.inputSchema)

  it("lists exactly the properties the Schema knows: the prompt, sessionId and its aliases", () => {
    assert.deepStrictEqual(Object.keys(listed).sort(), schemaKeys(CodexReplyArguments.fields))
    assert.deepStrictEqual(Object.keys(listed).sort(), ["conversationId", "prompt", "sessionId", "threadId"])
  })

  it("requires only the prompt, as the Schema does", () => {
    assert.deepStrictEqual([...required], ["prompt"])
    assert.deepStrictEqual(schemaRequired(CodexReplyArguments.fields), ["prompt"])
  })

  it("gives each listed property the type the Schema decodes", () => {
    const generated = generatedProperties(CodexReplyArguments)
    for (const [key, property] of Object.entries(listed)) {
      const fromSchema = generated[key]
      assert.isTrue(isObject(fromSchema) && fromSchema.type === property.type, `type of ${key}`)
    }
  })

  it("decodes a call carrying exactly the listed required keys", () => {
    const minimal = Object.fromEntries(required.map((key) => [key, sampleValue(listed[key] ?? {})]))
    assert.deepStrictEqual(Schema.decodeUnknownSync(CodexReplyArguments)(minimal), { prompt: "text" })
  })

  it.each(["threadId", "conversationId"])("accepts the alias %s in place of sessionId", (alias) => {
    assert.deepStrictEqual(Schema.decodeSync(CodexReplyArguments)({ prompt: "p", [alias]: "abc" }), {
      prompt: "p",
      [alias]: "abc"
    })
  })

  it("rejects a call without a prompt, or with a non-string session id", () => {
    assert.isFalse(decodes(CodexReplyArguments, { sessionId: "abc" }))
    assert.isFalse(decodes(CodexReplyArguments, { prompt: "p", sessionId: 7 }))
  })
})

describe("tool descriptions", () => {
  it.each([CODEX_TOOL, CODEX_REPLY_TOOL])("$name declares an object inputSchema and the threadId/content outputSchema", (tool) => {
    assert.strictEqual(tool.inputSchema.type, "object")
    const output = tool.outputSchema
    assert.isTrue(isObject(output))
    if (!isObject(output)) return
    assert.deepStrictEqual(Object.keys(listedProperties(output)).sort(), ["content", "threadId"])
    assert.deepStrictEqual([...listedRequired(output)].sort(), ["content", "threadId"])
  })
})
