/**
 * The keys of a config.toml that this server does not read. The known keys come from the config's
 * own Schema, so they cannot drift from what is decoded. The official Codex CLI shares the file and
 * has many keys of its own: those are ignored, and a key close to one of ours (a typo such as
 * `aproval_policy`) gets a suggestion, so a misspelling is not silently dropped.
 */
import { type Schema, SchemaAST } from "effect"
import type { TomlTable, TomlValue } from "smol-toml"

interface UnknownKey {
  readonly path: ReadonlyArray<string>
  /** The nearest key this server reads at the same place, when one is close enough to be a typo. */
  readonly suggestion: string | undefined
}

/** Top-level keys of the official Codex CLI that this server does not use; never treated as typos of ours. */
const CODEX_CLI_KEYS: ReadonlySet<string> = new Set([
  "analytics",
  "check_for_update_on_startup",
  "cli_auth_credentials_store",
  "disable_paste_burst",
  "disable_response_storage",
  "file_opener",
  "forced_chatgpt_workspace_id",
  "hide_agent_reasoning",
  "history",
  "model_auto_compact_token_limit",
  "model_context_window",
  "model_max_output_tokens",
  "model_reasoning_summary_format",
  "notice",
  "oss_provider",
  "otel",
  "review_model",
  "tools",
  "tui"
])

/** Edit distance with adjacent transpositions (`modle` → `model` is 1). */
const editDistance = (a: string, b: string): number => {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = best
    }
  }
  return rows[a.length]![b.length]!
}

/** The closest of `known` to `key`, if it is within two edits and a third of the key's length. */
export const nearestKey = (key: string, known: ReadonlyArray<string>): string | undefined => {
  let best: { readonly key: string; readonly distance: number } | undefined
  for (const candidate of known) {
    // Lengths that differ by more than two are more than two edits apart: not worth the table.
    if (Math.abs(candidate.length - key.length) > 2) continue
    const distance = editDistance(key.toLowerCase(), candidate)
    if (best === undefined || distance < best.distance) best = { key: candidate, distance }
  }
  return best !== undefined && best.distance <= 2 && best.distance * 3 <= key.length ? best.key : undefined
}

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** The struct or record inside optional and union wrappers, if the value is a table at all. */
const objectsOf = (ast: SchemaAST.AST): SchemaAST.Objects | undefined => {
  if (SchemaAST.isObjects(ast)) return ast
  if (SchemaAST.isUnion(ast)) {
    for (const member of ast.types) {
      const found = objectsOf(member)
      if (found !== undefined) return found
    }
  }
  return undefined
}

const walk = (ast: SchemaAST.Objects, table: TomlTable, path: ReadonlyArray<string>, found: Array<UnknownKey>) => {
  const fields = new Map(ast.propertySignatures.map((field) => [String(field.name), field.type]))
  const entries = ast.indexSignatures[0]
  for (const [key, value] of Object.entries(table)) {
    const type = fields.get(key) ?? entries?.type
    if (type === undefined) {
      const typo = path.length === 0 && CODEX_CLI_KEYS.has(key) ? undefined : nearestKey(key, [...fields.keys()])
      found.push({ path: [...path, key], suggestion: typo })
      continue
    }
    const nested = objectsOf(type)
    if (nested !== undefined && isTable(value)) walk(nested, value, [...path, key], found)
  }
}

/** Every key of `table` that `schema` does not declare, in document order, nested tables included. */
export const unknownKeys = (schema: Schema.Top, table: TomlTable): ReadonlyArray<UnknownKey> => {
  const root = objectsOf(schema.ast)
  if (root === undefined) return []
  const found: Array<UnknownKey> = []
  walk(root, table, [], found)
  return found
}
