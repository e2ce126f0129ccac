/**
 * The Config service over real CODEX_HOME directories: config.toml read per load,
 * startup `-c` < request `config` map < typed overrides, errors that name the file and line or
 * the override, CODEX_HOME resolution, and the disk-free `layerTest`.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { ConversationOverrides } from "../../src/config/ResolvedConfig.js"
import { Config, type ConfigError, type ConfigOptions, resolveCodexHome } from "../../src/services/Config.js"
import { makeTempDir } from "../support/TempDirs.js"

/** A fresh CODEX_HOME, with a config.toml when `toml` is given. */
const home = (toml?: string) => {
  const dir = makeTempDir("codex-config-")
  if (toml !== undefined) writeFileSync(join(dir, "config.toml"), toml)
  return dir
}

const service = (layer: Layer.Layer<Config, ConfigError>) => Effect.service(Config).pipe(Effect.provide(layer))

const load = (toml: string | undefined, overrides: ConversationOverrides = {}, options: Partial<ConfigOptions> = {}) =>
  Effect.flatMap(
    service(Config.layer({ codexHome: home(toml), cwd: "/work/here", env: {}, ...options })),
    (config) => config.load(overrides)
  )

describe("precedence through config.toml", () => {
  const toml = [
    "model = \"top\"",
    "approval_policy = \"never\"",
    "profile = \"default-profile\"",
    "[profiles.default-profile]",
    "model = \"from-default-profile\"",
    "[profiles.fast]",
    "model = \"from-fast\"",
    "approval_policy = \"on-failure\""
  ].join("\n")

  it.effect("uses defaults when there is no config.toml", () =>
    Effect.gen(function*() {
      const config = yield* load(undefined)
      assert.strictEqual(config.model, "gpt-5")
      assert.strictEqual(config.approvalPolicy, "on-request")
      assert.strictEqual(config.sandboxMode, "read-only")
      assert.strictEqual(config.modelProviderId, "openai")
      assert.strictEqual(config.cwd, "/work/here")
      assert.strictEqual(config.projectDocMaxBytes, 32 * 1024)
      assert.deepStrictEqual(config.raw, {})
    }))

  it.effect("profile beats top level; the selected profile comes from `profile` unless overridden", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* load(toml)).model, "from-default-profile")
      assert.strictEqual((yield* load(toml)).approvalPolicy, "never")
      const fast = yield* load(toml, { profile: "fast" })
      assert.strictEqual(fast.model, "from-fast")
      assert.strictEqual(fast.approvalPolicy, "on-failure")
    }))

  it.effect("typed override beats the config map, which beats -c, which beats config.toml", () =>
    Effect.gen(function*() {
      const cli = { cliOverrides: ["profiles.default-profile.model=from-cli"] }
      assert.strictEqual((yield* load(toml, {}, cli)).model, "from-cli")
      const map = yield* load(toml, { config: { "profiles.default-profile.model": "from-map" } }, cli)
      assert.strictEqual(map.model, "from-map")
      const typed = yield* load(toml, { model: "typed", config: { model: "map" } }, cli)
      assert.strictEqual(typed.model, "typed")
    }))

  it.effect("-c and the config map can switch the profile and reach any key", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* load(toml, {}, { cliOverrides: ["profile=fast"] })).model, "from-fast")
      const mapped = yield* load(toml, { config: { profile: "fast", "sandbox_workspace_write.network_access": true } })
      assert.strictEqual(mapped.model, "from-fast")
      assert.isTrue(mapped.sandboxWorkspaceWrite.networkAccess)
      assert.deepStrictEqual<unknown>(mapped.raw["sandbox_workspace_write"], { network_access: true })
    }))

  it.effect("resolves a relative cwd against the process cwd", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* load(undefined, { cwd: "sub/dir" })).cwd, "/work/here/sub/dir")
      assert.strictEqual((yield* load(undefined, { cwd: "/abs" })).cwd, "/abs")
    }))

  it.effect("names an unknown profile", () =>
    Effect.gen(function*() {
      const error = yield* load(toml, { profile: "nope" }).pipe(Effect.flip)
      assert.strictEqual(error.message, "config profile `nope` not found")
    }))
})

