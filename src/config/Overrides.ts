/**
 * Generic config overrides: `-c key=value` from the command line and the JSON
 * `config` map of a request. Both become `Override`s — a dotted path and a TOML value — that edit
 * the TOML document before it is interpreted, so they can set any key, including `profiles.<name>.*`.
 */
import { Result } from "effect"
import { parse, type TomlTable, type TomlValue } from "smol-toml"

export interface Override {
  readonly path: ReadonlyArray<string>
  readonly value: TomlValue
}

const PLACEHOLDER_KEY = "_x_"

/** Surrounding `"`/`'` characters, removed from a value that is not valid TOML. */
const stripQuotes = (raw: string) => raw.replace(/^["']+|["']+$/g, "")

/**
 * `key=value`, split at the first `=`, both sides trimmed. The value is parsed as a TOML value,
 * else taken as a string with surrounding quotes removed (so `-c model=o3` works). The failure is
 * the reason only; the caller names the override.
 */
export const parseCliOverride = (text: string): Result.Result<Override, string> => {
  const eq = text.indexOf("=")
  if (eq === -1) return Result.fail("expected key=value (missing '=')")
  const key = text.slice(0, eq).trim()
  const raw = text.slice(eq + 1).trim()
  if (key.length === 0) return Result.fail("empty key")
  let value: TomlValue
  try {
    value = parse(`${PLACEHOLDER_KEY} = ${raw}`)[PLACEHOLDER_KEY] as TomlValue
  } catch {
    value = stripQuotes(raw)
  }
  return Result.succeed({ path: key.split("."), value })
}

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** Sets an own property, so a `__proto__` key stays a key rather than replacing the prototype. */
const setOwn = (table: TomlTable, key: string, value: TomlValue) =>
  Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true })

/**
 * `table` with the override's path set, as a copy (the input is not changed). Missing
 * intermediate tables are created; an intermediate that is not a table is replaced by one. A loop,
 * not recursion: a client's dotted key may have thousands of segments.
 */
export const applyOverride = (table: TomlTable, override: Override): TomlTable => {
  const { path, value } = override
  if (path.length === 0) return table
  const root: TomlTable = { ...table }
  let parent = root
  for (const key of path.slice(0, -1)) {
    const child = Object.hasOwn(parent, key) ? parent[key] : undefined
    const copy: TomlTable = isTable(child) ? { ...child } : {}
    setOwn(parent, key, copy)
    parent = copy
  }
  setOwn(parent, path[path.length - 1]!, value)
  return root
}

/** Applies overrides in order: a later one wins over an earlier one on the same path. */
export const applyOverrides = (table: TomlTable, overrides: ReadonlyArray<Override>): TomlTable =>
  overrides.reduce(applyOverride, table)

/**
 * JSON → TOML: null → `""`, booleans, strings and numbers unchanged (a JS number that
 * is an integer stays one: smol-toml parses TOML integers to numbers and writes integral numbers
 * as integers), arrays and objects converted recursively.
 */
export const jsonToToml = (value: unknown): TomlValue => {
  if (value === null || value === undefined) return ""
  if (typeof value === "boolean" || typeof value === "string" || typeof value === "number") return value
  if (Array.isArray(value)) return value.map(jsonToToml)
  if (typeof value === "object") {
    // fromEntries defines own properties, so a `__proto__` key stays a key.
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, jsonToToml(child)]))
  }
  return String(value)
}

/** A request's `config` map as overrides; its keys are dotted paths. */
export const overridesFromJson = (config: Readonly<Record<string, unknown>>): ReadonlyArray<Override> =>
  Object.entries(config).map(([key, value]) => ({ path: key.split("."), value: jsonToToml(value) }))
