/**
 * Writes one value into `$CODEX_HOME/config.toml`, for the app-server's `config/value/write`. As the
 * reference: the key is a dotted path, `null` removes it, `upsert` merges a table into the one there and
 * `replace` sets it whole; the file as it would be must still be a valid config, and a client holding a
 * version older than the file's is refused. The version is the file's sha256. smol-toml rewrites the
 * file, so its comments and layout are not kept (the keys and values are). The file is replaced by a
 * rename, so a reader never sees half of it.
 */
import { createHash, randomUUID } from "node:crypto"
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Layer, Result, Schema } from "effect"
import { parse, stringify, type TomlTable, type TomlValue } from "smol-toml"
import { resolveConfig } from "../config/ResolveConfig.js"
import { Config } from "./Config.js"

export class ConfigWriteError extends Schema.TaggedError<ConfigWriteError>()("ConfigWriteError", {
  reason: Schema.Literals(["configVersionConflict", "configValidationError", "userLayerNotFound", "writeFailed"]),
  message: Schema.String
}) {}

export interface ConfigValueWrite {
  readonly keyPath: string
  readonly value: unknown
  readonly mergeStrategy: "replace" | "upsert"
  readonly expectedVersion?: string | undefined
  readonly filePath?: string | undefined
}

const versionOf = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`

const isTable = (value: unknown): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** `into` with `from`'s keys merged in, tables recursively. */
const merged = (into: TomlTable, from: TomlTable): TomlTable => {
  const result: TomlTable = { ...into }
  for (const [key, value] of Object.entries(from)) {
    const existing = result[key]
    result[key] = isTable(existing) && isTable(value) ? merged(existing, value) : value
  }
  return result
}

/** `table` with `value` at `path` (removed when `null`); the tables on the way are created. */
const withValue = (table: TomlTable, path: ReadonlyArray<string>, value: unknown, upsert: boolean): TomlTable => {
  const [key, ...rest] = path as [string, ...Array<string>]
  const result: TomlTable = { ...table }
  if (rest.length > 0) {
    const inner = result[key]
    result[key] = withValue(isTable(inner) ? inner : {}, rest, value, upsert)
  } else if (value === null) {
    delete result[key]
  } else {
    const existing = result[key]
    result[key] = upsert && isTable(existing) && isTable(value) ? merged(existing, value) : (value as TomlValue)
  }
  return result
}

export class ConfigWriter extends Context.Service<ConfigWriter, {
  /** Writes the value; answers the file's path and its new version. */
  readonly writeValue: (write: ConfigValueWrite) => Effect.Effect<{ readonly filePath: string; readonly version: string }, ConfigWriteError>
}>()("codex-effect/ConfigWriter") {
  static readonly layer = Layer.effect(ConfigWriter, Effect.gen(function*() {
    const config = yield* Config
    const path = join(config.codexHome, "config.toml")
    const fail = (reason: ConfigWriteError["reason"], message: string) => Effect.fail(new ConfigWriteError({ reason, message }))

    const writeValue = Effect.fn("ConfigWriter.writeValue")(function*(write: ConfigValueWrite) {
      if (write.filePath !== undefined && write.filePath !== path) {
        return yield* fail("userLayerNotFound", `only the user config ${path} can be written, not ${write.filePath}`)
      }
      const segments = write.keyPath.split(".")
      if (segments.some((segment) => segment.length === 0)) return yield* fail("configValidationError", `Invalid key path: ${JSON.stringify(write.keyPath)}`)
      const text = yield* Effect.try({
        try: () => readFileSync(path, "utf8"),
        catch: (error) => error as NodeJS.ErrnoException
      }).pipe(Effect.catch((error) => (error.code === "ENOENT" ? Effect.succeed("") : fail("writeFailed", `cannot read ${path}: ${error.message}`))))
      if (write.expectedVersion !== undefined && write.expectedVersion !== versionOf(text)) {
        return yield* fail("configVersionConflict", "Configuration was modified since last read. Fetch latest version and retry.")
      }
      const table = yield* Effect.try({ try: () => parse(text), catch: (error) => new ConfigWriteError({ reason: "configValidationError", message: `Invalid configuration: ${path}: ${String(error)}` }) })
      const next = withValue(table, segments, write.value, write.mergeStrategy === "upsert")
      const rendered = yield* Effect.try({
        try: () => stringify(next),
        catch: (error) => new ConfigWriteError({ reason: "configValidationError", message: `Invalid configuration: ${String(error)}` })
      })
      // What is written must be read back the same, and be a config every conversation can start from.
      const reread = yield* Effect.try({ try: () => parse(rendered), catch: (error) => new ConfigWriteError({ reason: "configValidationError", message: `Invalid configuration: ${String(error)}` }) })
      const checked = resolveConfig(reread, {}, { codexHome: config.codexHome, processCwd: config.base.cwd, env: {} })
      if (Result.isFailure(checked)) return yield* fail("configValidationError", `Invalid configuration: ${checked.failure}`)
      yield* Effect.try({
        try: () => {
          const temporary = `${path}.${randomUUID()}.tmp`
          try {
            writeFileSync(temporary, rendered, { mode: 0o600 })
            renameSync(temporary, path)
          } finally {
            rmSync(temporary, { force: true })
          }
        },
        catch: (error) => new ConfigWriteError({ reason: "writeFailed", message: `cannot write ${path}: ${String(error)}` })
      })
      return { filePath: path, version: versionOf(rendered) }
    })
    return ConfigWriter.of({ writeValue })
  }))
}
