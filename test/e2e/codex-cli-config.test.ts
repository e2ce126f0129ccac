/**
 * A config.toml as the current Codex CLI writes it: every shape loads (keys this server does not use
 * warn once, naming the file and line; never "invalid config") and a `codex` call succeeds. The keys
 * a headless agent needs take effect: the web search mode, the instructions and the project doc
 * fallbacks, `openai_base_url`, profile files selected with `--profile`, and overrides that win over
 * the selected profile.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useServerCleanup } from "../support/AgentServer.js"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, spawnServer } from "../support/ServerProcess.js"

const track = useServerCleanup()

/** Lines 5… of the config (mockConfigToml puts `extra` on line 5). */
const CODEX_CLI_SHAPES = [
  `web_search = "cached"`, //                                          5
  `approval_policy = { granular = { sandbox_approval = true, rules = false } }`, // 6 (the mock's line 2 is replaced below)
  `model_instructions_file = "instructions.md"`, //                    7
  `compact_prompt = "Summarize for the next engineer."`, //            8
  `project_doc_fallback_filenames = ["CLAUDE.md"]`, //                 9
  `project_root_markers = [".git", ".hg"]`, //                         10
  `tool_output_token_limit = 2500`, //                                 11
  `forced_login_method = "api"`, //                                    12
  `openai_base_url = "http://127.0.0.1:9/v1"`, //                      13
  ``, //                                                               14
  `[tools.web_search]`, //                                             15
  `context_size = "low"`, //                                           16
  ``, //                                                               17
  `[projects."/srv/app"]`, //                                          18
  `trust_level = "trusted"`, //                                        19
  ``, //                                                               20
  `[mcp_servers.docs]`, //                                             21
  `command = "node"`, //                                               22
  `args = ["-e", ""]`, //                                              23
  `enabled = false`, //                                                24
  `env_vars = ["HOME", { name = "FOO", source = "local" }, { name = "BAR", source = "remote" }]` // 25
].join("\n")

describe("a config.toml written by the current Codex CLI", () => {
  it("loads every shape, warns once with file:line where it ignores something, and a codex call succeeds", async () => {
    const model = await startMockModelServer([MockTurn.message("done"), MockTurn.message("again")])
    const codexHome = makeTempDir("codex-home-")
    const project = makeTempDir("codex-project-")
    mkdirSync(join(project, ".hg"))
    mkdirSync(join(project, "sub"))
    writeFileSync(join(project, "CLAUDE.md"), "Project rules from CLAUDE.md.")
    writeFileSync(join(codexHome, "instructions.md"), "You are the file's agent.")
    const toml = mockConfigToml(model.url, { wireApi: "responses", extra: CODEX_CLI_SHAPES })
      .replace(`approval_policy = "untrusted"\n`, "")
      .replace(`model = "mock-model"`, `model = "mock-model"\n`) // keeps `extra` on line 5
    writeFileSync(join(codexHome, "config.toml"), toml)
    const server = spawnServer({ codexHome })
    track({ server, model, codexHome })
    await server.initialize()
    const file = join(codexHome, "config.toml")

    const first = await server.request("tools/call", { name: "codex", arguments: { prompt: "go", cwd: join(project, "sub") } })
    expect(first.result.structuredContent).toMatchObject({ content: "done" })
    expect(server.stderr).not.toContain("invalid config")
    expect(server.stderr).toMatch(/level=WARN .*approval_policy = \{ granular = … \} is not supported by codex-effect; using \\"on-request\\"/)
    expect(server.stderr).toContain(`${file}:6: approval_policy`)
    expect(server.stderr).toContain(`ignoring config keys codex-effect does not use: \`tools.web_search.context_size\` (${file}:16)`)

    const body = model.requests[0]!.body
    expect(body.instructions).toBe("You are the file's agent.")
    expect(body.tools).toContainEqual({ type: "web_search", external_web_access: false })
    expect(JSON.stringify(body.input)).toContain("Project rules from CLAUDE.md.")

    await server.request("tools/call", { name: "codex", arguments: { prompt: "again" } })
    expect(server.stderr.match(/granular = …/g)).toHaveLength(1)
    expect(server.stderr.match(/tools\.web_search\.context_size/g)).toHaveLength(1)
  })

  it("sends the built-in OpenAI provider to openai_base_url", async () => {
    const model = await startMockModelServer([MockTurn.message("via openai_base_url")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), `model = "gpt-5.2"\nopenai_base_url = "${model.url}"\napproval_policy = "never"\n`)
    const server = spawnServer({ codexHome, env: { OPENAI_API_KEY: "sk-test" } })
    track({ server, model, codexHome })
    await server.initialize()
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(answer.result.structuredContent).toMatchObject({ content: "via openai_base_url" })
    expect(model.requests[0]!.path).toMatch(/\/responses$/)
  })
})

describe("profiles", () => {
  it("selects $CODEX_HOME/<name>.config.toml with --profile when config.toml has no such table", async () => {
    const model = await startMockModelServer([MockTurn.message("ok")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url))
    writeFileSync(join(codexHome, "fast.config.toml"), `model = "from-the-profile-file"\nmodel_reasoning_summary = "concise"\n`)
    const server = spawnServer({ codexHome, args: ["--profile", "fast", "mcp"] })
    track({ server, model, codexHome })
    await server.initialize()
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(answer.result.structuredContent).toMatchObject({ content: "ok" })
    expect(model.requests[0]!.body.model).toBe("from-the-profile-file")
  })

  it("lets -c and the tool's config win over the selected profile", async () => {
    const model = await startMockModelServer([MockTurn.message("one"), MockTurn.message("two")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(
      join(codexHome, "config.toml"),
      mockConfigToml(model.url, { extra: `profile = "p"` }) + `\n[profiles.p]\nmodel = "profile-model"\n`
    )
    const server = spawnServer({ codexHome, args: ["-c", `model="cli-model"`, "mcp"] })
    track({ server, model, codexHome })
    await server.initialize()
    await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    expect(model.requests[0]!.body.model).toBe("cli-model")
    await server.request("tools/call", { name: "codex", arguments: { prompt: "hi", config: { model: "request-model" } } })
    expect(model.requests[1]!.body.model).toBe("request-model")
  })
})
