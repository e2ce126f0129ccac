/**
 * The command line: version and help, a broken config.toml reported on stderr without stopping the
 * server, a broken `-c` override stopping it with exit 2 (stdout untouched), and the login commands.
 */
import { spawn, spawnSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { DEVICE, type MockIssuer, startMockIssuer } from "../support/MockIssuer.js"
import { makeTempDir, SERVER_BIN } from "../support/ServerProcess.js"

let issuer: MockIssuer | undefined
afterEach(async () => {
  await issuer?.close()
  issuer = undefined
})

const run = (args: ReadonlyArray<string>, options: { codexHome?: string; input?: string; env?: Record<string, string> } = {}) => {
  const env: Record<string, string | undefined> = { ...process.env, OPENAI_API_KEY: undefined, ...options.env }
  env.CODEX_HOME = options.codexHome ?? makeTempDir("codex-home-")
  return spawnSync(process.execPath, [SERVER_BIN, ...args], { env, input: options.input ?? "", encoding: "utf8", timeout: 20_000 })
}

describe("codex-effect", () => {
  it("prints its version and help", () => {
    const version = run(["--version"])
    expect(version.status).toBe(0)
    expect(version.stdout).toMatch(/^codex-effect v\d+\.\d+\.\d+/)
    const help = run(["--help"])
    expect(help.status).toBe(0)
    for (const word of ["mcp", "login", "logout", "sessions", "--config", "--log-level"]) expect(help.stdout).toContain(word)
    const helpCommand = run(["help"])
    expect(helpCommand.status).toBe(0)
    expect(helpCommand.stdout).toBe(help.stdout)
    expect(run(["help", "sessions"]).stdout).toBe(run(["sessions", "--help"]).stdout)
    expect(run(["help", "sessions"]).stdout).toContain("prune")
  })

  it("keeps serving with a broken config.toml, naming its file and line on stderr", () => {
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), 'model = "o3"\napproval_policy = \n')
    const result = run(["mcp"], { codexHome, input: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) + "\n" })
    rmSync(codexHome, { recursive: true, force: true })
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ jsonrpc: "2.0", id: 1, result: {} })
    expect(result.stderr).toContain(`${join(codexHome, "config.toml")}:2:`)
  })

  it("stops with exit 2 on a malformed -c override and on a bad value type", () => {
    const bad = run(["mcp", "-c", "no-equals-sign"])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain("error parsing -c overrides")
    const type = run(["mcp", "-c", "approval_policy=3"])
    expect(type.status).toBe(2)
    expect(type.stderr).toContain("approval_policy")
    expect(type.stdout).toBe("")
  })

  it("refuses an unknown log level with exit 2, from --log-level or CODEX_EFFECT_LOG; the flag wins", () => {
    const flag = run(["mcp", "--log-level", "nonsense"])
    expect(flag.status).toBe(2)
    expect(flag.stdout).toBe("")
    expect(flag.stderr).toContain(`Invalid value for flag --log-level: "nonsense"`)
    expect(flag.stderr).toContain("info")
    const codexHome = makeTempDir("codex-home-")
    const env = { ...process.env, OPENAI_API_KEY: undefined, CODEX_HOME: codexHome, CODEX_EFFECT_LOG: "nonsense" }
    const fromEnv = spawnSync(process.execPath, [SERVER_BIN, "mcp"], { env, input: "", encoding: "utf8", timeout: 20_000 })
    expect([fromEnv.status, fromEnv.stdout]).toEqual([2, ""])
    expect(fromEnv.stderr).toContain(`unknown log level "nonsense" in CODEX_EFFECT_LOG`)
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) + "\n"
    const overridden = spawnSync(process.execPath, [SERVER_BIN, "mcp", "--log-level", "debug"], {
      env,
      input: ping,
      encoding: "utf8",
      timeout: 20_000
    })
    rmSync(codexHome, { recursive: true, force: true })
    expect(overridden.status).toBe(0)
    expect(JSON.parse(overridden.stdout)).toEqual({ jsonrpc: "2.0", id: 1, result: {} })
    expect(overridden.stderr).toContain("level=DEBUG")
  })

  it("stores, reports and removes an API key; status names the provider and where its key comes from, exit 1 without one", () => {
    const codexHome = makeTempDir("codex-home-")
    const signedOut = run(["login", "status"], { codexHome })
    expect([signedOut.status, signedOut.stdout]).toEqual([1, "Not logged in\nProvider: `openai` needs a login: run `codex-effect login` or `codex-effect login --api-key`.\n"])
    expect(run(["login", "status"], { codexHome, env: { OPENAI_API_KEY: "sk-env" } }).stdout).toBe(
      "Logged in using an API key\nProvider: `openai`, API key from OPENAI_API_KEY in the environment.\n"
    )
    expect(run(["login", "--api-key", "sk-one"], { codexHome }).status).toBe(0)
    const signedIn = run(["login", "status"], { codexHome })
    expect([signedIn.status, signedIn.stdout]).toEqual([0, "Logged in using an API key\nProvider: `openai`, API key from CODEX_HOME/auth.json.\n"])
    expect(run(["login", "--api-key", "-"], { codexHome, input: "sk-two\n" }).status).toBe(0)
    expect(JSON.parse(readFileSync(join(codexHome, "auth.json"), "utf8")).OPENAI_API_KEY).toBe("sk-two")
    const logout = run(["logout"], { codexHome })
    expect([logout.status, logout.stdout]).toEqual([0, "Logged out.\n"])
    expect(run(["login", "status"], { codexHome }).stdout).toMatch(/^Not logged in\n/)
    expect(run(["logout"], { codexHome }).stdout).toBe("Not logged in: there were no stored credentials to remove.\n")
  })

  it("says a provider with env_key ignores the stored login, and exits 1 while its variable is unset", () => {
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), `model_provider = "acme"\n[model_providers.acme]\nbase_url = "http://127.0.0.1:9/v1"\nenv_key = "ACME_KEY"\n`)
    expect(run(["login", "--api-key", "sk-one"], { codexHome }).status).toBe(0)
    const unset = run(["login", "status"], { codexHome })
    expect(unset.status).toBe(1)
    expect(unset.stdout).toBe(
      "Not logged in: provider `acme` reads its key from the environment variable ACME_KEY, which is not set.\n" +
        "The login stored in CODEX_HOME/auth.json is not used by this provider.\n"
    )
    const set = run(["login", "status"], { codexHome, env: { ACME_KEY: "k" } })
    expect([set.status, set.stdout.split("\n")[0]]).toEqual([0, "Logged in using the environment variable ACME_KEY"])
  })

  it("refuses the login method forced_login_method rules out", () => {
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), `forced_login_method = "chatgpt"\n`)
    const refused = run(["login", "--api-key", "sk-one"], { codexHome })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain("forced_login_method = \"chatgpt\"")
    expect(readdirSync(codexHome)).not.toContain("auth.json")
  })

  it("logs in with ChatGPT: prints the URL and finishes when the browser comes back", async () => {
    issuer = await startMockIssuer()
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), `auth_issuer = "${issuer.url}"\nlogin_port = 0\n`)
    const child = spawn(process.execPath, [SERVER_BIN, "login"], { env: { ...process.env, CODEX_HOME: codexHome } })
    let stdout = ""
    const urlSeen = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no login URL within 10 s; stdout: ${stdout}`)), 10_000)
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8")
        const match = /(http\S+oauth\/authorize\S+)/.exec(stdout)
        if (match !== null) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      })
    })
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    const url = new URL(await urlSeen)
    await fetch(`${url.searchParams.get("redirect_uri")}?code=abc&state=${encodeURIComponent(url.searchParams.get("state")!)}`)
    expect(await exited).toBe(0)
    expect(stdout).toContain("Successfully logged in.")
    expect(JSON.parse(readFileSync(join(codexHome, "auth.json"), "utf8")).tokens.account_id).toBe("acct-123")
  })

  it("logs in with a device code: prints the URL and the code, and finishes once the code is entered", async () => {
    issuer = await startMockIssuer()
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), `auth_issuer = "${issuer.url}"\n`)
    const child = spawn(process.execPath, [SERVER_BIN, "login", "--device-auth"], { env: { ...process.env, CODEX_HOME: codexHome } })
    let stdout = ""
    const codeSeen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no device code within 10 s; stdout: ${stdout}`)), 10_000)
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8")
        if (stdout.includes(DEVICE.userCode)) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    await codeSeen
    expect(stdout).toContain(`${issuer.url}/codex/device`)
    issuer.approveDevice()
    expect(await exited).toBe(0)
    expect(stdout).toContain("Successfully logged in.")
    expect(JSON.parse(readFileSync(join(codexHome, "auth.json"), "utf8")).tokens.account_id).toBe("acct-123")
    expect(run(["login", "--device-auth", "--api-key", "sk"], { codexHome }).stderr).toContain("--api-key and --device-auth exclude each other")
  })
})
