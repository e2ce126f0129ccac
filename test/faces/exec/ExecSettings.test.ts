/**
 * exec's command line → the agent's settings: the typed overrides, approval `never` by default, and
 * what the Codex SDK passes that is not a config key here (openai_base_url, CODEX_API_KEY, efforts past xhigh).
 */
import { assert, describe, it } from "@effect/vitest"
import { type ExecFlags, execSettings } from "../../../src/faces/exec/ExecSettings.js"

const none: ExecFlags = { model: undefined, sandbox: undefined, cd: undefined, addDirs: [], bypass: false }

describe("execSettings", () => {
  it("never asks for approval unless -c approval_policy says otherwise", () => {
    assert.deepStrictEqual(execSettings(none, [], {}, "/p").overrides, { approvalPolicy: "never" })
    assert.deepStrictEqual(execSettings(none, ["approval_policy=\"on-request\""], {}, "/p").overrides, {})
  })

  it("maps the flags to overrides, paths resolved against the process's cwd", () => {
    const settings = execSettings({ model: "o3", sandbox: "workspace-write", cd: "repo", addDirs: ["../out"], bypass: false }, [], {}, "/p")
    assert.deepStrictEqual(settings.overrides, {
      model: "o3",
      sandboxMode: "workspace-write",
      cwd: "/p/repo",
      approvalPolicy: "never",
      config: { "sandbox_workspace_write.writable_roots": ["/out"] }
    })
  })

  it("bypasses sandbox and approvals on request, whatever -c says", () => {
    const settings = execSettings({ ...none, sandbox: "read-only", bypass: true }, ["approval_policy=untrusted"], {}, "/p")
    assert.deepStrictEqual(settings.overrides, { sandboxMode: "danger-full-access", approvalPolicy: "never" })
  })

  it("turns the SDK's baseUrl, apiKey and efforts past xhigh into what the agent reads; web_search stays a config key", () => {
    const settings = execSettings(
      none,
      ["model=\"m\"", "openai_base_url=\"http://127.0.0.1:9/v1\"", "web_search=\"live\"", "web_search=\"disabled\"", "model_reasoning_effort=\"max\""],
      { CODEX_API_KEY: "sk-1", PATH: "/bin" },
      "/p"
    )
    assert.deepStrictEqual(settings.cliOverrides, ["model=\"m\"", "web_search=\"live\"", "web_search=\"disabled\"", "model_reasoning_effort=\"high\""])
    assert.deepStrictEqual(settings.env, { CODEX_API_KEY: "sk-1", PATH: "/bin", OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "sk-1" })
    assert.strictEqual(settings.apiKeyFromEnv, true)
    assert.strictEqual(execSettings(none, [], { CODEX_API_KEY: "" }, "/p").apiKeyFromEnv, false)
  })
})
