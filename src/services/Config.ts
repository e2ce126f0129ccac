/**
 * Configuration: `CODEX_HOME` (option, else env, else `~/.codex`), `config.toml`, the startup `-c`
 * overrides and per-request overrides (wire §16). Unlike the reference, the startup `-c` overrides
 * apply to every conversation too: `codex-effect mcp -c model=o3` means every conversation uses o3
 * unless a request says otherwise. config.toml is read again for each new conversation, so edits
 * apply without a restart.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Context, Effect, Layer, Result, Schema } from "effect"
import { parse, TomlError, type TomlTable } from "smol-toml"
import { applyOverrides, type Override, overridesFromJson, parseCliOverride } from "../config/Overrides.js"
import { type ResolveContext, resolveConfig } from "../config/ResolveConfig.js"
import { readUntrustedFileSync } from "../files/UntrustedFile.js"
import type { ConversationOverrides, ResolvedConfig } from "../config/ResolvedConfig.js"

/** A config problem a user can act on: the message names the file and line, the override, or the key. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String
}) {
  /** `codex-effect` exits with this code when the startup config is broken. */
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

/** `$CODEX_HOME` when set and non-empty (made absolute), else `~/.codex`; neither need exist. */
export const resolveCodexHome = (env: Readonly<Record<string, string | undefined>>) =>
  env.CODEX_HOME !== undefined && env.CODEX_HOME !== "" ? resolve(env.CODEX_HOME) : join(homedir(), ".codex")

/** A config.toml is a few KiB; the cap keeps a FIFO or a huge file there from stalling every new conversation. */
const CONFIG_TOML_MAX_BYTES = 4 * 1024 * 1024

/** config.toml as a table; a missing file is an empty table. */
const readConfigToml = (path: string): Result.Result<TomlTable, ConfigError> => {
  const bytes = readUntrustedFileSync(path, { maxBytes: CONFIG_TOML_MAX_BYTES })
  if (!Buffer.isBuffer(bytes)) {
    if (bytes.problem === "missing") return Result.succeed({})
    return Result.fail(new ConfigError({ message: `error loading config: ${path}: ${bytes.reason}` }))
  }
  try {
    return Result.succeed(parse(bytes.toString("utf8")))
  } catch (error) {
    const where = error instanceof TomlError ? `${path}:${error.line}:${error.column}` : path
    // smol-toml's message goes on with a code excerpt; its first line is the reason.
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error)
    return Result.fail(new ConfigError({ message: `error loading config: ${where}: ${reason}` }))
  }
}

/** The startup `-c` overrides, or an error naming the first bad one. */
const parseCliOverrides = (texts: ReadonlyArray<string>): Result.Result<ReadonlyArray<Override>, ConfigError> => {
  const parsed: Array<Override> = []
  for (const text of texts) {
    const override = parseCliOverride(text)
    if (Result.isFailure(override)) {
      return Result.fail(new ConfigError({ message: `error parsing -c overrides: ${text}: ${override.failure}` }))
    }
    parsed.push(override.success)
  }
  return Result.succeed(parsed)
}

export class Config extends Context.Service<Config, {
  readonly codexHome: string
  /** config.toml with the startup overrides: what auth and defaults read. */
  readonly base: ResolvedConfig
  /** Reads config.toml again and applies the startup overrides, then this request's overrides. */
  readonly load: (overrides: ConversationOverrides) => Effect.Effect<ResolvedConfig, ConfigError>
}>()("codex-effect/Config") {
  /** Reads `$CODEX_HOME/config.toml`; fails with `ConfigError` when it or a `-c` override is broken. */
  static readonly layer = (options: ConfigOptions = {}) =>
    Layer.effect(Config, Effect.suspend(() => {
      const env = options.env ?? process.env
      const codexHome = options.codexHome ?? resolveCodexHome(env)
      const configPath = join(codexHome, "config.toml")
      return make(() => readConfigToml(configPath), options, { codexHome, processCwd: resolve(options.cwd ?? "."), env })
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
      return yield* make(() => Result.succeed(options.toml ?? {}), options, context)
    }))
}

/** Both layers: parses the startup overrides once, then resolves `base` through `load`. */
const make = Effect.fnUntraced(function*(
  readTable: () => Result.Result<TomlTable, ConfigError>,
  options: ConfigOptions,
  context: ResolveContext
) {
  const startup = yield* Effect.fromResult(parseCliOverrides(options.cliOverrides ?? []))
  const load = Effect.fn("Config.load")(function*(overrides: ConversationOverrides) {
    const file = yield* Effect.fromResult(readTable())
    const table = applyOverrides(applyOverrides(file, startup), overridesFromJson(overrides.config ?? {}))
    return yield* Effect.fromResult(resolveConfig(table, overrides, context)).pipe(
      Effect.mapError((message) => new ConfigError({ message }))
    )
  })
  const base = yield* load({})
  return Config.of({ codexHome: context.codexHome, base, load })
})
