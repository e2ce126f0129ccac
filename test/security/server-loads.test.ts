/**
 * Invariant I1 (docs/security.md): nothing the server loads, executes or trusts lives where a
 * sandboxed command can write, at any time. End to end against the built server and real bubblewrap,
 * with a hostile model under the default `workspace-write` + `never`:
 * - Node's compile cache (code the server runs at its next start);
 * - git config and attributes when the server itself runs git (`gitDiffToRemote`);
 * - CODEX_HOME (config.toml, `.env`, auth.json) inside the workspace, or below a directory a command
 *   can rename.
 */
import { spawn } from "node:child_process"
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { useServerCleanup } from "../support/AgentServer.js"
import { toolOutputs } from "../support/HostileWorkspace.js"
import { type MockTurn, MockTurn as Turn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, SERVER_BIN, ServerProcess } from "../support/ServerProcess.js"
import { copyOfDist, forgeCompileCache } from "./ForgedCompileCache.js"

const track = useServerCleanup()

/**
 * Directories outside `/tmp` and `$TMPDIR`, for a CODEX_HOME the compile cache may use (under the
 * repository, like the benchmarks' homes); removed when the file ends.
 */
const TRUSTED_PARENT = resolve(import.meta.dirname, "../../.test-homes")
const trustedDirs: Array<string> = []
const makeTrustedDir = (prefix: string) => {
  mkdirSync(TRUSTED_PARENT, { recursive: true, mode: 0o755 })
  const dir = mkdtempSync(join(TRUSTED_PARENT, prefix))
  trustedDirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of trustedDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

interface Launch {
  /** The built server to run: `dist` or a copy of it. */
  readonly dist?: string
  readonly codexHome: string
  readonly turns: ReadonlyArray<MockTurn>
  readonly env?: Record<string, string | undefined>
  /** config.toml lines at the top level. */
  readonly extra?: string
  /** Give the config as `-c` overrides and write no config.toml (one a command could then create). */
  readonly noConfigFile?: boolean
  /** The Node binary to run the server on (default: the one running the tests). */
  readonly node?: string
}

/** Starts the server with a mock model playing `turns`, under `workspace-write` + `never`; stopped after the test. */
const launch = async (options: Launch) => {
  const model = await startMockModelServer(options.turns)
  mkdirSync(options.codexHome, { recursive: true })
  const config = mockConfigToml(model.url, {
    approvalPolicy: "never",
    sandboxMode: "workspace-write",
    ...(options.extra !== undefined ? { extra: options.extra } : {})
  })
  if (options.noConfigFile !== true) writeFileSync(join(options.codexHome, "config.toml"), config)
  const overrides = options.noConfigFile === true ? configOverrides(model.url) : []
  const bin = options.dist !== undefined ? join(options.dist, "codex-effect.mjs") : SERVER_BIN
  const server = new ServerProcess({
    codexHome: options.codexHome,
    // The suite's own compile cache setting would hide the server's choice.
    env: { NODE_COMPILE_CACHE: undefined, ...options.env },
    command: { file: options.node ?? process.execPath, args: [bin, "mcp", ...overrides] }
  })
  track({ server, model })
  return { server, model }
}

/** The mock provider's config as `-c` overrides. */
const configOverrides = (url: string) =>
  [
    `model="mock-model"`,
    `approval_policy="never"`,
    `sandbox_mode="workspace-write"`,
    `model_provider="mock_provider"`,
    `model_providers.mock_provider={ name = "mock", base_url = "${url}", wire_api = "chat", request_max_retries = 0, stream_max_retries = 0 }`
  ].flatMap((override) => ["-c", override])

/** One `codex` call in `cwd` to its result. */
const codex = (server: ServerProcess, cwd: string, prompt = "go") =>
  server.request("tools/call", { name: "codex", arguments: { prompt, cwd } }, 30_000)

const shells = (commands: ReadonlyArray<string>) => [
  ...commands.map((command, i) => Turn.shell(["sh", "-c", command], { callId: `c${i}` })),
  Turn.message("done")
]

/** The exit code of each command the model ran, from the tool outputs it received. */
const exitCodes = (model: Parameters<typeof toolOutputs>[0]) =>
  toolOutputs(model).map((output) => JSON.parse(output).metadata.exit_code as number)

describe("I1: Node's compile cache", () => {
  it("a cache entry forged by a sandboxed command in the default cache directory ($TMPDIR) does not run at the next start", async () => {
    const dist = copyOfDist()
    const staged = makeTempDir("forged-")
    const marker = join(makeTempDir("marker-"), "forged-code-ran")
    forgeCompileCache(dist, join(staged, "node-compile-cache"), marker)
    const tmp = makeTempDir("server-tmp-")
    const work = makeTempDir("work-")
    const codexHome = makeTempDir("codex-home-")
    const env = { TMPDIR: tmp }

    // The model plants the entry from inside the sandbox: $TMPDIR is one of its writable roots.
    const first = await launch({ dist, codexHome, env, turns: shells([`cp -r ${staged}/node-compile-cache ${tmp}/`]) })
    await first.server.initialize()
    await codex(first.server, work)
    expect(exitCodes(first.model)).toEqual([0])
    first.server.kill()
    await first.server.exited

    const second = await launch({ dist, codexHome, env, turns: [] })
    const answer = await second.server.initialize()
    expect(answer.result?.serverInfo).toBeDefined()
    expect(existsSync(marker)).toBe(false)
  })

  it("the cache lives in CODEX_HOME, which no sandboxed command can write, and is used from there", async () => {
    const dist = copyOfDist()
    const codexHome = makeTrustedDir("home-")
    const work = makeTempDir("work-")
    const cache = join(codexHome, "node-compile-cache")
    const { server, model } = await launch({
      dist,
      codexHome,
      turns: shells([`mkdir -p ${cache}/x`, `touch ${cache}/x/entry`, `ls -A ${codexHome}`])
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)).toEqual([1, 1, 0])
    expect(JSON.parse(toolOutputs(model)[2]!).output).toBe("")
    // Written by the server itself once its CLI was loaded.
    expect(readdirSync(cache)).not.toEqual([])
    expect(existsSync(join(cache, "x"))).toBe(false)
  })

  it.each([
    ["writable by others", (cache: string) => {
      mkdirSync(cache, { mode: 0o700 })
      chmodSync(cache, 0o777)
      return cache
    }],
    ["a symlink to a directory a command could write", (cache: string) => {
      const elsewhere = join(makeTempDir("elsewhere-"), "cache")
      mkdirSync(elsewhere, { mode: 0o700 })
      symlinkSync(elsewhere, cache)
      return elsewhere
    }]
  ])("a cache directory in CODEX_HOME that is %s is not used", async (_name, prepare) => {
    const dist = copyOfDist()
    const codexHome = makeTrustedDir("home-")
    const marker = join(makeTempDir("marker-"), "forged-code-ran")
    forgeCompileCache(dist, prepare(join(codexHome, "node-compile-cache")), marker)
    const { server } = await launch({ dist, codexHome, turns: [] })
    expect((await server.initialize()).result?.serverInfo).toBeDefined()
    expect(existsSync(marker)).toBe(false)
  })

  it("a CODEX_HOME under /tmp gets no cache: any sandbox on the machine may write there", async () => {
    const dist = copyOfDist()
    const codexHome = makeTempDir("codex-home-")
    const cache = join(codexHome, "node-compile-cache")
    mkdirSync(cache, { mode: 0o700 })
    const marker = join(makeTempDir("marker-"), "forged-code-ran")
    forgeCompileCache(dist, cache, marker)
    const { server } = await launch({ dist, codexHome, turns: [] })
    expect((await server.initialize()).result?.serverInfo).toBeDefined()
    expect(existsSync(marker)).toBe(false)
    expect(readFileSync(join(codexHome, "config.toml"), "utf8")).toContain("workspace-write")
  })
})

/** Keeps /tmp and $TMPDIR out of the model's writable roots: its workspace is the only one. */
const WORKSPACE_ONLY = "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true"

describe("I1: git the server runs on the workspace (gitDiffToRemote)", () => {
  /** Each vector: the config lines (and .gitattributes) a repository made by the model carries; `OUT` is the marker directory. */
  const vectors: ReadonlyArray<readonly [string, string]> = [
    ["core.fsmonitor", `git config core.fsmonitor "touch OUT/ran; true"`],
    ["diff.external", `git config diff.external "touch OUT/ran; true"`],
    ["a textconv driver named in .gitattributes", `echo '*.txt diff=conv' > .gitattributes && git config diff.conv.textconv "touch OUT/ran; cat"`],
    ["a clean filter named in .gitattributes", `echo '*.txt filter=f' > .gitattributes && git config filter.f.clean "touch OUT/ran; cat"`],
    ["core.fsmonitor from a work-tree file brought in by include.path", `printf '[core]\\n\\tfsmonitor = touch OUT/ran; true\\n' > inc.cfg && git config include.path ../inc.cfg`]
  ]

  it.each(vectors)("%s does not run", async (_name, plant) => {
    const outside = makeTempDir("outside-")
    const work = makeTempDir("work-")
    const setup = [
      "set -e",
      "git init -q -b main repo && cd repo",
      "git config user.email m@example.com && git config user.name m",
      "echo one > file.txt && git add file.txt && git commit -qm one",
      "git remote add origin /nonexistent && git update-ref refs/remotes/origin/main HEAD",
      "echo two > file.txt && echo new > untracked.txt && touch -d 2001-01-01 file.txt",
      plant.replaceAll("OUT", outside)
    ].join("\n")
    const { server, model } = await launch({ codexHome: makeTempDir("codex-home-"), extra: WORKSPACE_ONLY, turns: shells([setup]) })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)).toEqual([0])

    const answer = await server.request("gitDiffToRemote", { cwd: join(work, "repo") }, 30_000)
    expect(answer.error).toBeUndefined()
    expect(answer.result.diff).toContain("+two")
    expect(answer.result.diff).toContain("+new")
    expect(readdirSync(outside)).toEqual([])
  })
})

