/**
 * A config.toml shared with the official Codex CLI: keys this server does not read (ignored, or
 * suggested when they look like a typo of ours), values only the Codex CLI knows (mapped to the
 * nearest supported one), and the lines that warnings and errors point at.
 */
import { assert, describe, it } from "@effect/vitest"
import { parse } from "smol-toml"
import { mapCodexCliValues } from "../../src/config/CodexCliValues.js"
import { configWarnings, describeOrigin } from "../../src/config/ConfigOrigins.js"
import { ConfigToml } from "../../src/config/ResolveConfig.js"
import { tomlLocations } from "../../src/config/TomlLocations.js"
import { nearestKey, unknownKeys } from "../../src/config/UnknownKeys.js"

const TOML = [
  "model = \"o3\"", //                          1
  "aproval_policy = \"never\"", //              2
  "file_opener = \"vscode\"", //               3
  "tui.theme = \"dark\"", //                    4
  "description = \"\"\"", //                    5
  "[not_a_table]", //                           6 (inside a multi-line string)
  "\"\"\"", //                                  7
  "", //                                        8
  "[profiles.fast]", //                         9
  "modle = \"o4-mini\"", //                     10
  "model_reasoning_effort = \"xhigh\"", //      11
  "", //                                        12
  "[model_providers.\"my.host\"]", //           13
  "base_url = \"http://h/v1\"", //              14
  "wire_apl = \"chat\"" //                      15
].join("\n")

describe("unknown keys", () => {
  it("finds them at every level, suggesting our key for a likely typo and nothing for Codex CLI keys", () => {
    assert.deepStrictEqual(unknownKeys(ConfigToml, parse(TOML)), [
      { path: ["aproval_policy"], suggestion: "approval_policy" },
      { path: ["file_opener"], suggestion: undefined },
      { path: ["tui"], suggestion: undefined },
      { path: ["description"], suggestion: undefined },
      { path: ["profiles", "fast", "modle"], suggestion: "model" },
      { path: ["model_providers", "my.host", "wire_apl"], suggestion: "wire_api" }
    ])
  })

  it.each([
    ["sandbox_mod", "sandbox_mode"],
    ["Model", "model"],
    ["mdl", undefined],
    ["profile_x", "profile"],
    ["colour", undefined]
  ] as const)("nearestKey(%s) = %s", (key, expected) => {
    assert.strictEqual(nearestKey(key, ["model", "sandbox_mode", "profile", "approval_policy"]), expected)
  })
})

describe("lines", () => {
  const locations = tomlLocations(TOML)
  it.each([
    [["aproval_policy"], 2],
    [["tui"], 4],
    [["tui", "theme"], 4],
    [["profiles", "fast"], 9],
    [["profiles", "fast", "modle"], 10],
    [["model_providers", "my.host", "wire_apl"], 15],
    [["profiles", "fast", "missing"], 9],
    [["not_a_table"], undefined]
  ] as const)("%j is on line %s", (path, line) => {
    assert.strictEqual(locations.lineOf(path), line)
  })
})

describe("lines of tables only named in a sub-table's header", () => {
  const locations = tomlLocations(["model = \"o3\"", "[permissions.dev]", "x = 1", "[[hooks.PreToolUse]]", "matcher = \"y\""].join("\n"))
  it.each([
    [["permissions"], 2],
    [["permissions", "dev"], 2],
    [["hooks"], 4],
    [["hooks", "PreToolUse", "matcher"], 5]
  ] as const)("%j is on line %s", (path, line) => {
    assert.strictEqual(locations.lineOf(path), line)
  })
})

describe("warnings", () => {
  it("name the file and line of each typo, and list every other ignored key once", () => {
    const file = { path: "/h/config.toml", table: parse(TOML), locations: tomlLocations(TOML) }
    assert.deepStrictEqual(configWarnings(file.table, describeOrigin(file, [], [])), [
      "/h/config.toml:2: unknown config key `aproval_policy` is ignored; did you mean `approval_policy`?",
      "/h/config.toml:10: unknown config key `profiles.fast.modle` is ignored; did you mean `profiles.fast.model`?",
      "/h/config.toml:15: unknown config key `model_providers.\"my.host\".wire_apl` is ignored; did you mean `model_providers.\"my.host\".wire_api`?",
      "ignoring config keys codex-effect does not use: `file_opener` (/h/config.toml:3), `tui` (/h/config.toml:4), `description` (/h/config.toml:5)"
    ])
  })

  it("blame a -c override or the request for what they set", () => {
    const file = { path: "/h/config.toml", table: {}, locations: undefined }
    const originOf = describeOrigin(file, [{ path: ["tui"], value: {} }], [{ path: ["modle"], value: "x" }])
    assert.deepStrictEqual(configWarnings({ tui: {}, modle: "x" }, originOf), [
      "the request's config: unknown config key `modle` is ignored; did you mean `model`?",
      "ignoring config keys codex-effect does not use: `tui` (-c override)"
    ])
  })
})

describe("Codex CLI values", () => {
  it("map a granular approval policy to on-request, at the top and in profiles", () => {
    const granular = { granular: { sandbox_approval: true, rules: false } }
    const { table, replaced } = mapCodexCliValues({
      approval_policy: granular,
      profiles: { fast: { approval_policy: granular }, slow: { approval_policy: "never" } }
    })
    assert.deepStrictEqual(table, {
      approval_policy: "on-request",
      profiles: { fast: { approval_policy: "on-request" }, slow: { approval_policy: "never" } }
    })
    assert.deepStrictEqual(replaced, [
      { path: ["approval_policy"], from: "{ granular = … }", to: "on-request" },
      { path: ["profiles", "fast", "approval_policy"], from: "{ granular = … }", to: "on-request" }
    ])
  })

  it("leave a table without such values untouched", () => {
    const table = { approval_policy: "never", model_reasoning_effort: "xhigh" }
    assert.strictEqual(mapCodexCliValues(table).table, table)
  })
})