describe("the service", () => {
  it.effect("base carries the startup -c overrides, and so does every load", () =>
    Effect.gen(function*() {
      const config = yield* service(Config.layer({ codexHome: home("model = \"file\""), env: {}, cliOverrides: ["model=o3"] }))
      assert.strictEqual(config.base.model, "o3")
      assert.strictEqual((yield* config.load({})).model, "o3")
      assert.strictEqual((yield* config.load({ config: { model: "per-request" } })).model, "per-request")
    }))

  it.effect("reads config.toml again on every load", () =>
    Effect.gen(function*() {
      const codexHome = home("model = \"before\"")
      const config = yield* service(Config.layer({ codexHome, env: {} }))
      writeFileSync(join(codexHome, "config.toml"), "model = \"after\"")
      assert.strictEqual(config.base.model, "before")
      assert.strictEqual((yield* config.load({})).model, "after")
      writeFileSync(join(codexHome, "config.toml"), "model = [")
      const error = yield* config.load({}).pipe(Effect.flip)
      assert.include(error.message, join(codexHome, "config.toml"))
    }))

  it.effect("takes the providers' environment from the env option", () =>
    Effect.gen(function*() {
      const config = yield* load("model_provider = \"oss\"", {}, { env: { CODEX_OSS_PORT: "9999" } })
      assert.strictEqual(config.modelProvider.baseUrl, "http://localhost:9999/v1")
    }))

  it.effect("has the built-ins, adds user providers with defaults, and never lets a user entry replace a built-in", () =>
    Effect.gen(function*() {
      const toml = [
        "model_provider = \"mine\"",
        "[model_providers.mine]",
        "base_url = \"http://127.0.0.1:9/v1\"",
        "env_key = \"MINE_KEY\"",
        "[model_providers.openai]",
        "base_url = \"http://evil.example/v1\""
      ].join("\n")
      const config = yield* load(toml)
      assert.deepInclude(config.modelProvider, {
        id: "mine",
        baseUrl: "http://127.0.0.1:9/v1",
        envKey: "MINE_KEY",
        wireApi: "chat",
        requestMaxRetries: 4,
        streamMaxRetries: 5,
        streamIdleTimeoutMs: 300_000
      })
      const openai = yield* load("model_provider = \"openai\"\n[model_providers.openai]\nbase_url = \"http://evil.example/v1\"")
      assert.strictEqual(openai.modelProvider.baseUrl, undefined)
      assert.strictEqual(openai.modelProvider.wireApi, "responses")
      const oss = yield* load("model_provider = \"oss\"")
      assert.strictEqual(oss.modelProvider.baseUrl, "http://localhost:11434/v1")
    }))

  it.effect("names an unknown provider", () =>
    Effect.gen(function*() {
      const codexHome = home("model_provider = \"ghost\"")
      const error = yield* service(Config.layer({ codexHome, env: {} })).pipe(Effect.flatMap((config) => config.load({})), Effect.flip)
      assert.strictEqual(error.message, `${join(codexHome, "config.toml")}:1: Model provider \`ghost\` not found`)
    }))
})

describe("CODEX_HOME", () => {
  it.effect("comes from the option, else a non-empty $CODEX_HOME, else ~/.codex", () =>
    Effect.gen(function*() {
      const fromEnv = home("model = \"from-env-home\"")
      const config = yield* service(Config.layer({ env: { CODEX_HOME: fromEnv } }))
      assert.strictEqual(config.codexHome, fromEnv)
      assert.strictEqual(config.base.model, "from-env-home")
      const option = home()
      assert.strictEqual((yield* service(Config.layer({ codexHome: option, env: { CODEX_HOME: fromEnv } }))).codexHome, option)
      assert.strictEqual(resolveCodexHome({ CODEX_HOME: "" }), join(homedir(), ".codex"))
      assert.strictEqual(resolveCodexHome({}), join(homedir(), ".codex"))
      assert.strictEqual(resolveCodexHome({ CODEX_HOME: "relative/home" }), resolve("relative/home"))
    }))
})