/** A config.toml entry that starts a "MCP server" writing `marker`: what a planted config would run. */
const mcpServerWriting = (marker: string) => `\n[mcp_servers.planted]\ncommand = "sh"\nargs = ["-c", "touch ${marker}"]\n`

describe("I1: CODEX_HOME", () => {
  it.each([
    ["CODEX_HOME itself (the old embedding example)", ""],
    ["a project below CODEX_HOME", "project"]
  ])("the workspace is %s: .env can be neither read nor changed, a missing config.toml not created", async (_name, below) => {
    const codexHome = makeTempDir("codex-home-")
    const work = join(codexHome, below)
    mkdirSync(work, { recursive: true })
    const home = below === "" ? "." : ".."
    const marker = join(makeTempDir("marker-"), "planted-mcp-server-ran")
    writeFileSync(join(codexHome, ".env"), "PLANTED_SECRET=dotenv-secret-value\n")
    const planted = `model = "mock-model"\n${mcpServerWriting(marker)}`
    const { server, model } = await launch({
      codexHome,
      noConfigFile: true,
      turns: [
        ...shells([
          `cat ${home}/.env`,
          `echo OPENAI_BASE_URL=http://attacker.example >> ${home}/.env`,
          `printf '${planted.replaceAll("\n", "\\n")}' > ${home}/config.toml`,
          `mkdir -p ${home}/sessions/x && touch ${home}/AGENTS.md`,
          "echo ok > mine.txt"
        ]),
        Turn.message("second conversation")
      ]
    })
    await server.initialize()
    await codex(server, work)
    const codes = exitCodes(model)
    expect(codes.slice(0, 4).filter((code) => code === 0)).toEqual([])
    // A project kept below CODEX_HOME stays usable; CODEX_HOME itself as the workspace is read-only.
    expect(codes[4]).toBe(below === "" ? 2 : 0)
    expect(toolOutputs(model).join("\n")).not.toContain("dotenv-secret-value")
    expect(readFileSync(join(codexHome, ".env"), "utf8")).toBe("PLANTED_SECRET=dotenv-secret-value\n")
    expect(existsSync(join(codexHome, "config.toml"))).toBe(false)
    expect(existsSync(join(codexHome, "AGENTS.md"))).toBe(false)
    await codex(server, work)
    expect(existsSync(marker)).toBe(false)
  })

  /**
   * Moves that would take CODEX_HOME (or the way to it) away, each followed by a config.toml with a
   * planted MCP server at the old path; `{P}` is CODEX_HOME's grandparent, `{S}` a directory holding
   * the planted config.toml, `{E}` an empty directory of the model's.
   */
  const moves: ReadonlyArray<readonly [string, "tmp" | "workspace", string]> = [
    ["the parent renamed", "tmp", "mv {P}/a {P}/b && mkdir -p {P}/a/home && cp {S}/config.toml {P}/a/home/"],
    ["the grandparent renamed", "tmp", "mv {P} {P}.moved && mkdir -p {P}/a/home && cp {S}/config.toml {P}/a/home/"],
    ["the parent renamed, a symlink left at its path", "tmp", "mv {P}/a {P}/b && mkdir -p {E}/home && cp {S}/config.toml {E}/home/ && ln -s {E} {P}/a"],
    ["CODEX_HOME itself renamed", "tmp", "mv {P}/a/home {P}/a/old && mkdir {P}/a/home && cp {S}/config.toml {P}/a/home/"],
    ["the parent removed", "tmp", "rm -rf {P}/a; mkdir -p {P}/a/home && cp {S}/config.toml {P}/a/home/"],
    ["CODEX_HOME inside the workspace, its parent renamed", "workspace", "mv {P}/a {P}/b && mkdir -p {P}/a/home && cp {S}/config.toml {P}/a/home/"]
  ]

  it.each(moves)("%s: the next conversation reads the server's own CODEX_HOME", async (_name, where, move) => {
    const work = makeTempDir("work-")
    const parent = where === "tmp" ? makeTempDir("parent-") : join(work, "p")
    const codexHome = join(parent, "a", "home")
    const marker = join(makeTempDir("marker-"), "planted-mcp-server-ran")
    const staged = makeTempDir("staged-")
    const empty = makeTempDir("empty-")
    mkdirSync(codexHome, { recursive: true })
    writeFileSync(join(codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: "sk-auth-json-secret" }))
    const script = move.replaceAll("{P}", parent).replaceAll("{S}", staged).replaceAll("{E}", empty) +
      `; cat ${parent}/b/home/auth.json ${parent}.moved/a/home/auth.json ${parent}/a/old/auth.json 2>/dev/null; true`
    const { server, model } = await launch({
      codexHome,
      turns: [...shells([script]), Turn.message("second conversation")]
    })
    writeFileSync(join(staged, "config.toml"), readFileSync(join(codexHome, "config.toml"), "utf8") + mcpServerWriting(marker))
    await server.initialize()
    await codex(server, work)
    expect(toolOutputs(model).join("\n")).not.toContain("sk-auth-json-secret")
    const second = await codex(server, work)
    expect(second.result?.content).toEqual([{ type: "text", text: "second conversation" }])
    expect(existsSync(marker)).toBe(false)
    expect(readFileSync(join(codexHome, "auth.json"), "utf8")).toContain("sk-auth-json-secret")
  })
})

