/**
 * Approvals on the MCP tool path: exec and patch approval requests become
 * `elicitation/create` requests with the conversation's `threadId` and every `codex_*` field; `{decision}` and MCP `{action}` answers
 * both work; a denial reaches the model; a cancelled call interrupts its turn and kills its command.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { type MockModelServer, MockTurn } from "../support/MockModelServer.js"
import { processesWith } from "../exec/support.js"
import { waitForProcessExit } from "../support/Processes.js"
import { makeTempDir } from "../support/ServerProcess.js"

const start = useAgentServer()

const outputSent = (model: MockModelServer, request: number) =>
  (model.requests[request]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content

describe("exec approval", () => {
  it("asks with an elicitation and runs the command once approved (git init)", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server } = await start([
      MockTurn.shell(["git", "init"], { workdir, timeoutMs: 5000 }),
      MockTurn.message("Enjoy your new git repo!")
    ])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "run `git init`" } } })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    expect(elicitation.id).toBe(0)
    expect(elicitation.params).toEqual({
      message: `Allow Codex to run \`git init\` in \`${workdir}\`?`,
      requestedSchema: expect.objectContaining({ type: "object" }),
      threadId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      codex_elicitation: "exec-approval",
      codex_mcp_tool_call_id: "1",
      codex_event_id: "1",
      codex_call_id: "call1234",
      codex_command: ["git", "init"],
      codex_cwd: workdir,
      codex_parsed_cmd: [{ type: "unknown", cmd: "git init" }]
    })
    server.send({ id: elicitation.id!, result: { decision: "approved" } })
    const answer = await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(answer.result.content).toEqual([{ type: "text", text: "Enjoy your new git repo!" }])
    expect(elicitation.params.threadId).toBe(answer.result.structuredContent.threadId)
    expect(existsSync(join(workdir, ".git"))).toBe(true)
  })

  it("takes an MCP {action: accept} answer as approval", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server } = await start([MockTurn.shell(["touch", "made.txt"], { workdir }), MockTurn.message("done")])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "touch" } } })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    server.send({ id: elicitation.id!, result: { action: "accept", content: {} } })
    await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(existsSync(join(workdir, "made.txt"))).toBe(true)
  })

  it("never runs a denied command and tells the model", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server, model } = await start([MockTurn.shell(["touch", "never.txt"], { workdir }), MockTurn.message("ok")])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "touch" } } })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    server.send({ id: elicitation.id!, result: { action: "decline" } })
    await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(existsSync(join(workdir, "never.txt"))).toBe(false)
    expect(outputSent(model, 1)).toBe("exec command rejected by user")
  })

  it("tells the model the client cannot show approvals when elicitation answers -32601", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server, model } = await start([MockTurn.shell(["touch", "x.txt"], { workdir }), MockTurn.message("ok")])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "touch" } } })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    server.send({ id: elicitation.id!, error: { code: -32601, message: "elicitation not supported" } })
    await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(existsSync(join(workdir, "x.txt"))).toBe(false)
    expect(outputSent(model, 1)).toMatch(/^exec command rejected: this MCP client cannot show approval requests/)
  })
})

describe("patch approval", () => {
  it("asks with the changes and applies the patch once approved", async () => {
    const cwd = makeTempDir("codex-work-")
    const file = join(cwd, "destination_file.txt")
    writeFileSync(file, "original content\n")
    const patch = "*** Begin Patch\n*** Update File: destination_file.txt\n@@\n-original content\n+modified content\n*** End Patch"
    const { server } = await start([
      MockTurn.applyPatch(patch, { workdir: cwd }),
      MockTurn.message("Patch has been applied successfully!")
    ])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "edit", cwd } } })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    expect(elicitation.params).toEqual({
      message: "Allow Codex to apply proposed code changes?",
      requestedSchema: expect.objectContaining({ type: "object" }),
      threadId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      codex_elicitation: "patch-approval",
      codex_mcp_tool_call_id: "1",
      codex_event_id: "1",
      codex_call_id: "call1234",
      codex_changes: {
        [file]: { update: { unified_diff: "@@ -1 +1 @@\n-original content\n+modified content\n", move_path: null } }
      }
    })
    server.send({ id: elicitation.id!, result: { decision: "approved" } })
    const answer = await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(answer.result.content[0].text).toBe("Patch has been applied successfully!")
    expect(readFileSync(file, "utf8")).toBe("modified content\n")
    const types = server.messages.filter((m) => m.method === "codex/event").map((m) => m.params.msg.type)
    expect(types).toEqual(expect.arrayContaining(["patch_apply_begin", "patch_apply_end", "turn_diff"]))
  })
})

describe("cancellation", () => {
  it("interrupts the turn on notifications/cancelled: turn_aborted, no answer, the command is gone", async () => {
    const workdir = makeTempDir("codex-work-")
    // The command runs in its own PID namespace, so its `$$` means nothing here: find it by its argv.
    const duration = `${30 + (process.pid % 1000) / 1000}`
    const { server } = await start(
      [MockTurn.shell(["bash", "-c", `exec sleep ${duration}`], { workdir, timeoutMs: 60_000 })],
      { approvalPolicy: "never" }
    )
    server.send({ id: 7, method: "tools/call", params: { name: "codex", arguments: { prompt: "sleep" } } })
    await server.waitFor((m) => m.method === "codex/event" && m.params.msg.type === "exec_command_begin", "the command to start")
    const deadline = Date.now() + 5000
    while (processesWith(`sleep\0${duration}`).length === 0) {
      if (Date.now() > deadline) throw new Error(`sleep ${duration} never started`)
      await new Promise((resolve) => setImmediate(resolve))
    }
    const [pid] = processesWith(`sleep\0${duration}`)
    server.send({ method: "notifications/cancelled", params: { requestId: 7, reason: "user hit stop" } })
    const aborted = await server.waitFor(
      (m) => m.method === "codex/event" && m.params.msg.type === "turn_aborted",
      "turn_aborted",
      1_000
    )
    expect(aborted.params).toMatchObject({ _meta: { requestId: 7 }, msg: { type: "turn_aborted", reason: "interrupted" } })
    await waitForProcessExit(pid!)
    expect(await server.request("ping")).toMatchObject({ result: {} })
    expect(server.messages.filter((m) => m.id === 7)).toEqual([])
  })
})

describe("progress", () => {
  it("sends notifications/progress when the call carries a progress token", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server } = await start([MockTurn.shell(["echo", "hi"], { workdir }), MockTurn.message("all done")])
    const answer = await server.request("tools/call", {
      name: "codex",
      arguments: { prompt: "echo" },
      _meta: { progressToken: "tok-1" }
    })
    expect(answer.result.content[0].text).toBe("all done")
    const progress = server.messages.filter((m) => m.method === "notifications/progress").map((m) => m.params)
    expect(progress).toEqual([
      { progressToken: "tok-1", progress: 1, message: "Running echo hi" },
      { progressToken: "tok-1", progress: 2, message: "all done" }
    ])
  })
})

describe("an approval while the server drains (SIGTERM)", () => {
  it("still takes the client's answer: the call ends with its result, new requests are refused, and the server exits 0", async () => {
    const workdir = makeTempDir("codex-work-")
    const { server } = await start([MockTurn.shell(["touch", "drained.txt"], { workdir }), MockTurn.message("done while draining")])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "touch" } } })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    server.child.kill("SIGTERM")
    await server.waitForStderr(/draining: 1 requests to answer/, 10_000)
    server.send({ id: 2, method: "ping" })
    const refused = await server.waitFor((m) => m.id === 2, "the refusal of a new request")
    expect(refused.error?.message).toMatch(/^Server shutting down/)
    server.send({ id: elicitation.id!, result: { decision: "approved" } })
    const answer = await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(answer.result.content).toEqual([{ type: "text", text: "done while draining" }])
    expect(existsSync(join(workdir, "drained.txt"))).toBe(true)
    expect((await server.waitForExit(10_000)).code).toBe(0)
  })
})
