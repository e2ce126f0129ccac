/**
 * Where a config value came from — config.toml and its line, a `-c` override, or the request's
 * `config` map — so every warning and error about it can say so, and the warnings about keys this
 * server does not read (ignored, or a likely typo of one it does).
 */
import type { TomlTable } from "smol-toml"
import type { Override } from "./Overrides.js"
import { ConfigToml } from "./ResolveConfig.js"
import type { TomlLocations } from "./TomlLocations.js"
import { unknownKeys } from "./UnknownKeys.js"

/** config.toml as read: its path, its table, and where its keys are written (absent when there is no file). */
export interface ConfigFile {
  readonly path: string
  readonly table: TomlTable
  readonly locations: TomlLocations | undefined
}

/** `origin: `, the prefix of a message about a value from `origin`; empty when unknown. */
export const at = (origin: string | undefined) => (origin === undefined ? "" : `${origin}: `)

/** One path lies inside the other: an override of `a.b` sets `a.b.c`, and an override of `a` = {…} sets `a.b`. */
const overlaps = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.slice(0, Math.min(a.length, b.length)).every((part, index) => part === b[index])

const hasPath = (table: TomlTable, path: ReadonlyArray<string>) => {
  let current: unknown = table
  for (const part of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return false
    current = (current as Record<string, unknown>)[part]
  }
  return true
}

/**
 * Where the value at `path` was set, the last writer winning: the request's `config`, else a `-c`
 * override, else a profile file layered over config.toml, else config.toml (`file:line` when the line
 * is found), else nowhere (a default).
 */
export const describeOrigin = (
  file: ConfigFile,
  startup: ReadonlyArray<Override>,
  fromRequest: ReadonlyArray<Override>,
  profileFile?: ConfigFile
) =>
(path: ReadonlyArray<string>): string | undefined => {
  if (fromRequest.some((override) => overlaps(override.path, path))) return "the request's config"
  if (startup.some((override) => overlaps(override.path, path))) return "-c override"
  const source = profileFile !== undefined && hasPath(profileFile.table, path) ? profileFile : file
  if (!hasPath(source.table, path)) return undefined
  const line = source.locations?.lineOf(path)
  return line === undefined ? source.path : `${source.path}:${line}`
}

const formatKey = (path: ReadonlyArray<string>) => path.map((part) => (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part))).join(".")

/**
 * The warnings for keys of `table` this server does not read: one line per likely typo (with the key
 * it probably meant), and one line naming every other ignored key (most belong to the Codex CLI).
 */
export const configWarnings = (table: TomlTable, originOf: (path: ReadonlyArray<string>) => string | undefined): Array<string> => {
  const warnings: Array<string> = []
  const ignored: Array<string> = []
  for (const { path, suggestion } of unknownKeys(ConfigToml, table)) {
    const origin = originOf(path)
    if (suggestion !== undefined) {
      const meant = formatKey([...path.slice(0, -1), suggestion])
      warnings.push(`${at(origin)}unknown config key \`${formatKey(path)}\` is ignored; did you mean \`${meant}\`?`)
    } else {
      ignored.push(origin === undefined ? `\`${formatKey(path)}\`` : `\`${formatKey(path)}\` (${origin})`)
    }
  }
  if (ignored.length > 0) warnings.push(`ignoring config keys codex-effect does not use: ${ignored.join(", ")}`)
  return warnings
}
