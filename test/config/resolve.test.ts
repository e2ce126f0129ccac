/**
 * Interpreting the merged TOML: defaults, the precedence
 * typed override → profile → top level → default, profiles, providers, instructions, type errors.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import type { TomlTable } from "smol-toml"
import { VERSION } from "../../src/version.js"
import { providerFromToml } from "../../src/model/ModelProviderInfo.js"
import { type ResolveContext, resolveConfig } from "../../src/config/ResolveConfig.js"
import type { ConversationOverrides, ResolvedConfig } from "../../src/config/ResolvedConfig.js"
import { makeTempDir } from "../support/TempDirs.js"

const context: ResolveContext = { codexHome: "/codex-home", processCwd: "/work/here", env: {} }

/** Test tables are plain literals, often `as const`; resolveConfig reads them like parsed TOML. */
type Table = Readonly<Record<string, unknown>>

const resolved = (table: Table, overrides: ConversationOverrides = {}, ctx = context): ResolvedConfig => {
  const result = resolveConfig(table as TomlTable, overrides, ctx)
  if (Result.isFailure(result)) throw new Error(`expected success, got: ${result.failure}`)
  return result.success
}

const failure = (table: Table, overrides: ConversationOverrides = {}): string => {
  const result = resolveConfig(table as TomlTable, overrides, context)
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure
}

const tempDir = () => makeTempDir("codex-resolve-")

describe("defaults", () => {
  it("fills every field from the reference defaults", () => {
    const { modelProvider, ...rest } = resolved({})
    assert.deepStrictEqual<unknown>(rest, {
      codexHome: "/codex-home",
      cwd: "/work/here",
      model: "gpt-5",
      modelProviderId: "openai",
      providerCredentialVariables: ["OPENAI_ORGANIZATION", "OPENAI_PROJECT"],
      approvalPolicy: "on-request",
      sandboxMode: "read-only",
      sandboxWorkspaceWrite: { writableRoots: [], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false },
      baseInstructions: undefined,
      developerInstructions: undefined,
      includePlanTool: false,
      includeApplyPatchTool: false,
      modelReasoningEffort: "medium",
      modelReasoningSummary: "auto",
      modelVerbosity: undefined,
      modelSupportsReasoningSummaries: false,
      showRawAgentReasoning: false,
      notify: undefined,
      preferredAuthMethod: "chatgpt",
      authIssuer: undefined,
      loginPort: undefined,
      mcpServers: [],
      chatgptBaseUrl: "https://chatgpt.com/backend-api/",
      projectDocMaxBytes: 32768,
      codexLinuxSandboxExe: undefined,
      sandboxMaxProcesses: undefined,
      shellEnvironmentPolicy: { inherit: "all", ignoreDefaultExcludes: false, exclude: [], set: {}, includeOnly: [] },
      approvalTimeoutMs: undefined,
      modelContextWindow: undefined,
      modelMaxOutputTokens: undefined,
      modelAutoCompactTokenLimit: undefined,
      history: { persistence: "save-all", maxBytes: undefined },
      webSearchMode: "disabled",
      compactPrompt: undefined,
      projectDocFallbackFilenames: [],
      projectRootMarkers: [".git"],
      toolOutputTokenLimit: undefined,
      useUnifiedExecTool: undefined,
      forcedLoginMethod: undefined,
      includeViewImageTool: true,
      raw: {}
    })
    assert.strictEqual(modelProvider.id, "openai")
  })

  it("types the sandbox and shell environment tables and keeps unknown keys in raw", () => {
    const table = {
      sandbox_workspace_write: { writable_roots: ["/w"], network_access: true, exclude_tmpdir_env_var: true, exclude_slash_tmp: true },
      shell_environment_policy: { inherit: "core", ignore_default_excludes: true, exclude: ["A*"], set: { X: "1" }, include_only: ["PATH"] },
      codex_linux_sandbox_exe: "/usr/bin/bwrap",
      project_doc_max_bytes: 10,
      preferred_auth_method: "apikey",
      mcp_servers: { docs: { command: "docs-server" } }
    }
    const config = resolved(table)
    assert.deepStrictEqual<unknown>(config.sandboxWorkspaceWrite, {
      writableRoots: ["/w"],
      networkAccess: true,
      excludeTmpdirEnvVar: true,
      excludeSlashTmp: true
    })
    assert.deepStrictEqual<unknown>(config.shellEnvironmentPolicy, {
      inherit: "core",
      ignoreDefaultExcludes: true,
      exclude: ["A*"],
      set: { X: "1" },
      includeOnly: ["PATH"]
    })
    assert.strictEqual(config.codexLinuxSandboxExe, "/usr/bin/bwrap")
    assert.strictEqual(config.projectDocMaxBytes, 10)
    assert.strictEqual(config.preferredAuthMethod, "apikey")
    assert.deepStrictEqual<unknown>(config.raw["mcp_servers"], { docs: { command: "docs-server" } })
  })
})