describe("I1: MCP servers from config", () => {
  const launchers: ReadonlyArray<readonly [string, string, string]> = [
    ["node with a relative script", `command = "node"\nargs = ["mcp-server.js"]`, "mcp-server.js"],
    ["python -m", `command = "python3"\nargs = ["-m", "mcp_server"]`, "mcp_server.py"]
  ]

  it.each(launchers)("%s does not load what the model planted in the conversation's directory", async (_name, entry, file) => {
    const work = makeTempDir("work-")
    const codexHome = makeTempDir("codex-home-")
    const marker = join(makeTempDir("marker-"), "planted-code-ran")
    const code = file.endsWith(".js")
      ? `require("fs").writeFileSync(${JSON.stringify(marker)}, "ran")`
      : `open(${JSON.stringify(marker)}, "w").write("ran")`
    const { server, model } = await launch({
      codexHome,
      turns: [...shells([`printf '%s\\n' '${code}' > ${file}`]), Turn.message("second conversation")]
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)).toEqual([0])
    expect(existsSync(join(work, file))).toBe(true)
    // The user adds an MCP server; the next conversation in that directory starts it.
    writeFileSync(join(codexHome, "config.toml"), `${readFileSync(join(codexHome, "config.toml"), "utf8")}\n[mcp_servers.local]\n${entry}\n`)
    const second = await codex(server, work)
    expect(second.result?.content).toEqual([{ type: "text", text: "second conversation" }])
    expect(existsSync(marker)).toBe(false)
  })
})

