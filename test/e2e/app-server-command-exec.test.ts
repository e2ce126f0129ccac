/**
 * app-server's `command/exec` driven while it runs, as an IDE's terminal drives it: output streamed as
 * `command/exec/outputDelta`, stdin written with `command/exec/write`, a pseudo-terminal resized with
 * `command/exec/resize`, the command ended with `command/exec/terminate` or with the connection. The
 * built binary over stdio, commands in the real sandbox; errors as the reference (0.153.4) words them.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type AppServerClient, useAppServers } from "../support/AppServerClient.js"
import { mockConfigToml } from "../support/MockModelServer.js"
import { pidsRunning, waitForProcessExit } from "../support/Processes.js"
import { type JsonRpcMessage, makeTempDir } from "../support/ServerProcess.js"

const { launch } = useAppServers()

const setup = async () => {
  const codexHome = makeTempDir("codex-home-")
  // No turn runs here: the model's address is never used.
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml("http://127.0.0.1:9/v1", { sandboxMode: "workspace-write" }))
  const client = await launch(codexHome)
  return { client, cwd: makeTempDir("command-exec-work-") }
}

const b64 = (text: string) => Buffer.from(text).toString("base64")

/** What the command's deltas of `stream` said so far, decoded. */
const streamed = (client: AppServerClient, processId: string, stream = "stdout") =>
  client.server.messages
    .filter((m) => m.method === "command/exec/outputDelta" && m.params.processId === processId && m.params.stream === stream)
    .map((m) => Buffer.from(m.params.deltaBase64, "base64").toString("utf8"))
    .join("")

const waitForOutput = (client: AppServerClient, processId: string, text: string) =>
  client.server.waitFor(() => streamed(client, processId).includes(text), `"${text}" from ${processId}`, 20_000)

const ok = (answer: JsonRpcMessage) => {
  expect(answer.error).toBeUndefined()
  return answer.result
}

