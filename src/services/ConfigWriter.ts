/**
 * Writes values into `$CODEX_HOME/config.toml`, for the app-server's `config/value/write` (one edit) and
 * `config/batchWrite` (several, written together or not at all). As the reference: the key is a dotted path (quoted parts may hold dots), `null` removes it, `upsert` merges a
 * table into the one there and `replace` sets it whole; the file as it would be must still be a valid
 * config, and a client holding a version other than the file's is refused. The version is the sha256 of
 * the config's values as canonical JSON (keys sorted), so it ignores comments and layout. The file is
 * edited in place (see TomlEditor): comments, blank lines and the order of the other keys survive. What
 * would be written is parsed again and must hold exactly the values intended, else nothing is written.
 * The file is replaced by a rename, so a reader never sees half of it.
 */
import { createHash, randomUUID } from "node:crypto"
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Layer, Result, Schema } from "effect"
import { parse, type TomlTable } from "smol-toml"
import { writeTomlValue } from "../config/TomlEditor.js"
import { isJsonTable, TomlValueError } from "../config/TomlValueText.js"
import { resolveConfig } from "../config/ResolveConfig.js"
import { Config } from "./Config.js"

const RESERVED_SEGMENTS = new Set(["__proto__", "constructor", "prototype"])

export class ConfigWriteError extends Schema.TaggedError<ConfigWriteError>()("ConfigWriteError", {
  /** The reference's `config_write_error_code`; `configUnreadable` is its internal error (the file does not parse). */
  reason: Schema.Literals(["configVersionConflict", "configValidationError", "configLayerReadonly", "configUnreadable", "writeFailed"]),
  message: Schema.String
}) {}

export interface ConfigEdit {
  readonly keyPath: string
  readonly value: unknown
  readonly mergeStrategy: "replace" | "upsert"
}

/** Edits made one after the other and written together (`config/batchWrite`), or not at all. */
export interface ConfigWrite {
  readonly edits: ReadonlyArray<ConfigEdit>
  readonly expectedVersion?: string | undefined
  readonly filePath?: string | undefined
}

/** Values as serde_json writes a TOML document: keys sorted, date-times as toml's private wrapper. */
const canonical = (value: unknown): unknown => {
  if (value instanceof Date) return { $__toml_private_datetime: value.toISOString() }
  if (Array.isArray(value)) return value.map(canonical)
  if (isJsonTable(value)) return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]))
  return value
}

export const configVersion = (table: TomlTable) =>
  `sha256:${createHash("sha256").update(JSON.stringify(canonical(table))).digest("hex")}`

/** Splits `a."b.c".d` into its parts; undefined when a part is empty. */
export const splitKeyPath = (keyPath: string): ReadonlyArray<string> | undefined => {
  const parts: Array<string> = []
  let current = ""
  let quoted = false
  let wasQuoted = false
  for (const char of keyPath) {
    if (char === "\"") {
      quoted = !quoted
      wasQuoted = true
    } else if (char === "." && !quoted) {
      parts.push(current)
      if (current.length === 0 && !wasQuoted) return undefined
      current = ""
      wasQuoted = false
    } else {
      current += char
    }
  }
  if (current.length === 0 && !wasQuoted) return undefined
  parts.push(current)
  return parts
}

export class ConfigWriter extends Context.Service<ConfigWriter, {
  /** Makes the edits; answers the file's path and its new version. Only the whole result is validated. */
  readonly write: (write: ConfigWrite) => Effect.Effect<{ readonly filePath: string; readonly version: string }, ConfigWriteError>
}>()("codex-effect/ConfigWriter") {
  static readonly layer = Layer.effect(ConfigWriter, Effect.gen(function*() {
    const config = yield* Config
    const path = join(config.codexHome, "config.toml")
    const fail = (reason: ConfigWriteError["reason"], message: string) => Effect.fail(new ConfigWriteError({ reason, message }))
    const invalid = (error: unknown) =>
      new ConfigWriteError({ reason: "configValidationError", message: error instanceof TomlValueError ? error.message : `Invalid configuration: ${String(error)}` })

    const write = Effect.fn("ConfigWriter.write")(function*(write: ConfigWrite) {
      const paths: Array<ReadonlyArray<string>> = []
      for (const edit of write.edits) {
        if (edit.keyPath.length === 0) return yield* fail("configValidationError", "keyPath must not be empty")
        const segments = splitKeyPath(edit.keyPath)
        if (segments === undefined) return yield* fail("configValidationError", "keyPath segments must not be empty")
        // No config key has these names, and as object keys they would reach prototypes, not the document.
        const reserved = segments.find((segment) => RESERVED_SEGMENTS.has(segment))
        if (reserved !== undefined) return yield* fail("configValidationError", `keyPath segment \`${reserved}\` is not a config key`)
        paths.push(segments)
      }
      if (write.filePath !== undefined && write.filePath !== path) {
        return yield* fail("configLayerReadonly", "Only writes to the user config are allowed")
      }
      const text = yield* Effect.try({
        try: () => readFileSync(path, "utf8"),
        catch: (error) => error as NodeJS.ErrnoException
      }).pipe(Effect.catch((error) => (error.code === "ENOENT" ? Effect.succeed("") : fail("writeFailed", `cannot read ${path}: ${error.message}`))))
      const table = yield* Effect.try({
        try: () => parse(text),
        catch: (error) => new ConfigWriteError({ reason: "configUnreadable", message: `failed to load configuration: ${path}: ${String(error)}` })
      })
      if (write.expectedVersion !== undefined && write.expectedVersion !== configVersion(table)) {
        return yield* fail("configVersionConflict", "Configuration was modified since last read. Fetch latest version and retry.")
      }
      const rendered = yield* Effect.try({
        try: () => write.edits.reduce((edited, edit, index) => writeTomlValue(edited, paths[index]!, edit.value, edit.mergeStrategy), text),
        catch: invalid
      })
      const reread = parse(rendered)
      const checked = resolveConfig(reread, {}, { codexHome: config.codexHome, processCwd: config.base.cwd, env: {} })
      if (Result.isFailure(checked)) return yield* fail("configValidationError", `Invalid configuration: ${checked.failure}`)
      if (rendered !== text) {
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
      }
      return { filePath: path, version: configVersion(reread) }
    })
    return ConfigWriter.of({ write })
  }))
}
