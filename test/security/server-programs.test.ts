/**
 * Invariant I1 (docs/security.md) for the programs the server itself starts outside any sandbox:
 * bubblewrap, the `notify` program and stdio MCP servers. Named without a `/`, each is looked up in
 * the server's PATH, and a PATH often holds a directory a sandboxed command can write: started
 * through `npx` or an npm script, the server's PATH begins with the project's `node_modules/.bin`,
 * which is inside the workspace. A program the model plants there under the right name must never be
 * the one the server runs. End to end against the built server and real bubblewrap, with a hostile
 * model under the default `workspace-write` + `never`, /tmp and $TMPDIR left out of the roots so a
 * marker written there proves the planted program ran unsandboxed.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { useServerCleanup } from "../support/AgentServer.js"
import { toolOutputs } from "../support/HostileWorkspace.js"
import { type MockTurn, MockTurn as Turn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, ServerProcess } from "../support/ServerProcess.js"

const track = useServerCleanup()

/** Keeps /tmp and $TMPDIR out of the model's writable roots: its workspace is the only one. */
const WORKSPACE_ONLY = "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true"

const launch = async (options: {
  readonly codexHome: string
  /** The server's PATH, and its working directory (as `npx` in the project would start it). */
  readonly path: string
  readonly cwd: string
  readonly turns: ReadonlyArray<MockTurn>
  readonly extra?: string
}) => {
  const model = await startMockModelServer(options.turns)
  const config = mockConfigToml(model.url, {
    approvalPolicy: "never",
    sandboxMode: "workspace-write",
    ...(options.extra !== undefined ? { extra: options.extra } : {})
  })
  writeFileSync(join(options.codexHome, "config.toml"), `${config}\n${WORKSPACE_ONLY}\n`)
  const server = new ServerProcess({ codexHome: options.codexHome, env: { PATH: options.path }, cwd: options.cwd })
  track({ server, model })
  return { server, model }
}

/** Polls `check` until it holds; fails loudly with `what` after `timeoutMs`. */
const waitUntil = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const codex = (server: ServerProcess, cwd: string, prompt = "go") =>
  server.request("tools/call", { name: "codex", arguments: { prompt, cwd } }, 30_000)

const exitCodes = (model: Parameters<typeof toolOutputs>[0]) =>
  toolOutputs(model).map((output) => JSON.parse(output).metadata.exit_code as number)

/** A command that plants `name` in `dir`: it leaves `marker` behind, then hands over to `then` (if any). */
const plant = (dir: string, name: string, marker: string, then?: string) =>
  `mkdir -p ${dir} && printf '#!/bin/sh\\necho ran >> ${marker}\\n${then === undefined ? "" : `exec ${then} "$@"\\n`}' > ${dir}/${name} && chmod +x ${dir}/${name}`

/** Directories outside `/tmp` and `$TMPDIR` (which every sandbox may write), for the user's own programs. */
const TRUSTED_PARENT = resolve(import.meta.dirname, "../../.test-homes")
const trustedDirs: Array<string> = []
afterAll(() => {
  for (const dir of trustedDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A real program `name` in a directory of its own (the user's, outside every root), writing `ran` to `file`. */
const userProgram = (name: string, file: string) => {
  mkdirSync(TRUSTED_PARENT, { recursive: true, mode: 0o755 })
  const bin = mkdtempSync(join(TRUSTED_PARENT, "user-bin-"))
  trustedDirs.push(bin)
  writeFileSync(join(bin, name), `#!/bin/sh\necho ran >> ${file}\n`)
  chmodSync(join(bin, name), 0o755)
  return bin
}

describe("I1: programs the server starts, looked up in a PATH that reaches the workspace", () => {
  it("bwrap planted in the workspace's node_modules/.bin is never run: commands keep running in the real sandbox", async () => {
    const work = makeTempDir("work-")
    const bin = join(work, "node_modules/.bin")
    mkdirSync(bin, { recursive: true })
    const marker = join(makeTempDir("marker-"), "planted-bwrap-ran")
    const codexHome = makeTempDir("codex-home-")
    const outside = join(makeTempDir("outside-"), "x")
    const { server, model } = await launch({
      codexHome,
      cwd: work,
      path: `${bin}:${process.env.PATH}`,
      turns: [
        Turn.shell(["sh", "-c", plant(bin, "bwrap", marker, "/usr/bin/bwrap")], { callId: "c0" }),
        Turn.shell(["sh", "-c", `touch ${outside}`], { callId: "c1" }),
        Turn.message("done")
      ]
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)[0]).toBe(0)
    expect(existsSync(join(bin, "bwrap"))).toBe(true)
    expect(existsSync(marker)).toBe(false)
    // The second command ran in the real sandbox: /tmp is not among its roots.
    expect(exitCodes(model)[1]).not.toBe(0)
    expect(existsSync(outside)).toBe(false)
  })

  it("a notify program planted earlier in PATH than the user's is never run; the user's is", async () => {
    const work = makeTempDir("work-")
    const bin = join(work, "node_modules/.bin")
    mkdirSync(bin, { recursive: true })
    const marker = join(makeTempDir("marker-"), "planted-notify-ran")
    const notified = join(makeTempDir("notified-"), "user-notify-ran")
    const userBin = userProgram("codex-test-notify", notified)
    const codexHome = makeTempDir("codex-home-")
    const { server, model } = await launch({
      codexHome,
      cwd: work,
      path: `${bin}:${userBin}:${process.env.PATH}`,
      extra: `notify = ["codex-test-notify"]`,
      turns: [
        Turn.shell(["sh", "-c", plant(bin, "codex-test-notify", marker)], { callId: "c0" }),
        Turn.message("done"),
        Turn.message("second")
      ]
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)).toEqual([0])
    // A second task, so a notifier looked up after the plant certainly ran once more.
    await codex(server, work)
    await waitUntil("the user's notify program to run twice", () => existsSync(notified) && readFileSync(notified, "utf8").split("\n").length > 2)
    expect(existsSync(marker)).toBe(false)
    expect(existsSync(notified)).toBe(true)
  })

  it("an MCP server command planted earlier in PATH is never started by a later conversation", async () => {
    const work = makeTempDir("work-")
    const bin = join(work, "node_modules/.bin")
    mkdirSync(bin, { recursive: true })
    const marker = join(makeTempDir("marker-"), "planted-mcp-ran")
    const started = join(makeTempDir("started-"), "user-mcp-ran")
    const userBin = userProgram("codex-test-mcp", started)
    const codexHome = makeTempDir("codex-home-")
    const { server, model } = await launch({
      codexHome,
      cwd: work,
      path: `${bin}:${userBin}:${process.env.PATH}`,
      turns: [Turn.shell(["sh", "-c", plant(bin, "codex-test-mcp", marker)], { callId: "c0" }), Turn.message("done"), Turn.message("second")]
    })
    await server.initialize()
    await codex(server, work)
    expect(exitCodes(model)).toEqual([0])
    writeFileSync(join(codexHome, "config.toml"), `${readFileSync(join(codexHome, "config.toml"), "utf8")}\n[mcp_servers.local]\ncommand = "codex-test-mcp"\n`)
    await codex(server, work)
    expect(existsSync(started)).toBe(true)
    expect(existsSync(marker)).toBe(false)
  })
})
