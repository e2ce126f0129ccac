/**
 * An MCP tool's `inputSchema`, made acceptable as a function tool's `parameters`: model APIs accept a
 * subset of JSON Schema, and servers write schemas that leave out `type`, use boolean schemas or arrays
 * without `items`. The server's schema is untrusted input: depth is bounded.
 */

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const MAX_DEPTH = 32

const NUMERIC_KEYWORDS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The `type` a schema without one most likely means, from the keywords it uses. */
const inferType = (schema: Record<string, Json>): string => {
  if ("properties" in schema || "required" in schema || "additionalProperties" in schema) return "object"
  if ("items" in schema || "prefixItems" in schema) return "array"
  if ("enum" in schema || "const" in schema || "format" in schema) return "string"
  if (NUMERIC_KEYWORDS.some((key) => key in schema)) return "number"
  return "string"
}

const sanitize = (value: unknown, depth: number): Record<string, Json> => {
  // A boolean schema (`true`: anything) and anything unreadable become a string schema.
  if (!isObject(value) || depth > MAX_DEPTH) return { type: "string" }
  const schema: Record<string, Json> = { ...value }
  if (schema.type === undefined) schema.type = inferType(schema)
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  if (types.includes("object")) {
    const properties = isObject(schema.properties) ? schema.properties : {}
    schema.properties = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, sanitize(property, depth + 1)]))
    if (isObject(schema.additionalProperties)) schema.additionalProperties = sanitize(schema.additionalProperties, depth + 1)
  }
  if (types.includes("array")) schema.items = sanitize(schema.items ?? { type: "string" }, depth + 1)
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const options = schema[key]
    if (Array.isArray(options)) schema[key] = options.map((option) => sanitize(option, depth + 1))
  }
  return schema
}

/** A JSON Schema object for a function tool's `parameters`. */
export const sanitizeInputSchema = (inputSchema: unknown): Record<string, Json> => {
  const schema = sanitize(inputSchema, 0)
  // The top level of function parameters must be an object.
  return schema.type === "object" ? schema : { type: "object", properties: {} }
}