describe("precedence: typed override → profile → top level → default", () => {
  const withProfile = (top: Table, profile: Table): Table => ({ ...top, profile: "p", profiles: { p: profile } })
  const cases: ReadonlyArray<
    readonly [string, keyof ResolvedConfig, string, unknown, unknown, unknown, ConversationOverrides, unknown]
  > = [
    ["model", "model", "model", "top", "prof", "gpt-5", { model: "typed" }, "typed"],
    ["approval_policy", "approvalPolicy", "approval_policy", "never", "untrusted", "on-request", { approvalPolicy: "on-failure" }, "on-failure"],
    ["sandbox_mode", "sandboxMode", "sandbox_mode", "danger-full-access", "workspace-write", "read-only", { sandboxMode: "read-only" }, "read-only"],
    ["include_plan_tool", "includePlanTool", "include_plan_tool", true, false, false, { includePlanTool: true }, true],
    ["include_apply_patch_tool", "includeApplyPatchTool", "include_apply_patch_tool", false, true, false, { includeApplyPatchTool: false }, false],
    ["model_reasoning_effort", "modelReasoningEffort", "model_reasoning_effort", "low", "high", "medium", {}, "high"],
    ["model_reasoning_summary", "modelReasoningSummary", "model_reasoning_summary", "none", "detailed", "auto", {}, "detailed"],
    ["model_verbosity", "modelVerbosity", "model_verbosity", "low", "high", undefined, {}, "high"],
    ["chatgpt_base_url", "chatgptBaseUrl", "chatgpt_base_url", "http://top/", "http://prof/", "https://chatgpt.com/backend-api/", {}, "http://prof/"]
  ]
  it.each(cases)("%s", (_, field, key, top, profile, fallback, typed, winner) => {
    assert.deepStrictEqual(resolved({})[field], fallback, "default")
    assert.deepStrictEqual(resolved({ [key]: top })[field], top, "top level beats default")
    assert.deepStrictEqual(resolved(withProfile({ [key]: top }, { [key]: profile }))[field], profile, "profile beats top level")
    assert.deepStrictEqual(
      resolved(withProfile({ [key]: top }, { [key]: profile }), typed)[field],
      winner,
      "typed override beats profile"
    )
  })

  it("resolves cwd: the process cwd by default, a relative override against it, an absolute one normalised", () => {
    assert.strictEqual(resolved({}).cwd, "/work/here")
    assert.strictEqual(resolved({}, { cwd: "sub/dir" }).cwd, "/work/here/sub/dir")
    assert.strictEqual(resolved({}, { cwd: "../other" }).cwd, "/work/other")
    assert.strictEqual(resolved({}, { cwd: "/abs/./x/../y" }).cwd, "/abs/y")
  })
})

describe("profiles", () => {
  const table: TomlTable = {
    model: "top",
    profile: "default-profile",
    profiles: { "default-profile": { model: "from-default" }, fast: { model: "from-fast" } }
  }

  it("selects the profile from the typed override, else the `profile` key", () => {
    assert.strictEqual(resolved(table).model, "from-default")
    assert.strictEqual(resolved(table, { profile: "fast" }).model, "from-fast")
    assert.strictEqual(resolved({ ...table, profile: "fast" }).model, "from-fast")
  })

  it.each([
    ["unset", {}, undefined],
    ["the legacy key", { experimental_use_unified_exec_tool: true }, true],
    ["[features] unified_exec over the legacy key", { experimental_use_unified_exec_tool: true, features: { unified_exec: false, apps: true } }, false],
    ["the profile's legacy key over the top level's flags", { features: { unified_exec: true }, profile: "p", profiles: { p: { experimental_use_unified_exec_tool: false } } }, false],
    ["the profile's flags over its legacy key", { profile: "p", profiles: { p: { experimental_use_unified_exec_tool: false, features: { unified_exec: true } } } }, true]
  ] as const)("chooses exec_command or shell: %s", (_, toml, expected) => {
    assert.strictEqual(resolved(toml).useUnifiedExecTool, expected)
  })

  it.each([
    ["an unknown profile override", table, { profile: "nope" }, "config profile `nope` not found"],
    ["an unknown `profile` key", { ...table, profile: "ghost" }, {}, "config profile `ghost` not found"],
    ["a profile with no profiles table", { profile: "solo" }, {}, "config profile `solo` not found"],
    ["an inherited property name", table, { profile: "constructor" }, "config profile `constructor` not found"]
  ] as const)("names %s", (_, toml, overrides, message) => {
    assert.strictEqual(failure(toml, overrides), message)
  })
})