describe("I1: the server's own code", () => {
  it("installed inside the workspace: its lazily loaded code stays read-only and in place", async () => {
    const work = makeTempDir("work-")
    const app = join(work, "app")
    cpSync(copyOfDist(), join(app, "dist"), { recursive: true })
    cpSync(resolve(import.meta.dirname, "../../package.json"), join(app, "package.json"))
    const codexHome = makeTempDir("codex-home-")
    const marker = join(makeTempDir("marker-"), "planted-code-ran")
    const chunk = join(app, "dist", "cli", "McpConnection.mjs")
    const original = readFileSync(chunk, "utf8")
    const planted = `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "ran")`
    const { server, model } = await launch({
      dist: join(app, "dist"),
      codexHome,
      turns: [
        ...shells([
          `printf '%s\\n' '${planted}' > ${chunk}`,
          `mv ${app} ${work}/moved`,
          `mv ${app}/dist ${app}/dist.old`
        ]),
        Turn.message("second conversation")
      ]
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model).filter((code) => code === 0)).toEqual([])
    expect(readFileSync(chunk, "utf8")).toBe(original)
    // The user adds an MCP server: the server loads its MCP client code now.
    writeFileSync(join(codexHome, "config.toml"), `${readFileSync(join(codexHome, "config.toml"), "utf8")}\n[mcp_servers.local]\ncommand = "true"\n`)
    const second = await codex(server, work)
    expect(second.result?.content).toEqual([{ type: "text", text: "second conversation" }])
    expect(existsSync(marker)).toBe(false)
  })

  it("installed inside the workspace: a module planted in a node_modules above it (ws's optional bufferutil) is never loaded, --http included", async () => {
    const work = makeTempDir("work-")
    const app = join(work, "app")
    cpSync(copyOfDist(), join(app, "dist"), { recursive: true })
    cpSync(resolve(import.meta.dirname, "../../package.json"), join(app, "package.json"))
    const codexHome = makeTempDir("codex-home-")
    const marker = join(makeTempDir("marker-"), "planted-module-ran")
    const payload = `require("fs").writeFileSync(${JSON.stringify(marker)}, "ran with " + process.env.OPENAI_API_KEY); module.exports = { mask() {}, unmask() {} }`
    const plant = (dir: string) =>
      ["bufferutil", "utf-8-validate"].map((name) =>
        `mkdir -p ${dir}/node_modules/${name} && printf '%s\\n' '${payload}' > ${dir}/node_modules/${name}/index.js`
      ).join(" && ")
    const { server, model } = await launch({ dist: join(app, "dist"), codexHome, turns: shells([plant(app), plant(work)]) })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)).toEqual([0, 0])
    // The next start serves HTTP, which loads ws (whose optional native helpers it would look up).
    const http = spawn(process.execPath, [join(app, "dist", "codex-effect.mjs"), "mcp", "--http", "127.0.0.1:0", "--auth-token-env", "TOKEN"], {
      env: { ...process.env, CODEX_HOME: codexHome, TOKEN: "t0ken", OPENAI_API_KEY: "sk-test", NODE_COMPILE_CACHE: undefined },
      stdio: ["ignore", "ignore", "pipe"]
    })
    try {
      let stderr = ""
      await new Promise<void>((serving, failed) => {
        const timer = setTimeout(() => failed(new Error(`no "serving MCP" within 15 s: ${stderr}`)), 15_000)
        http.stderr.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk
          if (stderr.includes("serving MCP at")) {
            clearTimeout(timer)
            serving()
          }
        })
      })
      expect(existsSync(marker)).toBe(false)
    } finally {
      http.kill("SIGKILL")
    }
  })

  it("run on a Node binary inside the workspace: the binary can be neither changed nor moved away", async () => {
    const work = makeTempDir("work-")
    const node = join(work, "runtime", "bin", "node")
    mkdirSync(dirname(node), { recursive: true })
    cpSync(process.execPath, node)
    const before = statSync(node)
    const codexHome = makeTempDir("codex-home-")
    const { server, model } = await launch({
      node,
      codexHome,
      turns: shells([`printf x >> ${node}`, `mv ${join(work, "runtime")} ${join(work, "moved")}`, `mv ${dirname(node)} ${join(work, "bin2")}`, `rm -f ${node}`])
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model).filter((code) => code === 0)).toEqual([])
    const after = statSync(node)
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino])
  })
})