describe("app-server command/exec while it runs", () => {
  it("streams stdout and stderr, takes stdin written right after the request, and answers last with the exit code", async () => {
    const { client, cwd } = await setup()
    const done = client.request("command/exec", {
      command: ["bash", "-c", "read line; echo got $line; echo err >&2; exit 3"],
      cwd,
      processId: "p1",
      streamStdin: true,
      streamStdoutStderr: true
    })
    // Not waiting for anything first: the write must find the command the request registered.
    expect(ok(await client.request("command/exec/write", { processId: "p1", deltaBase64: b64("hello\n"), closeStdin: true }))).toEqual({})
    const answer = await done
    expect(answer.result).toEqual({ exitCode: 3, stdout: "", stderr: "" })
    expect(streamed(client, "p1")).toBe("got hello\n")
    expect(streamed(client, "p1", "stderr")).toBe("err\n")
    const answerIndex = client.server.messages.indexOf(answer)
    const lastDelta = client.server.messages.findLastIndex((m) => m.method === "command/exec/outputDelta")
    expect(lastDelta).toBeLessThan(answerIndex)
    expect((await client.request("command/exec/write", { processId: "p1", deltaBase64: b64("x") })).error)
      .toEqual({ code: -32600, message: "no active command/exec for process id \"p1\"" })
  })

  it("runs on a pseudo-terminal of the size asked, resized while it runs, inside the sandbox", async () => {
    const { client, cwd } = await setup()
    const done = client.request("command/exec", {
      command: ["bash", "-c", "tty; stty size; read line; stty size; echo got $line; touch made-in-pty"],
      cwd,
      processId: "t1",
      tty: true,
      size: { rows: 10, cols: 50 }
    })
    await waitForOutput(client, "t1", "10 50")
    expect(streamed(client, "t1")).toMatch(/^\/dev\/pts\/\d+\r\n/)
    expect(ok(await client.request("command/exec/resize", { processId: "t1", size: { rows: 20, cols: 70 } }))).toEqual({})
    ok(await client.request("command/exec/write", { processId: "t1", deltaBase64: b64("hi\r") }))
    expect((await done).result).toEqual({ exitCode: 0, stdout: "", stderr: "" })
    // The terminal echoes the input and ends lines with \r\n, as a terminal does.
    expect(streamed(client, "t1")).toContain("hi\r\n20 70\r\ngot hi\r\n")
    const outside = await client.request("command/exec", {
      command: ["sh", "-c", "touch /made-outside-the-roots"],
      cwd,
      processId: "t2",
      tty: true
    })
    expect(outside.result.exitCode).not.toBe(0)
    expect(streamed(client, "t2")).toMatch(/Read-only file system|Permission denied/)
  })

  it("terminate kills the command's whole process group (137), and the id is free again", async () => {
    const { client, cwd } = await setup()
    const marker = ["sleep", `32.${process.pid}`]
    const done = client.request("command/exec", {
      command: ["sh", "-c", `${marker.join(" ")} & echo started; wait`],
      cwd,
      processId: "s1",
      disableTimeout: true,
      streamStdoutStderr: true
    })
    await waitForOutput(client, "s1", "started")
    const sleeping = pidsRunning(marker)
    expect(sleeping).toHaveLength(1)
    expect(ok(await client.request("command/exec/terminate", { processId: "s1" }))).toEqual({})
    expect((await done).result).toEqual({ exitCode: 137, stdout: "", stderr: "" })
    for (const pid of sleeping) await waitForProcessExit(pid)
    expect((await client.request("command/exec/terminate", { processId: "s1" })).error)
      .toEqual({ code: -32600, message: "no active command/exec for process id \"s1\"" })
    expect(ok(await client.request("command/exec", { command: ["true"], cwd, processId: "s1" }))).toEqual({ exitCode: 0, stdout: "", stderr: "" })
  })

  it("ends the commands a client left running when the client goes away", async () => {
    const { client, cwd } = await setup()
    const marker = ["sleep", `33.${process.pid}`]
    void client.request("command/exec", {
      command: ["sh", "-c", `${marker.join(" ")} & echo started; wait`],
      cwd,
      processId: "left",
      disableTimeout: true,
      streamStdoutStderr: true
    }).catch(() => {})
    await waitForOutput(client, "left", "started")
    const sleeping = pidsRunning(marker)
    expect(sleeping).toHaveLength(1)
    client.server.child.stdin.end()
    await client.server.exited
    for (const pid of sleeping) await waitForProcessExit(pid, 10_000)
  })

  it("cuts a streamed stream at outputBytesCap, the cut chunk marked capReached", async () => {
    const { client, cwd } = await setup()
    const answer = ok(await client.request("command/exec", {
      command: ["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a"],
      cwd,
      processId: "cap",
      streamStdoutStderr: true,
      outputBytesCap: 10
    }))
    expect(answer).toEqual({ exitCode: 0, stdout: "", stderr: "" })
    const deltas = client.server.messages.filter((m) => m.method === "command/exec/outputDelta" && m.params.processId === "cap")
    expect(streamed(client, "cap")).toBe("aaaaaaaaaa")
    expect(deltas.at(-1)?.params.capReached).toBe(true)
    expect(deltas.slice(0, -1).every((m) => m.params.capReached === false)).toBe(true)
  })

  it("refuses what the reference refuses, with its codes and words", async () => {
    const { client, cwd } = await setup()
    const error = async (method: string, params: Record<string, unknown>) => (await client.request(method, params)).error
    expect(await error("command/exec", { command: ["true"], cwd, streamStdoutStderr: true }))
      .toEqual({ code: -32600, message: "command/exec tty or streaming requires a client-supplied processId" })
    expect(await error("command/exec", { command: ["true"], cwd, tty: true }))
      .toEqual({ code: -32600, message: "command/exec tty or streaming requires a client-supplied processId" })
    expect(await error("command/exec", { command: ["true"], cwd, timeoutMs: 5, disableTimeout: true }))
      .toEqual({ code: -32602, message: "command/exec cannot set both timeoutMs and disableTimeout" })
    expect(await error("command/exec", { command: ["true"], cwd, outputBytesCap: 5, disableOutputCap: true }))
      .toEqual({ code: -32602, message: "command/exec cannot set both outputBytesCap and disableOutputCap" })
    expect(await error("command/exec", { command: ["true"], cwd, processId: "q", size: { rows: 1, cols: 1 } }))
      .toEqual({ code: -32602, message: "command/exec size requires tty: true" })
    expect(await error("command/exec/write", { processId: "nobody", deltaBase64: b64("x") }))
      .toEqual({ code: -32600, message: "no active command/exec for process id \"nobody\"" })

    const marker = ["sleep", `34.${process.pid}`]
    const running = client.request("command/exec", { command: marker, cwd, processId: "plain" })
    expect(await error("command/exec", { command: ["true"], cwd, processId: "plain" }))
      .toEqual({ code: -32600, message: "duplicate active command/exec process id: \"plain\"" })
    expect(await error("command/exec/write", { processId: "plain", deltaBase64: b64("x") }))
      .toEqual({ code: -32600, message: "stdin streaming is not enabled for this command/exec" })
    expect(await error("command/exec/resize", { processId: "plain", size: { rows: 3, cols: 3 } }))
      .toEqual({ code: -32600, message: "failed to resize PTY: process is not attached to a PTY" })
    ok(await client.request("command/exec/terminate", { processId: "plain" }))
    expect((await running).result.exitCode).toBe(137)
  })
})
