/**
 * What a new user trips on, against the built server: a provider with no credential is named in a
 * warning; a cwd that does not exist is refused before the conversation starts; with HOME under /tmp,
 * workspace-write commands still run and one warning names `exclude_slash_tmp`; an `untrusted`
 * approval in a sandboxed mode says the approved command runs outside the sandbox.
 */
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { makeTempDir } from "../support/ServerProcess.js"

const start = useAgentServer()

describe("a new user's first calls", () => {
  it("warns once that the provider is sent no credential", async () => {
    const { server } = await start([MockTurn.message("one"), MockTurn.message("two")])
    await server.request("tools/call", { name: "codex", arguments: { prompt: "hi" } })
    await server.request("tools/call", { name: "codex", arguments: { prompt: "again" } })
    const warnings = server.stderr.match(/level=WARN .*model provider `mock_provider` has no credential[^\n]*/g) ?? []
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain("env_key")
  })

  it("refuses a cwd that does not exist, before any model request", async () => {
    const { server, model } = await start([MockTurn.message("never")])
    const missing = join(makeTempDir("codex-work-"), "not-there")
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi", cwd: missing } })
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toContain(`cwd ${missing} does not exist`)
    expect(model.requests).toHaveLength(0)
  })

  it("runs workspace-write commands with HOME under /tmp and names exclude_slash_tmp once", async () => {
    const home = join(makeTempDir("codex-home-dir-"), "home")
    mkdirSync(home)
    const work = makeTempDir("codex-work-")
    const { server } = await start(
      [MockTurn.shell(["touch", "one"], { workdir: work }), MockTurn.shell(["touch", "two"], { callId: "call2", workdir: work }), MockTurn.message("done")],
      { sandboxMode: "workspace-write", approvalPolicy: "never" },
      { HOME: home }
    )
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "touch", cwd: work } }, 30_000)
    expect(answer.result.structuredContent).toMatchObject({ content: "done" })
    expect(existsSync(join(work, "one")) && existsSync(join(work, "two"))).toBe(true)
    const notices = server.messages.filter((m) =>
      m.method === "codex/event" && m.params.msg.type === "background_event" && m.params.msg.message.includes("exclude_slash_tmp")
    )
    expect(notices).toHaveLength(1)
    expect(notices[0]!.params.msg.message).toMatch(/^\/tmp is not writable in the sandbox/)
    expect(server.stderr).not.toContain("Start the conversation in a project directory")
  })

  it("says in an untrusted approval that the approved command runs outside the sandbox", async () => {
    const work = makeTempDir("codex-work-")
    const { server } = await start(
      [MockTurn.shell(["touch", "made"], { workdir: work }), MockTurn.message("done")],
      { sandboxMode: "workspace-write", approvalPolicy: "untrusted" }
    )
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "touch", cwd: work } } })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    expect(elicitation.params.message).toBe(
      `Once approved, this command runs outside the sandbox, with full access to files and network.\nAllow Codex to run \`touch made\` in \`${work}\`?`
    )
    server.send({ id: elicitation.id!, result: { decision: "denied" } })
    await server.waitFor((m) => m.id === 1, "the codex tool result")
  })
})
