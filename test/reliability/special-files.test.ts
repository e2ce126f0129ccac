/**
 * Files the server is pointed at by a model or a client that are not plain, small files: FIFOs
 * (and symlinks to them), devices (`/dev/zero`, `/dev/stdin`), directories, sockets, a sparse 8 GiB
 * file, a `/proc` file that yields far more than its size says. Each must be refused with a clear
 * error, neither blocking the event loop (the next `ping` is answered within a second) nor growing
 * memory (the server's peak RSS stays under `PEAK_RSS_BOUND_MIB`).
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { peakRssMiB } from "../support/Processes.js"
import { makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

/** Measured: ~70 MiB idle, ~115 MiB after the capped /proc read below; reading /dev/zero passed 270 MiB within 1.5 s. */
const PEAK_RSS_BOUND_MIB = 200

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A workspace holding one of each kind of file that must not be read. */
const specialWorkspace = async () => {
  const dir = makeTempDir("codex-special-")
  execFileSync("mkfifo", [join(dir, "pipe")])
  symlinkSync(join(dir, "pipe"), join(dir, "link-to-pipe"))
  mkdirSync(join(dir, "directory"))
  writeFileSync(join(dir, "huge.bin"), "")
  truncateSync(join(dir, "huge.bin"), 8 * 1024 * 1024 * 1024)
  writeFileSync(join(dir, "plain.txt"), "plain\n")
  const socket: Server = createServer()
  await new Promise<void>((resolve) => socket.listen(join(dir, "socket"), resolve))
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  return dir
}

const startServer = async (turns: ReadonlyArray<MockTurn>, config: Parameters<typeof mockConfigToml>[1]) => {
  const model: MockModelServer = await startMockModelServer(turns)
  cleanups.push(() => model.close())
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, config))
  const server = spawnServer({ codexHome, env: { CODEX_EFFECT_LOG: "error" } })
  cleanups.push(() => server.kill())
  await server.initialize()
  return { model, server, codexHome }
}

/** The server still serves: a ping is answered within a second, and memory never went past the bound. */
const stillServing = async (server: ServerProcess) => {
  expect(await server.request("ping", undefined, 1_000)).toMatchObject({ result: {} })
  expect(peakRssMiB(server.child.pid!)).toBeLessThan(PEAK_RSS_BOUND_MIB)
}

/** What the model was told for each of its tool calls (chat wire: `role: "tool"` messages of the last request). */
const toolOutputs = (model: MockModelServer): Array<string> =>
  (model.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>)
    .filter((m) => m.role === "tool")
    .map((m) => m.content)

const patch = (...lines: ReadonlyArray<string>) => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n")

/** Runs the patches as one codex call (one tool call per model turn) and returns what the model was told for each. */
const runPatches = async (
  patches: ReadonlyArray<string>,
  workdir: string,
  config: Parameters<typeof mockConfigToml>[1]
) => {
  const { model, server } = await startServer(
    [...patches.map((text, i) => MockTurn.applyPatch(text, { workdir, callId: `call-${i}` })), MockTurn.message("done")],
    config
  )
  const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "patch", cwd: workdir } }, 15_000)
  expect(answer.result.content[0].text).toBe("done")
  return { server, outputs: toolOutputs(model) }
}

