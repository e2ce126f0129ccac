/**
 * Configuration: `CODEX_HOME` (option, else env, else `~/.codex`), `config.toml`, the selected profile
 * (a `[profiles.<name>]` table, else `$CODEX_HOME/<name>.config.toml`), the startup `-c` overrides and
 * per-request overrides, which win over the profile. Unlike the reference, the startup `-c` overrides
 * apply to every conversation too: `codex-effect mcp -c model=o3` means every conversation uses o3
 * unless a request says otherwise. config.toml is read again for each new conversation, so edits
 * apply without a restart.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Context, Effect, Layer, Result, Schema } from "effect"
import { parse, TomlError, type TomlTable } from "smol-toml"
import { mapCodexCliValues } from "../config/CodexCliValues.js"
import { at, type ConfigFile, configWarnings, describeOrigin } from "../config/ConfigOrigins.js"
import { applyOverrides, type Override, overridesFromJson, parseCliOverride } from "../config/Overrides.js"
import { type ResolveContext, resolveConfig } from "../config/ResolveConfig.js"
import { ProcessEnvironment } from "./ProcessEnvironment.js"
import { realPathAsFarAsExists } from "../files/RealPaths.js"
import { readUntrustedFileSync } from "../files/UntrustedFile.js"
import type { ConversationOverrides, ResolvedConfig } from "../config/ResolvedConfig.js"
import { tomlLocations } from "../config/TomlLocations.js"
import { hasProfileTable, mergeTables, overridesIntoProfile, profileFilePath, selectedProfile } from "../config/ProfileLayer.js"

/**
 * A config problem a user can act on: the message names the file and line, the override, or the key.
 * `source` says whose fault it is: the server's config (config.toml, `-c`) or the request's overrides.
 */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String,
  source: Schema.optionalKey(Schema.Literals(["config", "request"]))
}) {
  /** `codex-effect` exits with this code when a startup `-c` override is broken. */
  readonly exitCode = 2
}

export interface ConfigOptions {
  /** `-c key=value` overrides, in order. */
  readonly cliOverrides?: ReadonlyArray<string>
  /** Defaults to `$CODEX_HOME`, else `~/.codex`. */
  readonly codexHome?: string
  /** Defaults to the process cwd. */
  readonly cwd?: string
  /** Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * `path` with symlinks resolved as far as it exists. CODEX_HOME is read by this path for the server's
 * whole life: a symlink on the way could be swapped by a command that can write where it lives,
 * the directories themselves cannot (see `CodexHomeMask`).
 */
export const realCodexHome = (path: string): string => realPathAsFarAsExists(resolve(path))

/** `$CODEX_HOME` when set and non-empty, else `~/.codex`, as a real path (see `realCodexHome`); neither need exist. */
export const resolveCodexHome = (env: Readonly<Record<string, string | undefined>>) =>
  realCodexHome(env.CODEX_HOME !== undefined && env.CODEX_HOME !== "" ? env.CODEX_HOME : join(homedir(), ".codex"))

/** A config.toml is a few KiB; the cap keeps a FIFO or a huge file there from stalling every new conversation. */
const CONFIG_TOML_MAX_BYTES = 4 * 1024 * 1024

/** config.toml as a table, and where each key is written; a missing file is an empty table. */
const readConfigFile = (path: string): Result.Result<ConfigFile, ConfigError> => {
  const bytes = readUntrustedFileSync(path, { maxBytes: CONFIG_TOML_MAX_BYTES })
  if (!Buffer.isBuffer(bytes)) {
    if (bytes.problem === "missing") return Result.succeed({ path, table: {}, locations: undefined })
    return Result.fail(new ConfigError({ message: `error loading config: ${path}: ${bytes.reason}`, source: "config" }))
  }
  const text = bytes.toString("utf8")
  try {
    return Result.succeed({ path, table: parse(text), locations: tomlLocations(text) })
  } catch (error) {
    const where = error instanceof TomlError ? `${path}:${error.line}:${error.column}` : path
    // smol-toml's message goes on with a code excerpt; its first line is the reason.
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error)
    return Result.fail(new ConfigError({ message: `error loading config: ${where}: ${reason}`, source: "config" }))
  }
}

/** The startup `-c` overrides, or an error naming the first bad one. */
const parseCliOverrides = (texts: ReadonlyArray<string>): Result.Result<ReadonlyArray<Override>, ConfigError> => {
  const parsed: Array<Override> = []
  for (const text of texts) {
    const override = parseCliOverride(text)
    if (Result.isFailure(override)) {
      return Result.fail(new ConfigError({ message: `error parsing -c overrides: ${text}: ${override.failure}`, source: "config" }))
    }
    parsed.push(override.success)
  }
  return Result.succeed(parsed)
}

