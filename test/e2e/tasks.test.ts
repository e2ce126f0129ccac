/**
 * MCP tasks (2025-11-25) on both transports. Over HTTP with the SDK's experimental tasks client: a
 * `codex` call run as a task outlives the client's request time-out and returns its result; a task
 * waiting for an approval is `input_required` and its elicitation names the task; cancelling a task
 * kills its command. Over stdio with raw JSON-RPC: the task lifecycle, `tasks/list` and
 * `notifications/tasks/status`, and the capability and tool declarations.
 */
import { CallToolResultSchema, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "vitest"
import { processesWith } from "../exec/support.js"
import { useAgentServer } from "../support/AgentServer.js"
import { deferred, useHttpAgentServer, within } from "../support/HttpAgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"
import { waitForProcessExit } from "../support/Processes.js"
import { type JsonRpcMessage, makeTempDir } from "../support/ServerProcess.js"

const http = useHttpAgentServer()
const stdio = useAgentServer()

const RELATED_TASK = "io.modelcontextprotocol/related-task"
const textOf = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]!).text

/** Every message of a task stream, until its end. */
const drain = async <A>(stream: AsyncGenerator<A>) => {
  const messages: Array<A> = []
  for await (const message of stream) messages.push(message)
  return messages
}

describe("tasks over HTTP (SDK tasks client)", () => {
  it("returns the result of a task that outlives the client's request time-out", async () => {
    const { url } = await http.start([MockTurn.delay(6_000, MockTurn.message("slow but done"))], {
      config: { approvalPolicy: "never" }
    })
    const client = await http.connect(url)
    expect(client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } })
    const messages = await drain(client.experimental.tasks.callToolStream(
      { name: "codex", arguments: { prompt: "take your time" } },
      undefined,
      { task: { ttl: 60_000 }, timeout: 5_000 }
    ))
    const types = messages.map((message) => message.type)
    expect(types[0]).toBe("taskCreated")
    expect(types.at(-1)).toBe("result")
    const last = messages.at(-1)!
    expect(last.type === "result" && textOf(last.result)).toBe("slow but done")
    const created = messages[0]!
    const taskId = created.type === "taskCreated" ? created.task.taskId : ""
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({ taskId, status: "completed", ttl: 60_000 })
    expect(textOf(await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema))).toBe("slow but done")
  })

  it("is input_required while its approval waits, and the elicitation names the task", async () => {
    const workdir = makeTempDir("codex-work-")
    const { url } = await http.start([MockTurn.shell(["touch", "t.txt"], { workdir }), MockTurn.message("approved and done")])
    const asked = deferred<ElicitRequest["params"]>()
    const release = deferred<void>()
    const client = await http.connect(url, {
      onElicit: async (request) => {
        asked.resolve(request.params)
        await release.promise
        return { action: "accept", content: {} }
      }
    })
    const stream = drain(client.experimental.tasks.callToolStream({ name: "codex", arguments: { prompt: "touch" } }, undefined, {
      task: {}
    }))
    const params = await within("the task's elicitation", asked.promise)
    const taskId = (params._meta?.[RELATED_TASK] as { taskId: string }).taskId
    expect(typeof taskId).toBe("string")
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe("input_required")
    release.resolve()
    const messages = await stream
    const last = messages.at(-1)!
    expect(last.type === "result" && textOf(last.result)).toBe("approved and done")
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe("completed")
  })

  it("cancels a task: its command is killed and the task stays cancelled", async () => {
    const workdir = makeTempDir("codex-work-")
    // The command runs in its own PID namespace: find it by its argv.
    const duration = `${40 + (process.pid % 1000) / 1000}`
    const { url } = await http.start(
      [MockTurn.shell(["bash", "-c", `exec sleep ${duration}`], { workdir, timeoutMs: 60_000 })],
      { config: { approvalPolicy: "never" } }
    )
    const client = await http.connect(url)
    const stream = client.experimental.tasks.callToolStream({ name: "codex", arguments: { prompt: "sleep" } }, undefined, {
      task: {}
    })
    const first = await stream.next()
    const taskId = first.value?.type === "taskCreated" ? first.value.task.taskId : ""
    expect(taskId).not.toBe("")
    const deadline = Date.now() + 5_000
    while (processesWith(`sleep\0${duration}`).length === 0) {
      if (Date.now() > deadline) throw new Error(`sleep ${duration} never started`)
      await new Promise((resolve) => setImmediate(resolve))
    }
    const [pid] = processesWith(`sleep\0${duration}`)
    expect(await client.experimental.tasks.cancelTask(taskId)).toMatchObject({ taskId, status: "cancelled" })
    await waitForProcessExit(pid!)
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe("cancelled")
    await expect(client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/already cancelled/)
    await stream.return(undefined)
  })
})

describe("tasks over stdio (raw JSON-RPC)", () => {
  it("declares tasks, runs a codex call as a task and reports its status changes", async () => {
    const { server } = await stdio([MockTurn.message("task result")], { approvalPolicy: "never" })
    const tools = await server.request("tools/list")
    expect(tools.result.tools.map((tool: { execution: unknown }) => tool.execution)).toEqual([
      { taskSupport: "optional" },
      { taskSupport: "optional" }
    ])
    const created = await server.request("tools/call", { name: "codex", arguments: { prompt: "go" }, task: { ttl: 5_000 } })
    const task = created.result.task
    expect(task).toMatchObject({ status: "working", ttl: 5_000, pollInterval: expect.any(Number) })
    const result = await server.request("tasks/result", { taskId: task.taskId })
    expect(result.result.content[0].text).toBe("task result")
    const status = await server.waitFor(
      (m: JsonRpcMessage) => m.method === "notifications/tasks/status" && m.params.status === "completed",
      "the completed status notification"
    )
    expect(status.params.taskId).toBe(task.taskId)
    expect((await server.request("tasks/get", { taskId: task.taskId })).result.status).toBe("completed")
    expect((await server.request("tasks/list")).result.tasks.map((t: { taskId: string }) => t.taskId)).toEqual([task.taskId])
    expect((await server.request("tasks/get", { taskId: "nope" })).error?.code).toBe(-32602)
  })
})
