/**
 * The selected profile, two ways: a `[profiles.<name>]` table in config.toml, or (as the current Codex
 * CLI also allows) a file `$CODEX_HOME/<name>.config.toml` layered over config.toml, used when the table
 * does not exist. Either way the `-c` overrides and the request's `config` map win over the profile:
 * an override of a key a profile may set is also aimed at the selected profile's table.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { TomlTable, TomlValue } from "smol-toml"
import type { Override } from "./Overrides.js"
import { PROFILE_KEYS } from "./ResolveConfig.js"

/** A profile name that can name a file: no separators, no dots, so it stays inside CODEX_HOME. */
const FILE_PROFILE_NAME = /^[A-Za-z0-9_-]+$/

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** The profile the request names, else the table's `profile` key. */
export const selectedProfile = (table: TomlTable, requested: string | undefined): string | undefined =>
  requested ?? (typeof table.profile === "string" ? table.profile : undefined)

/** Whether `table` has `[profiles.<name>]`. */
export const hasProfileTable = (table: TomlTable, name: string): boolean => {
  const profiles = table.profiles
  return isTable(profiles) && Object.hasOwn(profiles, name)
}

/** `$CODEX_HOME/<name>.config.toml` when the name can be a file name and the file exists. */
export const profileFilePath = (codexHome: string, name: string): string | undefined => {
  if (!FILE_PROFILE_NAME.test(name)) return undefined
  const path = join(codexHome, `${name}.config.toml`)
  return existsSync(path) ? path : undefined
}

/** `layer` over `base`: tables merge key by key, any other value of `layer` replaces the base's. */
export const mergeTables = (base: TomlTable, layer: TomlTable): TomlTable => {
  const merged: TomlTable = { ...base }
  for (const [key, value] of Object.entries(layer)) {
    const under = merged[key]
    merged[key] = isTable(under) && isTable(value) ? mergeTables(under, value) : value
  }
  return merged
}

/** `overrides` of keys a profile may set, aimed at `[profiles.<name>]` as well, so they beat the profile's values. */
export const overridesIntoProfile = (overrides: ReadonlyArray<Override>, name: string): ReadonlyArray<Override> => [
  ...overrides,
  ...overrides.flatMap((override) =>
    override.path.length > 0 && PROFILE_KEYS.has(override.path[0]!) ? [{ ...override, path: ["profiles", name, ...override.path] }] : []
  )
]
