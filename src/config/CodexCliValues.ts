/**
 * Values that current releases of the official Codex CLI accept in config.toml but this server
 * does not support. Since both read the same file, such a value must not stop a conversation: it
 * is replaced by the nearest value supported here, and the caller warns about it.
 */
import type { TomlTable, TomlValue } from "smol-toml"

/** How a Codex-CLI-only value is shown in the warning, and what replaces it; undefined when the value is ours. */
type Rule = (value: TomlValue) => { readonly shown: string; readonly to: string } | undefined

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** Key → the rule for its Codex-CLI-only values, at the top level and in every profile. */
const RULES: Readonly<Record<string, Rule>> = {
  // `{ granular = { … } }` picks per category which approvals are asked and which are refused outright;
  // asking whenever the model requests it is the nearest: nothing runs unsandboxed without a yes.
  approval_policy: (value) => (isTable(value) && "granular" in value ? { shown: "{ granular = … }", to: "on-request" } : undefined)
}

interface ReplacedValue {
  readonly path: ReadonlyArray<string>
  readonly from: string
  readonly to: string
}

/** `table` with the keys of one level (the top, or a profile) mapped, as a copy. */
const mapLevel = (table: TomlTable, path: ReadonlyArray<string>, replaced: Array<ReplacedValue>): TomlTable => {
  let copy: TomlTable | undefined
  for (const [key, rule] of Object.entries(RULES)) {
    const value = table[key]
    const mapped = value === undefined ? undefined : rule(value)
    if (mapped === undefined) continue
    copy ??= { ...table }
    copy[key] = mapped.to
    replaced.push({ path: [...path, key], from: mapped.shown, to: mapped.to })
  }
  return copy ?? table
}

/** The table with Codex-CLI-only values replaced (top level and every profile), and what was replaced. */
export const mapCodexCliValues = (table: TomlTable): { readonly table: TomlTable; readonly replaced: ReadonlyArray<ReplacedValue> } => {
  const replaced: Array<ReplacedValue> = []
  let mapped = mapLevel(table, [], replaced)
  const profiles = mapped.profiles
  if (isTable(profiles)) {
    const mappedProfiles = Object.fromEntries(
      Object.entries(profiles).map(([name, profile]) => [name, isTable(profile) ? mapLevel(profile, ["profiles", name], replaced) : profile])
    )
    mapped = { ...mapped, profiles: mappedProfiles }
  }
  return { table: mapped, replaced }
}
