/**
 * Edits a TOML document in place, as the reference's editor does: only the written key's text changes,
 * every comment, blank line and the order of the other keys stay. Setting an existing key replaces its
 * value; a new key goes after the last key of its table (a dotted key among dotted keys), a new table
 * after the last table under the same parent or at the end of the document; a table written whole
 * becomes a `[table]` block. Removing a key removes its line and the comment lines just above it;
 * removing a table removes its header, its keys and its sub-tables. Keys inside an inline table are
 * changed by writing that inline table again (inline tables hold no comments). Line breaks come out as
 * `\n`, as the reference writes them.
 */
import { parse, type TomlTable } from "smol-toml"
import { isPrefix, scanToml, type TomlDocument, type TomlStatement } from "./TomlDocument.js"
import { isJsonTable, type JsonTable, tomlInline, tomlKeyPath, tomlTableBlock, TomlValueError } from "./TomlValueText.js"


const valueAt = (table: unknown, path: ReadonlyArray<string>): unknown => {
  let value = table
  for (const key of path) {
    if (!isJsonTable(value) || !Object.hasOwn(value, key)) return undefined
    value = value[key]
  }
  return value
}

/** `table` with `value` at `path` (removed when undefined); tables on the way are created. */
export const withValueAt = (table: JsonTable, path: ReadonlyArray<string>, value: unknown): JsonTable => {
  const [key, ...rest] = path as [string, ...Array<string>]
  const result: Record<string, unknown> = { ...table }
  if (rest.length > 0) {
    const inner = result[key]
    result[key] = withValueAt(isJsonTable(inner) ? inner : {}, rest, value)
  } else if (value === undefined) {
    delete result[key]
  } else {
    result[key] = value
  }
  return result
}

export const sameValue = (a: unknown, b: unknown): boolean => {
  if (a instanceof Date || b instanceof Date) return String(a) === String(b)
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameValue(item, b[index]))
  }
  if (isJsonTable(a) || isJsonTable(b)) {
    if (!isJsonTable(a) || !isJsonTable(b)) return false
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]))
  }
  return a === b
}

const splice = (text: string, from: number, to: number, insert: string) => text.slice(0, from) + insert + text.slice(to)

/** `insert` placed at `at`, on a line of its own. */
const insertLines = (text: string, at: number, insert: string) =>
  splice(text, at, at, (at > 0 && text[at - 1] !== "\n" && text[at - 1] !== "\uFEFF" ? "\n" : "") + insert)

/** The key-value whose value holds `path` (the key itself or an inline table around it). */
const keyValueHolding = (document: TomlDocument, path: ReadonlyArray<string>) =>
  document.statements.find((s) => s.kind === "keyValue" && !s.inArray && isPrefix(s.path, path))

const headerOf = (document: TomlDocument, path: ReadonlyArray<string>) =>
  document.statements.find((s) => s.kind === "table" && sameValue(s.path, path))

/** The last key-value written directly under the header at `path` (or at the top when empty). */
const lastOfBody = (document: TomlDocument, path: ReadonlyArray<string>): TomlStatement | undefined => {
  let last: TomlStatement | undefined
  for (const statement of document.statements) {
    if (statement.kind === "keyValue" && !statement.inArray && sameValue(statement.tablePath, path)) last = statement
  }
  return last
}

const removeAt = (text: string, path: ReadonlyArray<string>): string => {
  const document = scanToml(text)
  const holder = keyValueHolding(document, path)
  if (holder !== undefined && holder.path.length < path.length) {
    const current = valueAt(parse(text), holder.path)
    if (!isJsonTable(current)) return text
    const next = withValueAt(current, path.slice(holder.path.length), undefined)
    return splice(text, holder.valueStart, holder.valueEnd, tomlInline(next))
  }
  // Every statement under `path` goes, each with the comment lines above it; the rest of the text stays.
  let result = ""
  let kept = 0
  for (const statement of document.statements) {
    if (!isPrefix(path, statement.path)) continue
    result += text.slice(kept, statement.prefixStart)
    kept = statement.end
  }
  return result + text.slice(kept)
}

/** Places a new table block under `parent`: after the last table below `parent`, else at the end. */
const insertTable = (text: string, path: ReadonlyArray<string>, table: JsonTable): string => {
  const document = scanToml(text)
  const parent = path.slice(0, -1)
  const headers = document.statements.filter((s) => s.kind !== "keyValue" && parent.length > 0 && isPrefix(parent, s.path))
  const after = headers.at(-1)
  const at = after === undefined ? document.trailerStart : (lastOfBody(document, after.path) ?? after).end
  const block = tomlTableBlock(path, table)
  return insertLines(text, at, at > 0 && document.statements.length > 0 ? `\n${block}` : block)
}

/** The dotted key-values that write into the table at `parent` from a header above it. */
const dottedUnder = (document: TomlDocument, parent: ReadonlyArray<string>) =>
  document.statements.filter((s) => s.kind === "keyValue" && !s.inArray && s.tablePath.length < parent.length && isPrefix(parent, s.path))

