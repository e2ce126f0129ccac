/**
 * Configuration: `CODEX_HOME` (env, else `~/.codex`), `config.toml`, the startup `-c` overrides and
 * per-request overrides. Unlike the reference, the startup `-c` overrides apply to every conversation
 * too: `codex-effect mcp -c model=o3` means every conversation uses o3 unless a request says otherwise.
 * config.toml is read again for each new conversation, so edits apply without a restart.
 */
import { readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer, Result, Schema } from "effect"
import { parse, TomlError, type TomlTable } from "smol-toml"
import { applyOverride, type Override, overridesFromJson, parseCliOverride } from "../config/Overrides.js"
import { resolveConfig } from "../config/ResolveConfig.js"
import type { ConversationOverrides, ResolvedConfig } from "../config/ResolvedConfig.js"

/** A config problem a user can act on: the message names the file and line, or the override. */
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

export const resolveCodexHome = (env: Readonly<Record<string, string | undefined>>) =>
  env.CODEX_HOME !== undefined && env.CODEX_HOME !== "" ? env.CODEX_HOME : join(homedir(), ".codex")

const readConfigToml = (path: string): Result.Result<TomlTable, ConfigError> => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return Result.succeed({})
    return Result.fail(new ConfigError({ message: `error loading config: ${path}: ${String(error)}` }))
  }
  try {
    return Result.succeed(parse(text))
  } catch (error) {
    const where = error instanceof TomlError ? `${path}:${error.line}:${error.column}` : path
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error)
    return Result.fail(new ConfigError({ message: `error loading config: ${where}: ${reason}` }))
  }
}

export class Config extends Context.Service<Config, {
  readonly codexHome: string
  /** config.toml with the startup overrides: what auth and defaults read. */
  readonly base: ResolvedConfig
  /** Reads config.toml again and applies the startup overrides, then this request's overrides. */
  readonly load: (overrides: ConversationOverrides) => Effect.Effect<ResolvedConfig, ConfigError>
}>()("codex-effect/Config") {
  static readonly layer = (options: ConfigOptions = {}) =>
    Layer.effect(Config, Effect.gen(function*() {
      const env = options.env ?? process.env
      const codexHome = options.codexHome ?? resolveCodexHome(env)
      const configPath = join(codexHome, "config.toml")
      const startup: Array<Override> = []
      for (const text of options.cliOverrides ?? []) {
        const parsed = parseCliOverride(text)
        if (parsed._tag === "Failure") {
          return yield* new ConfigError({ message: `error parsing -c overrides: ${parsed.failure}` })
        }
        startup.push(parsed.success)
      }
      const context = { codexHome, processCwd: options.cwd ?? process.cwd(), env }

      const load = (overrides: ConversationOverrides) =>
        Effect.gen(function*() {
          let table = yield* Effect.fromResult(readConfigToml(configPath))
          for (const override of startup) table = applyOverride(table, override)
          for (const override of overridesFromJson(overrides.config ?? {})) table = applyOverride(table, override)
          return yield* Effect.fromResult(resolveConfig(table, overrides, context)).pipe(
            Effect.mapError((message) => new ConfigError({ message }))
          )
        })

      const base = yield* load({})
      return Config.of({ codexHome, base, load })
    }))
}
