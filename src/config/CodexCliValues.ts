/**
 * Values that current releases of the official Codex CLI accept in config.toml but this server
 * does not support. Since both read the same file, such a value must not stop a conversation: it
 * is replaced by the nearest value supported here, and the caller warns about it.
 */
import type { TomlTable, TomlValue } from "smol-toml"

/** Key → Codex CLI value → the nearest value supported here. */
const NEAREST_SUPPORTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Newer models take `none` (no reasoning) and `xhigh`; the nearest efforts supported here are the ends of the scale.
  model_reasoning_effort: { none: "minimal", xhigh: "high" }
}

interface ReplacedValue {
  readonly path: ReadonlyArray<string>
  readonly from: string
  readonly to: string
}

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** `table` with the keys of one level (the top, or a profile) mapped, as a copy. */
const mapLevel = (table: TomlTable, path: ReadonlyArray<string>, replaced: Array<ReplacedValue>): TomlTable => {
  let copy: TomlTable | undefined
  for (const [key, values] of Object.entries(NEAREST_SUPPORTED)) {
    const value = table[key]
    if (typeof value !== "string" || !Object.hasOwn(values, value)) continue
    const to = values[value]!
    copy ??= { ...table }
    copy[key] = to
    replaced.push({ path: [...path, key], from: value, to })
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