/** Adds `path = value`, where nothing is at `path` yet and no key-value holds it. */
const insertNew = (text: string, current: TomlTable, path: ReadonlyArray<string>, value: unknown): string => {
  const document = scanToml(text)
  // The deepest table already there that will hold the new value.
  let depth = path.length - 1
  while (depth > 0 && !isJsonTable(valueAt(current, path.slice(0, depth)))) depth--
  const parent = path.slice(0, depth)
  const rest = path.slice(depth)
  if (isJsonTable(value) || rest.length > 1) {
    const dotted = dottedUnder(document, parent).at(-1)
    if (depth > 0 && dotted !== undefined && !isJsonTable(value)) return insertKey(text, dotted, path, value)
    return isJsonTable(value)
      ? insertTable(text, path, value)
      : insertTable(text, path.slice(0, -1), { [path.at(-1)!]: value })
  }
  if (depth === 0 || headerOf(document, parent) !== undefined) {
    const last = lastOfBody(document, parent)
    const at = last?.end ?? headerOf(document, parent)?.end ?? document.bodyStart
    return insertLines(text, at, `${tomlKeyPath(rest)} = ${tomlInline(value)}\n`)
  }
  // The parent is a table made of dotted keys: the new key joins them.
  const last = dottedUnder(document, parent).at(-1)
  if (last !== undefined) return insertKey(text, last, path, value)
  // The parent only exists through its sub-tables' headers: its own header goes just before the first of them.
  const child = document.statements.find((s) => s.kind !== "keyValue" && isPrefix(parent, s.path))!
  return insertLines(text, child.prefixStart, `${child.prefixStart > 0 ? "\n" : ""}${tomlTableBlock(parent, { [rest[0]!]: value })}`)
}

/** A new dotted key written after `sibling`, relative to the same header. */
const insertKey = (text: string, sibling: TomlStatement, path: ReadonlyArray<string>, value: unknown) =>
  insertLines(text, sibling.end, `${tomlKeyPath(path.slice(sibling.tablePath.length))} = ${tomlInline(value)}\n`)

/**
 * The document with `value` at `path`: a key's value replaced, a table's keys written one by one
 * (`replace` also removes the keys `value` lacks), or something new added.
 */
const setTomlValue = (text: string, path: ReadonlyArray<string>, value: unknown, replace: boolean): string => {
  const current = parse(text)
  const existing = valueAt(current, path)
  if (sameValue(existing, value)) return text
  const document = scanToml(text)
  const holder = keyValueHolding(document, path)
  if (holder !== undefined) {
    const next = holder.path.length === path.length
      ? value
      : withValueAt(valueAt(current, holder.path) as JsonTable, path.slice(holder.path.length), value)
    return splice(text, holder.valueStart, holder.valueEnd, tomlInline(next))
  }
  if (isJsonTable(existing) && isJsonTable(value)) {
    let result = text
    if (replace) {
      for (const key of Object.keys(existing)) if (!Object.hasOwn(value, key)) result = removeAt(result, [...path, key])
      // A table of dotted keys that lost them all is gone: it comes back as a `[table]`.
      const left = parse(result)
      if (valueAt(left, path) === undefined) return insertNew(result, left, path, value)
    }
    for (const [key, item] of Object.entries(value)) result = setTomlValue(result, [...path, key], item, replace)
    return result
  }
  if (existing === undefined) return insertNew(text, current, path, value)
  // A table written over a value or the other way round: the old one goes, the new one is added.
  const removed = removeAt(text, path)
  return insertNew(removed, parse(removed), path, value)
}

/** The document without what is at `path` (unchanged when nothing is). */
const removeTomlValue = (text: string, path: ReadonlyArray<string>): string =>
  valueAt(parse(text), path) === undefined ? text : removeAt(text, path)

const merged = (into: JsonTable, from: JsonTable): JsonTable => {
  const result: Record<string, unknown> = { ...into }
  for (const [key, value] of Object.entries(from)) {
    const existing = result[key]
    result[key] = isJsonTable(existing) && isJsonTable(value) ? merged(existing, value) : value
  }
  return result
}

/** Whether some value on the way to `path` cannot hold keys. */
const blockedParent = (table: JsonTable, path: ReadonlyArray<string>) => {
  let value: unknown = table
  for (const key of path.slice(0, -1)) {
    value = (value as JsonTable)[key]
    if (value === undefined) return false
    if (!isJsonTable(value)) return true
  }
  return false
}

/** Removing the last dotted key of a table removes the table too, as in the reference: no value is lost. */
export const withoutEmptyTables = (table: JsonTable): JsonTable => {
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(table)) {
    const inner = isJsonTable(value) ? withoutEmptyTables(value) : value
    if (!isJsonTable(inner) || Object.keys(inner).length > 0) result[key] = inner
  }
  return result
}

/**
 * The document with `value` written at `path` as `config/value/write` writes it: `null` removes,
 * `upsert` merges a table into the one there. What comes out is parsed again and must hold exactly the
 * values intended; anything else (a value TOML cannot hold, a path through a value) throws a
 * `TomlValueError` and nothing is to be written. `text` must be valid TOML.
 */
export const writeTomlValue = (original: string, path: ReadonlyArray<string>, value: unknown, mergeStrategy: "replace" | "upsert"): string => {
  // The reference writes every line break as `\n`, whatever the file had.
  const text = original.replaceAll("\r\n", "\n")
  const table = parse(text)
  if (blockedParent(table, path)) {
    // Nothing to remove under a value; nothing can be written there.
    if (value === null) return text
    throw new TomlValueError({ message: "cannot set value on non-table parent" })
  }
  const existing = valueAt(table, path)
  const target = mergeStrategy === "upsert" && isJsonTable(existing) && isJsonTable(value) ? merged(existing, value) : value
  const intended = target === null ? (existing === undefined ? table : withValueAt(table, path, undefined)) : withValueAt(table, path, target)
  const rendered = target === null ? removeTomlValue(text, path) : setTomlValue(text, path, target, mergeStrategy === "replace")
  let reread: TomlTable
  try {
    reread = parse(rendered)
  } catch (error) {
    throw new TomlValueError({ message: `the edit of ${tomlKeyPath(path)} would not parse: ${String(error)}` })
  }
  if (!sameValue(withoutEmptyTables(reread), withoutEmptyTables(intended))) throw new TomlValueError({ message: `the edit of ${tomlKeyPath(path)} would not read back as written` })
  return rendered
}