describe("providers", () => {
  it("has the built-in openai and oss providers", () => {
    assert.deepStrictEqual<unknown>(resolved({}).modelProvider, {
      id: "openai",
      name: "OpenAI",
      baseUrl: undefined,
      envKey: undefined,
      envKeyInstructions: undefined,
      wireApi: "responses",
      queryParams: {},
      httpHeaders: { version: VERSION },
      envHttpHeaders: { "OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT" },
      requestMaxRetries: 4,
      streamMaxRetries: 5,
      streamIdleTimeoutMs: 300_000,
      retryMaxDelayMs: 60_000,
      responseDeadlineMs: 900_000,
      requiresOpenaiAuth: true
    })
    assert.deepInclude(resolved({ model_provider: "oss" }).modelProvider, {
      id: "oss",
      name: "gpt-oss",
      baseUrl: "http://localhost:11434/v1",
      wireApi: "chat",
      requiresOpenaiAuth: false
    })
  })

  it.each([
    ["openai", { OPENAI_BASE_URL: "http://127.0.0.1:1/v1" }, "http://127.0.0.1:1/v1"],
    ["openai", { OPENAI_BASE_URL: "" }, undefined],
    ["oss", { CODEX_OSS_PORT: "8080" }, "http://localhost:8080/v1"],
    ["oss", { CODEX_OSS_BASE_URL: "http://gpu:1/v1", CODEX_OSS_PORT: "8080" }, "http://gpu:1/v1"]
  ] as const)("%s base URL from %j", (id, env, baseUrl) => {
    assert.strictEqual(resolved({ model_provider: id }, {}, { ...context, env }).modelProvider.baseUrl, baseUrl)
  })

  it("maps a user provider's TOML keys, with defaults and capped retries", () => {
    const full = resolved({
      model_provider: "mine",
      model_providers: {
        mine: {
          name: "Mine",
          base_url: "http://127.0.0.1:9/v1",
          env_key: "MINE_KEY",
          env_key_instructions: "export MINE_KEY",
          wire_api: "responses",
          query_params: { "api-version": "1" },
          http_headers: { "x-static": "yes" },
          env_http_headers: { "x-dynamic": "MINE_HEADER" },
          request_max_retries: 1000,
          stream_max_retries: 101,
          stream_idle_timeout_ms: 50,
          retry_max_delay_ms: 1000,
          response_deadline_ms: 5000,
          requires_openai_auth: true
        }
      }
    }).modelProvider
    assert.deepStrictEqual<unknown>(full, {
      id: "mine",
      name: "Mine",
      baseUrl: "http://127.0.0.1:9/v1",
      envKey: "MINE_KEY",
      envKeyInstructions: "export MINE_KEY",
      wireApi: "responses",
      queryParams: { "api-version": "1" },
      httpHeaders: { "x-static": "yes" },
      envHttpHeaders: { "x-dynamic": "MINE_HEADER" },
      requestMaxRetries: 100,
      streamMaxRetries: 100,
      streamIdleTimeoutMs: 50,
      retryMaxDelayMs: 1000,
      responseDeadlineMs: 5000,
      requiresOpenaiAuth: true
    })
    const minimal = resolved({ model_provider: "bare", model_providers: { bare: {} } }).modelProvider
    assert.deepStrictEqual<unknown>(minimal, providerFromToml("bare", {}))
    assert.deepInclude(minimal, {
      name: "bare",
      wireApi: "chat",
      requestMaxRetries: 4,
      streamMaxRetries: 5,
      streamIdleTimeoutMs: 300_000,
      requiresOpenaiAuth: false
    })
  })

  it("never lets a user entry replace a built-in", () => {
    const hijack = { model_providers: { openai: { base_url: "http://evil.example/v1", wire_api: "chat" } } }
    const provider = resolved({ ...hijack, model_provider: "openai" }).modelProvider
    assert.strictEqual(provider.baseUrl, undefined)
    assert.strictEqual(provider.wireApi, "responses")
  })

  it("takes the provider from the profile before the top level", () => {
    const table = {
      model_provider: "oss",
      profile: "p",
      profiles: { p: { model_provider: "mine" } },
      model_providers: { mine: { base_url: "http://m/v1" } }
    }
    assert.strictEqual(resolved(table).modelProviderId, "mine")
  })

  it.each(["ghost", "toString"])("names an unknown provider %s", (id) => {
    assert.strictEqual(failure({ model_provider: id }), `Model provider \`${id}\` not found`)
  })
})

