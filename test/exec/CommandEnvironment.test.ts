/**
 * The shell environment policy: inherit, default secret excludes, exclude, set, include_only — in
 * that order — plus the network-disabled marker.
 */
import { assert, describe, it } from "@effect/vitest"
import { buildCommandEnv, type CommandEnvOptions } from "../../src/agent/exec/CommandEnvironment.js"
import type { ShellEnvironmentPolicy } from "../../src/config/ResolvedConfig.js"

const processEnv = {
  PATH: "/bin",
  HOME: "/root",
  OPENAI_API_KEY: "sk",
  MY_TOKEN: "t",
  github_secret: "s",
  FOO: "1",
  BAR: "2",
  UNSET: undefined
}
const defaults: ShellEnvironmentPolicy = { inherit: "all", ignoreDefaultExcludes: false, exclude: [], set: {}, includeOnly: [] }

describe("buildCommandEnv", () => {
  it.each<[string, Partial<ShellEnvironmentPolicy>, CommandEnvOptions, Record<string, string>]>([
    ["drops secrets by default", {}, {}, { PATH: "/bin", HOME: "/root", FOO: "1", BAR: "2" }],
    ["keeps secrets when told", { ignoreDefaultExcludes: true }, {}, {
      PATH: "/bin",
      HOME: "/root",
      OPENAI_API_KEY: "sk",
      MY_TOKEN: "t",
      github_secret: "s",
      FOO: "1",
      BAR: "2"
    }],
    ["core only, plus set", { inherit: "core", set: { X: "y" } }, {}, { PATH: "/bin", HOME: "/root", X: "y" }],
    ["none, plus set", { inherit: "none", set: { X: "y" } }, {}, { X: "y" }],
    ["exclude is a case-insensitive wildcard", { exclude: ["f*", "BA?"] }, {}, { PATH: "/bin", HOME: "/root" }],
    ["pattern punctuation is literal", { exclude: ["F.O", "PAT+"] }, {}, { PATH: "/bin", HOME: "/root", FOO: "1", BAR: "2" }],
    ["set overrides inherited values", { set: { PATH: "/opt/bin" } }, {}, { PATH: "/opt/bin", HOME: "/root", FOO: "1", BAR: "2" }],
    ["include_only runs last, after set", { set: { ZED: "z", PAGER: "cat" }, includeOnly: ["P*"] }, {}, { PATH: "/bin", PAGER: "cat" }],
    ["exclude then include_only", { exclude: ["F*"], includeOnly: ["*A*"] }, {}, { PATH: "/bin", BAR: "2" }],
    ["marks a disabled network, whatever include_only says", { inherit: "none", includeOnly: ["X"] }, { networkDisabled: true }, {
      CODEX_SANDBOX_NETWORK_DISABLED: "1"
    }]
  ])("%s", (_, policy, options, expected) => {
    assert.deepStrictEqual(buildCommandEnv({ ...defaults, ...policy }, processEnv, options), expected)
  })

  const secrets = {
    PATH: "/bin",
    DB_PASSWORD: "p",
    mysql_pwd_passwd: "p",
    AWS_CREDENTIALS_FILE: "/c",
    GOOGLE_APPLICATION_CREDENTIAL: "/g",
    CODEX_HOME: "/h",
    CODEX_HOME_OLD: "/o"
  }
  it.each<[string, Partial<ShellEnvironmentPolicy>, Record<string, string>]>([
    ["drops passwords, credentials and CODEX_HOME by default", {}, { PATH: "/bin", CODEX_HOME_OLD: "/o" }],
    ["a name spelled out in include_only comes back", { includeOnly: ["PATH", "CODEX_HOME", "db_password"] }, {
      PATH: "/bin",
      CODEX_HOME: "/h",
      DB_PASSWORD: "p"
    }],
    ["an include_only wildcard does not bring secrets back", { includeOnly: ["*"] }, { PATH: "/bin", CODEX_HOME_OLD: "/o" }],
    ["set brings a value back", { set: { CODEX_HOME: "/mine" } }, { PATH: "/bin", CODEX_HOME_OLD: "/o", CODEX_HOME: "/mine" }],
    ["ignore_default_excludes keeps them all", { ignoreDefaultExcludes: true }, secrets]
  ])("%s", (_, policy, expected) => {
    assert.deepStrictEqual(buildCommandEnv({ ...defaults, ...policy }, secrets), expected)
  })

  const token = "tok-0123456789abcdef"
  const withServerSecrets = {
    PATH: "/bin",
    DEPLOY_COLOR: token,
    HEADER: `Bearer ${token}`,
    PIN: "42",
    SHORT_COPY: "x42y",
    FOO: "1"
  }
  it.each<[string, Partial<ShellEnvironmentPolicy>, Record<string, string>]>([
    ["drops the server's secrets by value, under any name, and values holding one", {}, { PATH: "/bin", SHORT_COPY: "x42y", FOO: "1" }],
    ["ignore_default_excludes does not bring them back", { ignoreDefaultExcludes: true }, { PATH: "/bin", SHORT_COPY: "x42y", FOO: "1" }],
    ["include_only naming them does not bring them back", { includeOnly: ["DEPLOY_COLOR", "PATH"] }, { PATH: "/bin" }],
    ["set cannot give them either", { set: { MINE: token, OTHER: "ok" } }, { PATH: "/bin", SHORT_COPY: "x42y", FOO: "1", OTHER: "ok" }]
  ])("%s", (_, policy, expected) => {
    assert.deepStrictEqual(buildCommandEnv({ ...defaults, ...policy }, withServerSecrets, { secrets: [token, "42", ""] }), expected)
  })
})
