/**
 * JSON values written as TOML text the way the reference's editor (toml_edit) writes a new value, so a
 * file edited by either looks the same: bare keys when they can be, basic strings, `'''` literal strings
 * for text with backslashes, `"""` multi-line strings for text with line breaks, `[a, b]` arrays and
 * `{ a = 1 }` inline tables. A value TOML cannot hold (null, an integer past 64 bits) is refused with the
 * reference's message.
 */

import { Data } from "effect"

/** A value or an edit the document cannot take; the message is the reference's where it has one. */
export class TomlValueError extends Data.TaggedError("TomlValueError")<{ readonly message: string }> {}

export type JsonTable = { readonly [key: string]: unknown }

export const isJsonTable = (value: unknown): value is JsonTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

const basic = (text: string, multiLine: boolean) => {
  let out = ""
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (char === "\n") out += multiLine ? "\n" : "\\n"
    else if (char === "\b") out += "\\b"
    else if (char === "\t") out += "\\t"
    else if (char === "\f") out += "\\f"
    else if (char === "\r") out += "\\r"
    else if (char === "\"") out += "\\\""
    else if (char === "\\") out += "\\\\"
    else if (code <= 0x1f || code === 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`
    else out += char
  }
  return multiLine ? `"""\n${out}"""` : `"${out}"`
}

/** A string as toml_edit chooses to write it. */
export const tomlString = (text: string): string => {
  const multiLine = text.includes("\n")
  // A literal string can hold neither control characters (but tab and line feed) nor `'''`, nor end with `'`.
  const literalPossible = !/[\u0000-\u0008\u000b-\u001f]/.test(text) && !text.includes("'''") && !text.endsWith("'")
  if (literalPossible && text.includes("\\")) {
    if (multiLine) return `'''\n${text}'''`
    return text.includes("'") ? `'''${text}'''` : `'${text}'`
  }
  return basic(text, multiLine)
}

/** A key, bare when it can be. */
export const tomlKey = (key: string): string => (/^[A-Za-z0-9_-]+$/.test(key) ? key : basic(key, false))

export const tomlKeyPath = (path: ReadonlyArray<string>): string => path.map(tomlKey).join(".")

const MAX_INTEGER = 2n ** 63n - 1n

/** A value written inline (on the right of `key = `). */
export const tomlInline = (value: unknown): string => {
  if (value === null || value === undefined) throw new TomlValueError({ message: "invalid value: invalid type: null, expected any valid TOML value" })
  if (typeof value === "string") return tomlString(value)
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf"
    if (Number.isInteger(value)) {
      if (BigInt(value) > MAX_INTEGER) throw new TomlValueError({ message: "invalid value: u64 value was too large" })
      if (BigInt(value) < -MAX_INTEGER - 1n) throw new TomlValueError({ message: "invalid value: i64 value was too small" })
      return BigInt(value).toString()
    }
    return String(value)
  }
  if (Array.isArray(value)) return `[${value.map(tomlInline).join(", ")}]`
  if (isJsonTable(value)) {
    const entries = Object.entries(value).map(([key, item]) => `${tomlKey(key)} = ${tomlInline(item)}`)
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`
  }
  throw new TomlValueError({ message: `invalid value: ${typeof value} is not a TOML value` })
}

/** A table written as a `[path]` block: its other values first, then its tables as blocks of their own. */
export const tomlTableBlock = (path: ReadonlyArray<string>, table: JsonTable): string => {
  const lines = [`[${tomlKeyPath(path)}]\n`]
  for (const [key, item] of Object.entries(table)) {
    if (!isJsonTable(item)) lines.push(`${tomlKey(key)} = ${tomlInline(item)}\n`)
  }
  for (const [key, item] of Object.entries(table)) {
    if (isJsonTable(item)) lines.push(`\n${tomlTableBlock([...path, key], item)}`)
  }
  return lines.join("")
}
