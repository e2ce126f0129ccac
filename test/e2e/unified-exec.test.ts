/**
 * `exec_command` + `write_stdin` end to end (built server, mock model, real bubblewrap): the families
 * prompted for them get them instead of `shell`, a config switch chooses either way, a command keeps
 * running across tool calls and reads what `write_stdin` sends, a PTY when asked, and whatever is still
 * running when the turn ends is killed with it (the reference leaves it running). `login: false` keeps
 * the machine's shell profile out of the output.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { processesWith } from "../exec/support.js"
import { useAgentServer } from "../support/AgentServer.js"
import { toolOutputs } from "../support/HostileWorkspace.js"
import { MockTurn } from "../support/MockModelServer.js"
import { waitForProcessExit } from "../support/Processes.js"
import { makeTempDir, type ServerProcess } from "../support/ServerProcess.js"

const start = useAgentServer()

let token = ""
afterEach(() => {
  // Only matters when a test fails: leave nothing running behind.
  if (token !== "") for (const pid of processesWith(token)) process.kill(pid, "SIGKILL")
})

const callCodex = (server: ServerProcess, args: Record<string, unknown>) =>
  server.request("tools/call", {
    name: "codex",
    arguments: { prompt: "run it", "approval-policy": "never", sandbox: "workspace-write", cwd: makeTempDir("unified-exec-"), ...args }
  })

const toolNames = (body: any): Array<string> => (body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name)

describe("exec_command and write_stdin", () => {
  it("gpt-5.x gets them instead of shell; a model the reference does not know keeps shell; the config switch chooses", async () => {
    const { server, model } = await start([MockTurn.message("a"), MockTurn.message("b")])
    await callCodex(server, { model: "gpt-5.1-codex" })
    await callCodex(server, { model: "llama3" })
    expect(toolNames(model.requests[0]!.body).slice(0, 3)).toEqual(["exec_command", "write_stdin", "request_user_input"])
    expect(toolNames(model.requests[0]!.body)).not.toContain("shell")
    expect(toolNames(model.requests[1]!.body)[0]).toEqual("shell")
    const spec = model.requests[0]!.body.tools[0].function
    expect(spec.parameters.required).toEqual(["cmd"])

    const off = await start([MockTurn.message("a")], { extra: "experimental_use_unified_exec_tool = false" })
    await callCodex(off.server, { model: "gpt-5.1-codex" })
    expect(toolNames(off.model.requests[0]!.body)[0]).toEqual("shell")
    const on = await start([MockTurn.message("a")], { extra: "experimental_use_unified_exec_tool = true" })
    await callCodex(on.server, { model: "llama3" })
    expect(toolNames(on.model.requests[0]!.body).slice(0, 2)).toEqual(["exec_command", "write_stdin"])
  })

  it("a command keeps running across two tool calls, reads what write_stdin sends, and is killed with the turn", async () => {
    token = `unified-exec-${process.pid}-${Date.now()}`
    const cmd = `echo ready; read line; echo "got $line"; sh -c 'sleep 600' ${token}-child & wait; : ${token}`
    const { server, model } = await start([
      MockTurn.functionCall("exec_command", { cmd, login: false, yield_time_ms: 500 }, "c1"),
      MockTurn.functionCall("write_stdin", { session_id: 1000, chars: "hello\n", yield_time_ms: 500 }, "c2"),
      MockTurn.held(MockTurn.message("done"))
    ])
    const call = callCodex(server, { model: "gpt-5.1-codex" })
    await model.waitForRequests(3, 20_000)
    // The turn is still on (the model's answer is held): the command and its child are alive.
    const running = processesWith(token)
    expect(running.length).toBeGreaterThanOrEqual(2)
    const [first, second] = toolOutputs(model)
    expect(first).toMatch(/^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess running with session ID 1000\nOriginal token count: \d+\nOutput:\nready\n$/)
    expect(second).toContain("Process running with session ID 1000")
    expect(second).toContain("got hello")

    model.release()
    await call
    // Killed before the turn's end was announced: at most a zombie waits for its reaper.
    await Promise.all(running.map((pid) => waitForProcessExit(pid, 1_000)))
    expect(processesWith(token)).toEqual([])
  })

  it("a command that ends within the wait reports its exit code; tty: true gives it a terminal", async () => {
    const { server, model } = await start([
      MockTurn.functionCall("exec_command", { cmd: "echo out; exit 3", login: false, yield_time_ms: 5000 }, "c1"),
      MockTurn.functionCall("exec_command", { cmd: "tty >/dev/null && echo is-a-tty", tty: true, login: false, yield_time_ms: 5000 }, "c2"),
      MockTurn.functionCall("write_stdin", { session_id: 1000, chars: "x" }, "c3"),
      MockTurn.message("done")
    ])
    await callCodex(server, { model: "gpt-5.1" })
    const [exited, tty, unknown] = toolOutputs(model)
    expect(exited).toContain("Process exited with code 3\n")
    expect(exited).toMatch(/Output:\nout\n$/)
    expect(tty).toContain("Process exited with code 0\n")
    expect(tty).toContain("is-a-tty")
    expect(unknown).toBe("write_stdin failed: Unknown process id 1000")
  })

  it("login: false reads no ~/.bashrc, even for a server started without SHLVL (its stdin is a socket)", async () => {
    // bash takes a socket on stdin for a remote shell and then reads ~/.bashrc, unless SHLVL says it is nested.
    const home = makeTempDir("unified-exec-home-")
    writeFileSync(join(home, ".bashrc"), "echo BASHRC-WAS-READ\n")
    const { server, model } = await start([
      MockTurn.functionCall("exec_command", { cmd: "echo plain", login: false, yield_time_ms: 5000 }, "c1"),
      MockTurn.message("done")
    ], {}, { HOME: home, SHLVL: undefined })
    await callCodex(server, { model: "gpt-5.1", sandbox: "danger-full-access" })
    const [output] = toolOutputs(model)
    expect(output).toMatch(/Output:\nplain\n$/)
    expect(output).not.toContain("BASHRC-WAS-READ")
  })

  it("a chunk over the model's budget keeps its head and its tail", async () => {
    const { server, model } = await start([
      MockTurn.functionCall("exec_command", { cmd: "head -c 20000 /dev/zero | tr '\\0' a; echo; echo END", login: false, max_output_tokens: 250 }, "c1"),
      MockTurn.message("done")
    ])
    await callCodex(server, { model: "gpt-5.1", sandbox: "danger-full-access" })
    const [output] = toolOutputs(model)
    expect(output).toContain("Original token count: 5002\n")
    expect(output).toMatch(/Output:\na{500}…4752 tokens truncated…a{495}\nEND\n$/)
  })

  it("runs under the same sandbox and approvals as shell", async () => {
    const outside = makeTempDir("unified-exec-outside-")
    const { server, model } = await start([
      MockTurn.functionCall("exec_command", { cmd: `touch ${join(outside, "sandboxed")}`, login: false, yield_time_ms: 5000 }, "c1"),
      MockTurn.message("done"),
      MockTurn.functionCall("exec_command", { cmd: `touch ${join(outside, "asked")}`, login: false, yield_time_ms: 5000 }, "c2"),
      MockTurn.message("done")
    ])
    // read-only: the write fails inside the sandbox.
    await callCodex(server, { model: "gpt-5.1-codex", sandbox: "read-only" })
    expect(existsSync(join(outside, "sandboxed"))).toBe(false)
    expect(toolOutputs(model)[0]).toMatch(/Process exited with code [1-9]/)

    // untrusted: the user is asked first (an elicitation); declined, nothing runs.
    const asked = callCodex(server, { model: "gpt-5.1-codex", "approval-policy": "untrusted" })
    const elicitation = await server.waitForServerRequest("elicitation/create")
    expect(elicitation.params).toMatchObject({ codex_elicitation: "exec-approval", codex_command: ["/bin/bash", "-c", `touch ${join(outside, "asked")}`] })
    server.send({ id: elicitation.id!, result: { action: "decline" } })
    await asked
    expect(existsSync(join(outside, "asked"))).toBe(false)
    expect(toolOutputs(model)[1]).toBe("exec command rejected by user")
  })
})