describe("the Codex CLI's web search and compact prompt keys", () => {
  it.each([
    ["web_search = \"live\"", { web_search: "live" }, "live"],
    ["web_search = \"cached\"", { web_search: "cached" }, "cached"],
    ["web_search = \"disabled\" over [tools] web_search = true", { web_search: "disabled", tools: { web_search: true } }, "disabled"],
    ["a [tools.web_search] table", { tools: { web_search: { context_size: "low", allowed_domains: ["a.example"] } } }, "live"],
    ["[tools] web_search = false", { tools: { web_search: false } }, "disabled"],
    ["a profile's web_search over the top level's", { web_search: "live", profile: "p", profiles: { p: { web_search: "cached" } } }, "cached"]
  ] as const)("%s", (_, toml, mode) => {
    assert.strictEqual(resolved(toml).webSearchMode, mode)
  })

  it("reads experimental_compact_prompt_file from CODEX_HOME; compact_prompt and the request's win over it", () => {
    const codexHome = tempDir()
    writeFileSync(join(codexHome, "compact.md"), "Summarize from the file.\n")
    const ctx = { ...context, codexHome }
    assert.strictEqual(resolved({ experimental_compact_prompt_file: "compact.md" }, {}, ctx).compactPrompt, "Summarize from the file.")
    const both = { experimental_compact_prompt_file: "compact.md", compact_prompt: "Inline." }
    assert.strictEqual(resolved(both, {}, ctx).compactPrompt, "Inline.")
    assert.strictEqual(resolved(both, { compactPrompt: "From the call." }, ctx).compactPrompt, "From the call.")
  })
})

describe("base instructions", () => {
  it("come from `instructions`, then the instructions file, then the typed override", () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, "top.md"), "  from the top file \n")
    writeFileSync(join(cwd, "profile.md"), "from the profile file")
    const ctx = { ...context, processCwd: cwd }
    assert.strictEqual(resolved({ instructions: "inline" }, {}, ctx).baseInstructions, "inline")
    const withFile = { instructions: "inline", experimental_instructions_file: "top.md" }
    assert.strictEqual(resolved(withFile, {}, ctx).baseInstructions, "from the top file")
    const withProfile = { ...withFile, profile: "p", profiles: { p: { experimental_instructions_file: join(cwd, "profile.md") } } }
    assert.strictEqual(resolved(withProfile, {}, ctx).baseInstructions, "from the profile file")
    assert.strictEqual(resolved(withProfile, { baseInstructions: "typed" }, ctx).baseInstructions, "typed")
  })

  it("resolve a relative file against the conversation's cwd", () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, "mine.md"), "project instructions")
    const config = resolved({ experimental_instructions_file: "mine.md" }, { cwd }, { ...context, processCwd: "/" })
    assert.strictEqual(config.baseInstructions, "project instructions")
  })

  it("fail on a missing or empty file, naming it", () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, "empty.md"), " \n")
    const missing = failure({ experimental_instructions_file: join(cwd, "missing.md") })
    assert.include(missing, `failed to read experimental instructions file ${join(cwd, "missing.md")}`)
    const empty = failure({ experimental_instructions_file: join(cwd, "empty.md") })
    assert.strictEqual(empty, `experimental instructions file is empty: ${join(cwd, "empty.md")}`)
  })
})

describe("type errors name the key", () => {
  it.each([
    [{ approval_policy: 3 }, "approval_policy: Expected \"untrusted\" | \"on-failure\" | \"on-request\" | \"never\""],
    [{ model: true }, "model: Expected string"],
    [{ profiles: { x: { model: 3 } } }, "profiles.x.model: Expected string"],
    [{ profiles: { x: "flat" } }, "profiles.x: Expected object"],
    [{ model_providers: { m: { request_max_retries: "x" } } }, "model_providers.m.request_max_retries: Expected number"],
    [{ model_providers: { m: { request_max_retries: 1.5 } } }, "model_providers.m.request_max_retries: Expected an integer"],
    [{ sandbox_workspace_write: { writable_roots: ["/ok", 1] } }, "sandbox_workspace_write.writable_roots[1]: Expected string"],
    [{ shell_environment_policy: { inherit: "some" } }, "shell_environment_policy.inherit: Expected \"all\" | \"core\" | \"none\""]
  ] as const)("%j", (table, message) => {
    assert.strictEqual(failure(table), `invalid config: ${message}`)
  })

  it("reports every bad key at once", () => {
    assert.strictEqual(
      failure({ model: 1, approval_policy: "sometimes" }),
      "invalid config: model: Expected string; approval_policy: Expected \"untrusted\" | \"on-failure\" | \"on-request\" | \"never\""
    )
  })
})
