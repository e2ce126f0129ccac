/**
 * Generic config overrides (wire §16.3–16.4): `-c key=value` from the command line and the JSON
 * `config` map of a request. Both edit the TOML document before it is interpreted, so they can set
 * any key, including `profiles.<name>.*`.
 */
import { Result } from "effect"
import { parse, type TomlTable, type TomlValue } from "smol-toml"

export interface Override {
  readonly path: ReadonlyArray<string>
  readonly value: TomlValue
}

const stripQuotes = (raw: string) => raw.replace(/^["']+|["']+$/g, "")

/** `key=value`: the value is parsed as TOML, else taken as a string with surrounding quotes removed. */
export const parseCliOverride = (text: string): Result.Result<Override, string> => {
  const eq = text.indexOf("=")
  if (eq === -1) return Result.fail(`expected key=value, got ${JSON.stringify(text)}`)
  const key = text.slice(0, eq).trim()
  const raw = text.slice(eq + 1).trim()
  if (key.length === 0) return Result.fail(`empty key in ${JSON.stringify(text)}`)
  let value: TomlValue
  try {
    value = parse(`_x_ = ${raw}`)["_x_"] as TomlValue
  } catch {
    value = stripQuotes(raw)
  }
  return Result.succeed({ path: key.split("."), value })
}

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** Sets a dotted path in a copy of `table`; missing or non-table intermediates become tables. */
export const applyOverride = (table: TomlTable, override: Override): TomlTable => {
  const [head, ...rest] = override.path
  if (head === undefined) return table
  if (rest.length === 0) return { ...table, [head]: override.value }
  const child = table[head]
  return { ...table, [head]: applyOverride(isTable(child) ? child : {}, { path: rest, value: override.value }) }
}

/** JSON → TOML (wire §16.4): null → "", numbers kept, arrays and objects converted recursively. */
export const jsonToToml = (value: unknown): TomlValue => {
  if (value === null || value === undefined) return ""
  if (typeof value === "boolean" || typeof value === "string") return value
  if (typeof value === "number") return value
  if (Array.isArray(value)) return value.map(jsonToToml)
  if (typeof value === "object") {
    const table: TomlTable = {}
    for (const [key, child] of Object.entries(value)) table[key] = jsonToToml(child)
    return table
  }
  return String(value)
}

/** The request's `config` map as overrides, keys being dotted paths. */
export const overridesFromJson = (config: Readonly<Record<string, unknown>>): ReadonlyArray<Override> =>
  Object.entries(config).map(([key, value]) => ({ path: key.split("."), value: jsonToToml(value) }))
