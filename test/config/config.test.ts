/**
 * Configuration (wire §16): `-c` parsing, dotted paths, JSON→TOML, the precedence of typed
 * overrides / profile / top level / defaults, providers, and errors that name the file and line.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { applyOverride, jsonToToml, overridesFromJson, parseCliOverride } from "../../src/config/Overrides.js"
import type { ConversationOverrides } from "../../src/config/ResolvedConfig.js"
import { Config, type ConfigOptions } from "../../src/services/Config.js"

const home = (toml?: string) => {
  const dir = mkdtempSync(join(tmpdir(), "codex-config-"))
  if (toml !== undefined) writeFileSync(join(dir, "config.toml"), toml)
  return dir
}

const load = (toml: string | undefined, overrides: ConversationOverrides = {}, options: Partial<ConfigOptions> = {}) =>
  Effect.gen(function*() {
    const config = yield* Config
    return yield* config.load(overrides)
  }).pipe(Effect.provide(Config.layer({ codexHome: home(toml), cwd: "/work/here", env: {}, ...options })))

describe("-c key=value", () => {
  it.each([
    ["model=o3", ["model"], "o3"],
    ["model=\"o3\"", ["model"], "o3"],
    ["model='o3'", ["model"], "o3"],
    ["sandbox_workspace_write.network_access=true", ["sandbox_workspace_write", "network_access"], true],
    ["project_doc_max_bytes=1024", ["project_doc_max_bytes"], 1024],
    ["writable = [\"/a\", \"/b\"]", ["writable"], ["/a", "/b"]],
    [" spaced = value with spaces ", ["spaced"], "value with spaces"],
    ["a.b.c={x = 1}", ["a", "b", "c"], { x: 1 }]
  ] as const)("parses %s", (text, path, value) => {
    const parsed = parseCliOverride(text)
    assert.isTrue(Result.isSuccess(parsed))
    assert.deepStrictEqual<unknown>(Result.getOrThrow(parsed), { path, value })
  })

  it.each(["no-equals", "=value", "  = value"])("rejects %s", (text) => {
    assert.isTrue(Result.isFailure(parseCliOverride(text)))
  })

  it("sets dotted paths, creating and replacing intermediate tables", () => {
    const table = { a: 1, keep: { x: 1 } }
    assert.deepStrictEqual(applyOverride(table, { path: ["a", "b"], value: 2 }), { a: { b: 2 }, keep: { x: 1 } })
    assert.deepStrictEqual(applyOverride(table, { path: ["keep", "y"], value: 2 }), { a: 1, keep: { x: 1, y: 2 } })
    assert.deepStrictEqual(table, { a: 1, keep: { x: 1 } })
  })
})

describe("JSON → TOML", () => {
  it.each([
    [null, ""],
    [true, true],
    [42, 42],
    [1.5, 1.5],
    ["text", "text"],
    [[1, null, "x"], [1, "", "x"]],
    [{ nested: { deep: [true] } }, { nested: { deep: [true] } }]
  ] as const)("converts %j", (json, toml) => {
    assert.deepStrictEqual<unknown>(jsonToToml(json), toml)
  })

  it("treats config map keys as dotted paths", () => {
    assert.deepStrictEqual(overridesFromJson({ "profiles.fast.model": "o4-mini" }), [
      { path: ["profiles", "fast", "model"], value: "o4-mini" }
    ])
  })
})

describe("precedence", () => {
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

  it.effect("uses defaults when nothing is configured", () =>
    Effect.gen(function*() {
      const config = yield* load(undefined)
      assert.strictEqual(config.model, "gpt-5")
      assert.strictEqual(config.approvalPolicy, "on-request")
      assert.strictEqual(config.sandboxMode, "read-only")
      assert.strictEqual(config.modelProviderId, "openai")
      assert.strictEqual(config.cwd, "/work/here")
      assert.strictEqual(config.projectDocMaxBytes, 32 * 1024)
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

describe("providers", () => {
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
      const error = yield* load("model_provider = \"ghost\"").pipe(Effect.flip)
      assert.include(error.message, "ghost")
    }))
})

describe("errors", () => {
  it.effect("a TOML syntax error names the file and line", () =>
    Effect.gen(function*() {
      const codexHome = home("model = \"o3\"\n\napproval_policy = = \n")
      const error = yield* Effect.gen(function*() {
        return yield* Config
      }).pipe(Effect.provide(Config.layer({ codexHome, env: {} })), Effect.flip)
      assert.include(error.message, `${join(codexHome, "config.toml")}:3:`)
      assert.strictEqual(error.exitCode, 2)
    }))

  it.effect("a value of the wrong type names the key", () =>
    Effect.gen(function*() {
      const error = yield* load("approval_policy = 3").pipe(Effect.flip)
      assert.include(error.message, "approval_policy")
    }))

  it.effect("a bad -c override is named", () =>
    Effect.gen(function*() {
      const error = yield* load(undefined, {}, { cliOverrides: ["oops"] }).pipe(Effect.flip)
      assert.include(error.message, "error parsing -c overrides")
    }))
})