describe("apply_patch on special files", () => {
  it("under read-only + never, refuses /dev/zero and a FIFO from the paths alone, reading nothing", async () => {
    const workdir = await specialWorkspace()
    const { server, outputs } = await runPatches(
      [patch("*** Update File: /dev/zero", "@@", "-a", "+b"), patch("*** Update File: pipe", "@@", "-a", "+b")],
      workdir,
      { approvalPolicy: "never", sandboxMode: "read-only" }
    )
    for (const output of outputs) expect(output).toMatch(/^patch rejected: writing outside of the project/)
    await stillServing(server)
  })

  it("where writing is allowed, refuses each special file with a reason and changes nothing", async () => {
    const workdir = await specialWorkspace()
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      [patch("*** Update File: pipe", "@@", "-a", "+b"), /Failed to read file to update .*pipe: not a regular file \(a FIFO\)/],
      [patch("*** Update File: link-to-pipe", "@@", "-a", "+b"), /link-to-pipe: not a regular file \(a FIFO\)/],
      [patch("*** Update File: /dev/zero", "@@", "-a", "+b"), /\/dev\/zero: not a regular file \(a character device\)/],
      [patch("*** Update File: /dev/stdin", "@@", "-a", "+b"), /\/dev\/stdin: not a regular file/],
      [patch("*** Update File: socket", "@@", "-a", "+b"), /socket: not a regular file/],
      [patch("*** Update File: directory", "@@", "-a", "+b"), /directory: Is a directory/],
      [patch("*** Update File: huge.bin", "@@", "-a", "+b"), /huge\.bin: larger than the 8 MiB limit/],
      [patch("*** Update File: /proc/self/pagemap", "@@", "-a", "+b"), /pagemap: leads where the server does not read for the model/],
      [patch("*** Delete File: pipe"), /Failed to read .*pipe: not a regular file \(a FIFO\)/],
      [patch("*** Add File: pipe", "+x"), /Failed to write file .*pipe: not a regular file \(a FIFO\)/],
      [
        patch("*** Update File: plain.txt", "*** Move to: /dev/null", "@@", "-plain", "+moved"),
        /Failed to write file \/dev\/null: not a regular file \(a character device\)/
      ]
    ]
    const { server, outputs } = await runPatches(cases.map(([text]) => text), workdir, {
      approvalPolicy: "never",
      sandboxMode: "danger-full-access"
    })
    expect(outputs).toHaveLength(cases.length)
    cases.forEach(([text, expected], i) => expect(outputs[i], text).toMatch(expected))
    expect(readFileSync(join(workdir, "plain.txt"), "utf8")).toBe("plain\n")
    await stillServing(server)
  })
})

describe("client requests naming special files", () => {
  const specials = (workdir: string) => [
    join(workdir, "pipe"),
    join(workdir, "link-to-pipe"),
    join(workdir, "socket"),
    join(workdir, "directory"),
    join(workdir, "huge.bin"),
    "/dev/zero",
    "/dev/stdin"
  ]

  it("resumeConversation answers each with an error", async () => {
    const workdir = await specialWorkspace()
    const { server } = await startServer([], { approvalPolicy: "never" })
    for (const path of specials(workdir)) {
      const answer = await server.request("resumeConversation", { path }, 2_000)
      expect(answer.error, path).toMatchObject({ code: -32600, message: expect.stringMatching(/^failed to read rollout .*: (not a regular file|is a directory|larger than)/) })
    }
    await stillServing(server)
  })

  it("sendUserMessage and sendUserTurn answer a localImage that is not a small regular file with -32602 naming the item", async () => {
    const workdir = await specialWorkspace()
    const { server } = await startServer([], { approvalPolicy: "never" })
    const { conversationId } = (await server.request("newConversation", { cwd: workdir })).result
    for (const path of specials(workdir)) {
      const items = [{ type: "text", data: { text: "look" } }, { type: "localImage", data: { path } }]
      const message = await server.request("sendUserMessage", { conversationId, items }, 2_000)
      expect(message.error, path).toMatchObject({ code: -32602, message: expect.stringMatching(/^items\[1\]\.data\.path: cannot attach image /) })
      const turn = await server.request("sendUserTurn", {
        conversationId,
        items,
        cwd: workdir,
        approvalPolicy: "never",
        sandboxPolicy: { mode: "read-only" },
        model: "mock-model",
        effort: "medium",
        summary: "auto"
      }, 2_000)
      expect(turn.error, path).toMatchObject({ code: -32602 })
    }
    await stillServing(server)
  })

  it("newConversation refuses an experimental_instructions_file that is a device or a FIFO", async () => {
    const workdir = await specialWorkspace()
    const { server } = await startServer([], { approvalPolicy: "never" })
    for (const path of ["/dev/zero", join(workdir, "pipe")]) {
      const answer = await server.request("newConversation", { config: { experimental_instructions_file: path } }, 2_000)
      expect(answer.error?.message, path).toMatch(/failed to read experimental instructions file .*: not a regular file/)
    }
    await stillServing(server)
  })
})
