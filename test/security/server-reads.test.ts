/**
 * I3 (docs/security.md), the files the server reads on the model's behalf: the server's secrets reach
 * neither the model nor a client through them. End to end: the built server, a hostile mock model,
 * real bubblewrap.
 *
 * apply_patch reads the files a patch names (to plan it) and, after each patch, every file the turn
 * has patched so far (for the `turn_diff` event). The server reads them itself, unsandboxed: a file
 * the model replaced with a symlink to the server's `/proc/self/environ`, or to CODEX_HOME's
 * `auth.json`, must not be read through, or the provider key and the signed-in tokens end up in the
 * events every client of the conversation gets (and in approval requests).
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { callCodex, runExec, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { MockTurn } from "../support/MockModelServer.js"

const { makeStage, start } = useHostileStage()

const API_KEY = "sk-server-secret-0123456789abcdef"
const TOKEN = "signed-in-token-fedcba9876543210"

const addFile = (name: string, callId: string) => MockTurn.applyPatch(`*** Begin Patch\n*** Add File: ${name}\n+hello\n*** End Patch`, { callId })

describe("I3: the server reads no file for the model where a command could not", () => {
  it.each([
    { target: "the server's /proc/self/environ", link: "/proc/self/environ" },
    { target: "CODEX_HOME/auth.json", link: "auth" }
  ])("a patched file swapped for a symlink to $target: the next turn_diff holds none of it", async ({ link }) => {
    const stage = makeStage()
    const authJson = join(stage.codexHome, "auth.json")
    writeFileSync(authJson, JSON.stringify({ OPENAI_API_KEY: null, tokens: { access_token: TOKEN } }))
    const to = link === "auth" ? authJson : link
    const { server } = await start(stage, [
      addFile("tracked.txt", "p1"),
      MockTurn.shell(["sh", "-c", `ln -sf ${to} tracked.txt && echo linked`], { callId: "ln" }),
      addFile("next.txt", "p2"),
      MockTurn.message("done")
    ], { env: { OPENAI_API_KEY: API_KEY } })
    const { events } = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })

    const diffs = events.filter((event) => event.type === "turn_diff").map((event) => String(event.unified_diff))
    expect(diffs.length).toBe(2)
    expect(diffs[1]).toContain("next.txt")
    const everything = JSON.stringify(server.messages)
    expect(everything).not.toContain(API_KEY)
    expect(everything).not.toContain(TOKEN)
  })

  it("patches through symlinks to CODEX_HOME/.env and the server's environment, under on-request: the approval requests show none of it", async () => {
    const stage = makeStage()
    writeFileSync(join(stage.codexHome, ".env"), `SOME_TOKEN=${TOKEN}\n`)
    const { server } = await start(stage, [
      MockTurn.shell(["sh", "-c", `ln -s ${join(stage.codexHome, ".env")} env && ln -s /proc/self/environ environ && echo linked`], { callId: "ln" }),
      MockTurn.applyPatch("*** Begin Patch\n*** Delete File: env\n*** End Patch", { callId: "del" }),
      MockTurn.applyPatch("*** Begin Patch\n*** Update File: environ\n@@\n+more\n*** End Patch", { callId: "upd" }),
      MockTurn.message("done")
    ], { env: { OPENAI_API_KEY: API_KEY } })
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "on-request", cwd: stage.work }, "denied")
    const everything = JSON.stringify(server.messages)
    expect(everything).not.toContain(API_KEY)
    expect(everything).not.toContain(TOKEN)
  })

  it("an instructions file the config names in the workspace, linked by the model to the server's environment: the next conversation's model never gets it", async () => {
    const stage = makeStage()
    writeFileSync(join(stage.work, "INSTRUCTIONS.md"), "Be brief.\n")
    const { server, model } = await start(stage, [
      MockTurn.shell(["sh", "-c", "ln -sf /proc/self/environ INSTRUCTIONS.md && echo linked"], { callId: "ln" }),
      MockTurn.message("done"),
      MockTurn.message("second")
    ], { env: { OPENAI_API_KEY: API_KEY }, extra: `experimental_instructions_file = "INSTRUCTIONS.md"` })
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    const second = await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    expect(JSON.stringify(model.requests.map((request) => request.body))).not.toContain(API_KEY)
    expect(JSON.stringify(second.result)).toContain("leads where the server does not read for the model")
  })

  it("held: a configured MCP server's environment holds none of the server's secrets (the model asks it with get-env)", async () => {
    const stage = makeStage()
    const mcp = mcpServerToml("everything", everythingStdio())
    const { server, model } = await start(stage, [
      MockTurn.functionCall("everything__get-env", {}, "env"),
      MockTurn.message("done")
    ], { env: { OPENAI_API_KEY: API_KEY, SOME_TOKEN: TOKEN }, workspaceWrite: `\n${mcp}` })
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    const [env] = toolOutputs(model)
    expect(env).toContain("PATH")
    expect(env).not.toContain(API_KEY)
    expect(env).not.toContain(TOKEN)
  })

  it("a FIFO or a device as an image, a project doc or a patched file: never opened, so a writer waiting on the FIFO stays waiting", async () => {
    const stage = makeStage()
    const fifos = ["image.png", "AGENTS.md", "patched.txt"].map((name) => join(stage.work, name))
    const writers = fifos.map((fifo) => {
      execFileSync("mkfifo", [fifo])
      // Opening a FIFO to write waits for a reader: the marker appears only if the server opened it.
      return spawn("sh", ["-c", `exec 3>'${fifo}' && touch '${fifo}.opened'`], { stdio: "ignore" })
    })
    try {
      const { server, model } = await start(stage, [
        MockTurn.functionCall("view_image", { path: "image.png" }, "img"),
        MockTurn.functionCall("view_image", { path: "/dev/zero" }, "dev"),
        MockTurn.applyPatch("*** Begin Patch\n*** Update File: patched.txt\n@@\n+more\n*** End Patch", { callId: "upd" }),
        MockTurn.message("done")
      ])
      await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
      const [image, device, patch] = toolOutputs(model)
      expect(image).toMatch(/not a regular file \(a FIFO\)/)
      expect(device).toMatch(/not a regular file \(a character device\)/)
      expect(patch).not.toContain("more")
      for (const fifo of fifos) expect(existsSync(`${fifo}.opened`)).toBe(false)
    } finally {
      for (const writer of writers) writer.kill("SIGKILL")
    }
  })
})

/** Every data URL in `body`, decoded. */
const dataUrlContents = (body: unknown): string =>
  [...JSON.stringify(body).matchAll(/data:[^;"]*;base64,([A-Za-z0-9+/=]+)/g)].map((match) => Buffer.from(match[1]!, "base64").toString("latin1")).join("\n")

describe("I3: an image the user attaches", () => {
  it.each([
    { target: "the server's /proc/self/environ", link: "/proc/self/environ" },
    { target: "CODEX_HOME/auth.json", link: "auth" }
  ])("swapped by an earlier run's command for a symlink to $target: the next request carries none of it", async ({ link }) => {
    const stage = makeStage()
    const authJson = join(stage.codexHome, "auth.json")
    writeFileSync(authJson, JSON.stringify({ OPENAI_API_KEY: null, tokens: { access_token: TOKEN } }))
    const shot = join(stage.work, "shot.png")
    writeFileSync(shot, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]))
    const to = link === "auth" ? authJson : link
    const env = { SERVER_SIDE_SECRET: API_KEY }
    const first = await runExec(stage, [MockTurn.shell(["sh", "-c", `ln -sf ${to} shot.png && echo linked`]), MockTurn.message("done")], [], { env })
    expect(first.status, first.stderr.slice(-2000)).toBe(0)
    const second = await runExec(stage, [MockTurn.message("seen")], ["--image", shot], { env })
    expect(second.status, second.stderr.slice(-2000)).toBe(0)
    const sent = dataUrlContents(second.model.requests[0]!.body)
    expect(sent).not.toContain(API_KEY)
    expect(sent).not.toContain(TOKEN)
  })

  it("an --output-schema an earlier run's command swapped for a symlink to CODEX_HOME/auth.json: refused, never sent", async () => {
    const stage = makeStage()
    const authJson = join(stage.codexHome, "auth.json")
    writeFileSync(authJson, JSON.stringify({ OPENAI_API_KEY: null, tokens: { access_token: TOKEN } }))
    const schema = join(stage.work, "schema.json")
    writeFileSync(schema, JSON.stringify({ type: "object", properties: {}, additionalProperties: false }))
    const first = await runExec(stage, [MockTurn.shell(["sh", "-c", `ln -sf ${authJson} schema.json && echo linked`]), MockTurn.message("done")], [])
    expect(first.status, first.stderr.slice(-2000)).toBe(0)
    const second = await runExec(stage, [MockTurn.message("{}")], ["--output-schema", schema])
    expect(JSON.stringify(second.model.requests.map((request) => request.body))).not.toContain(TOKEN)
    expect(second.status).toBe(1)
    expect(second.stderr).toContain(`--output-schema ${schema}`)
  })
})