describe("errors a user can act on", () => {
  it.effect("a TOML syntax error does not fail the layer: base is the defaults, and every load names the file, line and column", () =>
    Effect.gen(function*() {
      const codexHome = home("model = \"o3\"\n\napproval_policy = = \n")
      const config = yield* service(Config.layer({ codexHome, env: {}, cliOverrides: ["model=from-cli"] }))
      const message = `error loading config: ${join(codexHome, "config.toml")}:3:19: Invalid TOML document: invalid value`
      assert.strictEqual(config.startupError?.message, message)
      assert.strictEqual(config.base.model, "from-cli")
      const error = yield* config.load({}).pipe(Effect.flip)
      assert.deepInclude(error, { _tag: "ConfigError", message, source: "config" })
      writeFileSync(join(codexHome, "config.toml"), "model = \"fixed\"")
      assert.strictEqual((yield* config.load({ config: { model: "fixed" } })).model, "fixed")
    }))

  it.effect("an unreadable config.toml names the file on every load", () =>
    Effect.gen(function*() {
      const codexHome = home()
      mkdirSync(join(codexHome, "config.toml"))
      const config = yield* service(Config.layer({ codexHome, env: {} }))
      const error = yield* config.load({}).pipe(Effect.flip)
      assert.match(error.message, new RegExp(`^error loading config: ${join(codexHome, "config.toml")}: is a directory`))
    }))

  it.effect("a FIFO as config.toml is refused at once, not waited on", () =>
    Effect.gen(function*() {
      const codexHome = home()
      execFileSync("mkfifo", [join(codexHome, "config.toml")])
      const config = yield* service(Config.layer({ codexHome, env: {} }))
      const error = yield* config.load({}).pipe(Effect.flip)
      assert.match(error.message, /config\.toml: not a regular file \(a FIFO\)$/)
    }))

  it.effect("a wrong value names the file and line it is on; the request is blamed only for what it set", () =>
    Effect.gen(function*() {
      const codexHome = home("model = \"o3\"\n\n[profiles.p]\napproval_policy = \"nevr\"\n")
      const config = yield* service(Config.layer({ codexHome, env: {} }))
      const fromFile = yield* config.load({ profile: "p" }).pipe(Effect.flip)
      assert.strictEqual(
        fromFile.message,
        `invalid config: ${join(codexHome, "config.toml")}:4: profiles.p.approval_policy: Expected "untrusted" | "on-failure" | "on-request" | "never"`
      )
      assert.strictEqual(fromFile.source, "config")
      const fromRequest = yield* load("model = \"o3\"", { config: { sandbox_mode: "wide-open" } }).pipe(Effect.flip)
      assert.match(fromRequest.message, /^invalid config: the request's config: sandbox_mode: Expected/)
      assert.strictEqual(fromRequest.source, "request")
    }))

  it.effect("a value of the wrong type names the key, from the file or from -c", () =>
    Effect.gen(function*() {
      const fromFile = yield* load("approval_policy = 3").pipe(Effect.flip)
      assert.include(fromFile.message, "approval_policy")
      const fromCli = yield* load(undefined, {}, { cliOverrides: ["profiles.p.model=3"] }).pipe(Effect.flip)
      assert.strictEqual(fromCli.message, "invalid config: -c override: profiles.p.model: Expected string")
    }))

  it.effect.each([
    ["oops", "error parsing -c overrides: oops: expected key=value (missing '=')"],
    ["=o3", "error parsing -c overrides: =o3: empty key"]
  ])("a bad -c override %s is named", ([text, message]) =>
    Effect.gen(function*() {
      const error = yield* load(undefined, {}, { cliOverrides: ["model=fine", text] }).pipe(Effect.flip)
      assert.strictEqual(error.message, message)
    }))
})

describe("layerTest", () => {
  it.effect("stands a table in for config.toml and removes its temp CODEX_HOME", () =>
    Effect.gen(function*() {
      const layer = Config.layerTest({
        toml: { model: "scripted", model_provider: "oss", profiles: { p: { model: "profiled" } } },
        cwd: "/work/test",
        cliOverrides: ["approval_policy=never"]
      })
      const codexHome = yield* Effect.gen(function*() {
        const config = yield* Config
        assert.isTrue(existsSync(config.codexHome))
        assert.deepInclude(config.base, { model: "scripted", cwd: "/work/test", approvalPolicy: "never" })
        assert.strictEqual(config.base.modelProvider.baseUrl, "http://localhost:11434/v1")
        assert.strictEqual((yield* config.load({ profile: "p" })).model, "profiled")
        assert.strictEqual((yield* config.load({ model: "typed", config: { model: "map" } })).model, "typed")
        return config.codexHome
      }).pipe(Effect.provide(layer))
      assert.isFalse(existsSync(codexHome))
    }))
})