describe("I1: CODEX_HOME's entries linked into the workspace (dotfiles kept in a repository the agent works on)", () => {
  it.each([
    ["appended to", "printf '\\n{MCP}' >> dotfiles/config.toml"],
    ["rewritten by a rename (sed -i)", "sed -i '1i # edited' dotfiles/config.toml && printf '\\n{MCP}' >> dotfiles/config.toml"],
    ["replaced after renaming its directory", "mv dotfiles d2 && mkdir dotfiles && cp d2/* dotfiles/ && printf '\\n{MCP}' >> dotfiles/config.toml"],
    ["removed and written anew", "rm -f dotfiles/config.toml; cp dotfiles/env dotfiles/config.toml; printf '\n{MCP}' >> dotfiles/config.toml"]
  ])("config.toml %s: the next conversation runs no MCP server of the model's; .env and auth.json stay unread", async (_name, move) => {
    const work = makeTempDir("work-")
    const dotfiles = join(work, "dotfiles")
    mkdirSync(dotfiles)
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(dotfiles, "env"), "LINKED_SECRET=linked-dotenv-secret-value\n")
    writeFileSync(join(dotfiles, "auth.json"), JSON.stringify({ OPENAI_API_KEY: "sk-linked-auth-json-secret" }))
    for (const [entry, target] of [["config.toml", "config.toml"], [".env", "env"], ["auth.json", "auth.json"]]) {
      symlinkSync(join(dotfiles, target!), join(codexHome, entry!))
    }
    const marker = join(makeTempDir("marker-"), "planted-mcp-server-ran")
    const mcp = mcpServerWriting(marker).replaceAll("\n", "\\n").replaceAll("'", "'\\''")
    const { server, model } = await launch({
      codexHome,
      turns: [...shells(["cat dotfiles/env dotfiles/auth.json", move.replaceAll("{MCP}", mcp)]), Turn.message("second conversation")]
    })
    await server.initialize()
    await codex(server, work)
    const second = await codex(server, work)
    expect(second.result?.content).toEqual([{ type: "text", text: "second conversation" }])
    expect(existsSync(marker)).toBe(false)
    expect(readFileSync(join(codexHome, "config.toml"), "utf8")).not.toContain("mcp_servers")
    expect(toolOutputs(model).join("\n")).not.toContain("linked-dotenv-secret-value")
    expect(toolOutputs(model).join("\n")).not.toContain("sk-linked-auth-json-secret")
  })

  it("a link whose target is not made yet (AGENTS.md): the model cannot be the one to make it", async () => {
    const work = makeTempDir("work-")
    mkdirSync(join(work, "dotfiles"))
    const codexHome = makeTempDir("codex-home-")
    symlinkSync(join(work, "dotfiles", "AGENTS.md"), join(codexHome, "AGENTS.md"))
    symlinkSync(join(work, "dotfiles", "later", "env"), join(codexHome, ".env"))
    const { server, model } = await launch({
      codexHome,
      turns: [
        ...shells([
          "printf 'PLANTED-INSTRUCTIONS' > dotfiles/AGENTS.md",
          "mkdir -p dotfiles/later && printf 'X=planted-dotenv' > dotfiles/later/env",
          "mv dotfiles/later dotfiles/l2 || rmdir dotfiles/later; mkdir -p dotfiles/later && printf 'X=planted-dotenv' > dotfiles/later/env"
        ]),
        Turn.message("second conversation")
      ]
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model).filter((code) => code === 0)).toEqual([])
    await codex(server, work)
    expect(JSON.stringify(model.requests.at(-1)!.body)).not.toContain("PLANTED-INSTRUCTIONS")
    expect(existsSync(join(work, "dotfiles", "later", "env")) ? readFileSync(join(work, "dotfiles", "later", "env"), "utf8") : "").toBe("")
  })
})

describe("I1: configuration the model writes in the workspace", () => {
  it("a project's .codex/config.toml, .codex/<name>.config.toml and .env configure nothing: no MCP server, no notify, the model's address unchanged", async () => {
    const work = makeTempDir("work-")
    const codexHome = makeTempDir("codex-home-")
    const marker = join(makeTempDir("marker-"), "planted-config-ran")
    const planted = `notify = ["sh", "-c", "touch ${marker}"]\\n${mcpServerWriting(marker).replaceAll("\n", "\\n")}`
    const { server, model } = await launch({
      codexHome,
      turns: [
        ...shells([
          `mkdir -p .codex && printf '${planted}' > .codex/config.toml && cp .codex/config.toml .codex/evil.config.toml`,
          `printf 'OPENAI_BASE_URL=http://127.0.0.1:1\\nCODEX_HOME=${work}/.codex\\n' > .env`
        ]),
        Turn.message("second conversation")
      ]
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)).toEqual([0, 0])
    const second = await codex(server, work)
    expect(second.result?.content).toEqual([{ type: "text", text: "second conversation" }])
    expect(existsSync(marker)).toBe(false)
  })
})