export class Config extends Context.Service<Config, {
  readonly codexHome: string
  /**
   * config.toml with the startup overrides: what auth and defaults read. When config.toml cannot be
   * used (bad TOML, a bad value), the defaults with the startup overrides, and `startupError` says why.
   */
  readonly base: ResolvedConfig
  /** Why config.toml could not be used at startup; every `load` fails with it until the file is fixed. */
  readonly startupError: ConfigError | undefined
  /** Reads config.toml again and applies the startup overrides, then this request's overrides. */
  readonly load: (overrides: ConversationOverrides) => Effect.Effect<ResolvedConfig, ConfigError>
}>()("codex-effect/Config") {
  /**
   * Reads `$CODEX_HOME/config.toml`. A broken file does not fail the layer (the server must still start
   * and report it per request); a broken `-c` override does, with `ConfigError`.
   */
  static readonly layer = (options: ConfigOptions = {}) =>
    Layer.effect(Config, Effect.gen(function*() {
      const env = options.env ?? (yield* ProcessEnvironment)
      const codexHome = options.codexHome !== undefined ? realCodexHome(options.codexHome) : resolveCodexHome(env)
      const configPath = join(codexHome, "config.toml")
      return yield* make(() => readConfigFile(configPath), options, { codexHome, processCwd: resolve(options.cwd ?? "."), env })
    }))

  /**
   * A Config without config.toml: `toml` stands in for the file (default empty), and CODEX_HOME is
   * a temp dir removed with the layer unless one is given. `env` defaults to empty, so the host's
   * variables do not leak in.
   */
  static readonly layerTest = (options: ConfigOptions & { readonly toml?: TomlTable } = {}) =>
    Layer.effect(Config, Effect.gen(function*() {
      const codexHome = options.codexHome ?? (yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "codex-effect-home-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      ))
      const context = { codexHome, processCwd: resolve(options.cwd ?? "."), env: options.env ?? {} }
      return yield* make(() => Result.succeed({ path: "config.toml", table: options.toml ?? {}, locations: undefined }), options, context)
    }))
}

const MAX_REMEMBERED_WARNINGS = 1_000

/** `$CODEX_HOME/<profile>.config.toml`; it exists (the caller checked), so a missing file is an error too. */
const readProfileFile = (path: string): Result.Result<ConfigFile, ConfigError> =>
  Result.flatMap(readConfigFile(path), (file) =>
    file.locations === undefined
      ? Result.fail(new ConfigError({ message: `error loading config: ${path}: the profile file disappeared`, source: "config" }))
      : Result.succeed(file))

/** With a profile file layered in, the `profile` key has done its job: it names no `[profiles]` table. */
const withoutProfileKey = (table: TomlTable): TomlTable => {
  const { profile: _, ...rest } = table
  return rest
}
const withoutProfileOverride = (overrides: ReadonlyArray<Override>, profileFile: ConfigFile | undefined) =>
  profileFile === undefined ? overrides : overrides.filter((override) => !(override.path.length === 1 && override.path[0] === "profile"))
const withoutProfile = (overrides: ConversationOverrides): ConversationOverrides => {
  const { profile: _, ...rest } = overrides
  return rest
}

/** Both layers: parses the startup overrides once, then resolves `base` through `load`. */
const make = Effect.fnUntraced(function*(
  readFile: () => Result.Result<ConfigFile, ConfigError>,
  options: ConfigOptions,
  context: ResolveContext
) {
  const startup = yield* Effect.fromResult(parseCliOverrides(options.cliOverrides ?? []))
  const warned = new Set<string>()
  /**
   * A config is loaded for every conversation; each problem is worth one line, not one per conversation.
   * Requests can name any key, so the memory of what was said is bounded: past it, lines repeat.
   */
  const warnOnce = (message: string) =>
    Effect.suspend(() => {
      if (warned.has(message)) return Effect.void
      if (warned.size < MAX_REMEMBERED_WARNINGS) warned.add(message)
      return Effect.logWarning(message)
    })

  const load = Effect.fn("Config.load")(function*(overrides: ConversationOverrides) {
    const file = yield* Effect.fromResult(readFile())
    const requested = overridesFromJson(overrides.config ?? {})
    const profileName = selectedProfile(applyOverrides(applyOverrides(file.table, startup), requested), overrides.profile)
    // The profile as a table in config.toml, else as a file beside it; the overrides win over either.
    const inTable = profileName !== undefined && hasProfileTable(applyOverrides(file.table, startup), profileName)
    const profilePath = profileName === undefined || inTable ? undefined : profileFilePath(context.codexHome, profileName)
    const profileFile = profilePath === undefined ? undefined : yield* Effect.fromResult(readProfileFile(profilePath))
    const base = profileFile === undefined ? file.table : withoutProfileKey(mergeTables(file.table, profileFile.table))
    const fromStartup = inTable ? overridesIntoProfile(startup, profileName) : withoutProfileOverride(startup, profileFile)
    const fromRequest = inTable ? overridesIntoProfile(requested, profileName) : withoutProfileOverride(requested, profileFile)
    const typed = profileFile === undefined ? overrides : withoutProfile(overrides)
    const originOf = describeOrigin(file, fromStartup, fromRequest, profileFile)
    const merged = applyOverrides(applyOverrides(base, fromStartup), fromRequest)
    for (const warning of configWarnings(merged, originOf)) yield* warnOnce(warning)
    const { table, replaced } = mapCodexCliValues(merged)
    for (const { path, from, to } of replaced) {
      yield* warnOnce(`${at(originOf(path))}${path.join(".")} = ${from} is not supported by codex-effect; using "${to}"`)
    }
    const resolved = resolveConfig(table, typed, { ...context, originOf })
    if (Result.isSuccess(resolved)) return resolved.success
    // Whose fault: would config.toml and `-c` alone have worked?
    const withoutRequest = resolveConfig(mapCodexCliValues(applyOverrides(base, fromStartup)).table, {}, context)
    return yield* new ConfigError({ message: resolved.failure, source: Result.isSuccess(withoutRequest) ? "request" : "config" })
  })

  const first = yield* load({}).pipe(Effect.result)
  if (Result.isSuccess(first)) return Config.of({ codexHome: context.codexHome, base: first.success, startupError: undefined, load })
  // config.toml is unusable: start anyway on the defaults, unless the `-c` overrides themselves are broken.
  const defaults = resolveConfig(applyOverrides({}, startup), {}, { ...context, originOf: () => "-c override" })
  if (Result.isFailure(defaults)) return yield* new ConfigError({ message: defaults.failure, source: "config" })
  yield* Effect.logError(`${first.failure.message} (every conversation fails with this error until config.toml is fixed)`)
  return Config.of({ codexHome: context.codexHome, base: defaults.success, startupError: first.failure, load })
})
