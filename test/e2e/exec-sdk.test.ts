/**
 * `codex-effect exec` driven by the official Codex SDK (`@openai/codex-sdk`) through
 * `codexPathOverride`, against the mock model: the events a turn streams (in the shapes the reference
 * prints, recorded in fixtures/reference-exec/), commands, patches, resuming in a new process,
 * structured output, images, provider failures, aborting, the sandbox, the git-repository check, and
 * the `baseUrl`/`apiKey` options.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { collect, type ThreadEvent, useExecSetup } from "../support/CodexSdk.js"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { MockTurn, startMockModelServer } from "../support/MockModelServer.js"
import { pidsRunning, waitForProcessExit } from "../support/Processes.js"
import { makeTempDir } from "../support/TempDirs.js"

const setup = useExecSetup()

const referenceEvents = (name: string): Array<ThreadEvent> =>
  readFileSync(join(import.meta.dirname, "fixtures/reference-exec", `${name}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

/** What must match the reference: each event's type, its item's type and status, and every key, in order. */
const shapes = (events: ReadonlyArray<ThreadEvent>) =>
  events.map((event) => ({
    type: event.type,
    keys: Object.keys(event).sort(),
    item: event.item === undefined ? undefined : { type: event.item.type, status: event.item.status, keys: Object.keys(event.item).sort() }
  }))

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64"
)

const pidsOf = (pidFile: string) => readFileSync(pidFile, "utf8").trim().split("\n").filter((line) => line !== "").map(Number)

describe("codex-effect exec under the Codex SDK", () => {
  it("runs a turn: the final response, its items and usage, in the reference's event shapes and order", async () => {
    const { codex, model, thread } = await setup([
      MockTurn.message("Hello from the mock", "thinking about it"),
      MockTurn.message("Hello from the mock", "thinking about it")
    ])
    const turn = await codex.startThread(thread()).run("say hello")
    expect(turn.finalResponse).toBe("Hello from the mock")
    expect(turn.items.map((item) => [item.type, item.text])).toEqual([["reasoning", "thinking about it"], ["agent_message", "Hello from the mock"]])
    expect(turn.usage).toEqual({ input_tokens: 10, cached_input_tokens: 2, cache_write_input_tokens: 0, output_tokens: 5, reasoning_output_tokens: 0 })
    expect(model.requests[0]!.headers.originator).toBe("codex_sdk_ts")

    const { events } = await codex.startThread(thread()).runStreamed("say hello")
    const streamed = await collect(events)
    expect(shapes(streamed)).toEqual(shapes(referenceEvents("message")))
    expect(streamed[0]!.thread_id).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("reports a command as command_execution: started with exit_code null, completed with its output and exit code", async () => {
    const { codex, thread } = await setup([MockTurn.shell(["bash", "-c", "echo hi; exit 3"]), MockTurn.message("done")])
    const { events } = await codex.startThread(thread()).runStreamed("run it")
    const streamed = await collect(events)
    expect(shapes(streamed)).toEqual(shapes(referenceEvents("command")))
    const [started, completed] = streamed.filter((event) => event.item?.type === "command_execution")
    expect(started!.item).toEqual({
      id: "item_0",
      type: "command_execution",
      command: "bash -c 'echo hi; exit 3'",
      aggregated_output: "",
      exit_code: null,
      status: "in_progress"
    })
    expect(completed!.item).toMatchObject({ id: "item_0", exit_code: 3, status: "failed" })
    expect(completed!.item.aggregated_output).toContain("hi\n")
  })

  it("reports a patch as file_change with absolute paths, and the file is written", async () => {
    const patch = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch"
    const { codex, thread, work } = await setup([MockTurn.applyPatch(patch), MockTurn.message("patched")])
    const { events } = await codex.startThread(thread({ sandboxMode: "workspace-write" })).runStreamed("patch it")
    const streamed = await collect(events)
    expect(shapes(streamed)).toEqual(shapes(referenceEvents("patch")))
    const completed = streamed.find((event) => event.type === "item.completed" && event.item.type === "file_change")
    expect(completed!.item.changes).toEqual([{ path: join(work, "hello.txt"), kind: "add" }])
    expect(completed!.item.status).toBe("completed")
    expect(readFileSync(join(work, "hello.txt"), "utf8")).toBe("hi\n")
  })

  it("applies a patch sent through exec_command (the command tool of gpt-5.x models) and reports it as file_change", async () => {
    const heredoc = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\nEOF"
    const { codex, thread, work } = await setup([MockTurn.functionCall("exec_command", { cmd: heredoc }), MockTurn.message("patched")])
    const { events } = await codex.startThread(thread({ model: "gpt-5.4", sandboxMode: "workspace-write" })).runStreamed("patch it")
    const streamed = await collect(events)
    expect(shapes(streamed)).toEqual(shapes(referenceEvents("patch")))
    const completed = streamed.find((event) => event.type === "item.completed" && event.item.type === "file_change")
    expect(completed!.item.changes).toEqual([{ path: join(work, "hello.txt"), kind: "add" }])
    expect(readFileSync(join(work, "hello.txt"), "utf8")).toBe("hi\n")
  })

  it("reports the plan as one todo_list item, completed with the turn, and an MCP tool call as mcp_tool_call", async () => {
    const { codex, thread } = await setup([
      MockTurn.functionCall("update_plan", { plan: [{ step: "look", status: "in_progress" }, { step: "fix", status: "pending" }] }),
      MockTurn.functionCall("everything__echo", { message: "hello mcp" }, "call2"),
      MockTurn.functionCall("update_plan", { plan: [{ step: "look", status: "completed" }, { step: "fix", status: "completed" }] }, "call3"),
      MockTurn.message("planned")
    ], { extra: `include_plan_tool = true\n${mcpServerToml("everything", everythingStdio())}` })
    const { events } = await codex.startThread(thread()).runStreamed("plan it")
    const streamed = await collect(events)
    const todo = streamed.filter((event) => event.item?.type === "todo_list")
    expect(todo.map((event) => [event.type, event.item.id, event.item.items.map((item: any) => item.completed)])).toEqual([
      ["item.started", "item_0", [false, false]],
      ["item.updated", "item_0", [true, true]],
      ["item.completed", "item_0", [true, true]]
    ])
    expect(streamed.indexOf(todo[2]!)).toBe(streamed.length - 2)
    const mcp = streamed.filter((event) => event.item?.type === "mcp_tool_call")
    expect(mcp.map((event) => [event.type, event.item.status])).toEqual([["item.started", "in_progress"], ["item.completed", "completed"]])
    expect(mcp[1]!.item).toMatchObject({ server: "everything", tool: "echo", arguments: { message: "hello mcp" } })
    expect(JSON.stringify(mcp[1]!.item.result.content)).toContain("hello mcp")
  })

  it("resumes a thread in a new process: the history sent, the image given after `resume`, usage counted on from the saved total", async () => {
    const { codex, model, thread } = await setup([MockTurn.message("first answer"), MockTurn.message("second answer")])
    const first = codex.startThread(thread())
    await first.run("first question")
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/)
    const resumed = codex.resumeThread(first.id!, thread())
    const image = join(makeTempDir("exec-image-"), "pixel.png")
    writeFileSync(image, PNG)
    const { events } = await resumed.runStreamed([{ type: "text", text: "second question" }, { type: "local_image", path: image }])
    const streamed = await collect(events)
    expect(streamed[0]).toEqual({ type: "thread.started", thread_id: first.id })
    expect(streamed.at(-2)!.item.text).toBe("second answer")
    // The thread's running total, as the reference counts it: the first process's turn, then this one.
    expect(streamed.at(-1)!.usage).toEqual({ input_tokens: 20, cached_input_tokens: 4, cache_write_input_tokens: 0, output_tokens: 10, reasoning_output_tokens: 0 })
    const texts = JSON.stringify(model.requests[1]!.body.input)
    for (const text of ["first question", "first answer", "second question"]) expect(texts).toContain(text)
    expect(texts).toContain(`data:image/png;base64,${PNG.toString("base64")}`)
  })

  it("constrains the final answer with outputSchema: text.format as the reference sends it", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false }
    const { codex, model, thread } = await setup([MockTurn.message(`{"answer":"42"}`)])
    const turn = await codex.startThread(thread()).run("answer", { outputSchema: schema })
    expect(JSON.parse(turn.finalResponse)).toEqual({ answer: "42" })
    expect(model.requests[0]!.body.text.format).toEqual({ type: "json_schema", strict: true, schema, name: "codex_output_schema" })
  })

  it("attaches local images to the prompt", async () => {
    const { codex, model, thread } = await setup([MockTurn.message("a pixel")])
    const image = join(makeTempDir("exec-image-"), "pixel.png")
    writeFileSync(image, PNG)
    await codex.startThread(thread()).run([{ type: "text", text: "what is this?" }, { type: "local_image", path: image }])
    const user = model.requests[0]!.body.input.at(-1)
    expect(user.content[0]).toEqual({ type: "input_text", text: "what is this?" })
    expect(JSON.stringify(user.content)).toContain(`data:image/png;base64,${PNG.toString("base64")}`)
  })

  it("fails the turn on a provider error, in bounded time: turn.failed, and run() rejects with the reason", async () => {
    const { codex, thread } = await setup([MockTurn.status(400), MockTurn.status(400)])
    const started = Date.now()
    await expect(codex.startThread(thread()).run("hi")).rejects.toThrow(/mock status 400/)
    const { events } = await codex.startThread(thread()).runStreamed("hi")
    const streamed: Array<ThreadEvent> = []
    await expect((async () => {
      for await (const event of events) streamed.push(event)
    })()).rejects.toThrow(/exited with code 1/)
    expect(shapes(streamed)).toEqual(shapes(referenceEvents("failure")))
    expect(streamed.at(-1)!.error.message).toContain("mock status 400")
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it("stops on abort: the turn ends, its command is killed and no process is left", async () => {
    // A duration no other process uses, to find the command's process from outside its sandbox.
    const duration = `${3000 + Math.floor(Math.random() * 1000)}.5`
    const { codex, thread, work, pidFile } = await setup([MockTurn.shell(["bash", "-c", `touch started; exec sleep ${duration}`])], {
      sandboxMode: "danger-full-access"
    })
    const controller = new AbortController()
    const run = codex.startThread(thread()).run("sleep", { signal: controller.signal })
    const deadline = Date.now() + 15_000
    let sleepers: Array<number> = []
    while (sleepers.length === 0) {
      if (Date.now() > deadline) throw new Error("the command did not start")
      await new Promise((resolve) => setTimeout(resolve, 20))
      sleepers = existsSync(join(work, "started")) ? pidsRunning(["sleep", duration]) : []
    }
    controller.abort()
    await expect(run).rejects.toThrow()
    for (const pid of [...pidsOf(pidFile), ...sleepers]) await waitForProcessExit(pid, 5_000)
  })

  it("refuses writes under the read-only sandbox: the command fails, as the reference reports it", async () => {
    const outside = join(makeTempDir("exec-outside-"), "written")
    const { codex, thread, work } = await setup([
      MockTurn.shell(["bash", "-c", `touch ${outside}; touch inside`]),
      MockTurn.message("done")
    ])
    const { events } = await codex.startThread(thread({ sandboxMode: "read-only" })).runStreamed("write")
    const streamed = await collect(events)
    expect(shapes(streamed)).toEqual(shapes(referenceEvents("readonly-write")))
    const command = streamed.find((event) => event.type === "item.completed" && event.item.type === "command_execution")!.item
    expect(command.exit_code).not.toBe(0)
    expect(command.status).toBe("failed")
    expect(command.aggregated_output).toMatch(/Read-only file system|Permission denied/)
    expect(existsSync(outside)).toBe(false)
    expect(existsSync(join(work, "inside"))).toBe(false)
  })

  it("takes every thread option the SDK passes: model, effort, web search, approvals, network, extra writable directories", async () => {
    const extra = makeTempDir("exec-extra-")
    const { codex, model, thread } = await setup([
      MockTurn.shell(["bash", "-c", `echo out > ${join(extra, "written")}`]),
      MockTurn.message("done")
    ])
    const turn = await codex.startThread(thread({
      model: "gpt-5",
      sandboxMode: "workspace-write",
      modelReasoningEffort: "max",
      networkAccessEnabled: true,
      webSearchMode: "live",
      approvalPolicy: "on-request",
      additionalDirectories: [extra]
    })).run("write there")
    expect(turn.finalResponse).toBe("done")
    const body = model.requests[0]!.body
    expect(body.model).toBe("gpt-5")
    expect(body.reasoning.effort).toBe("high")
    expect(body.tools.map((tool: any) => tool.type)).toContain("web_search")
    expect(readFileSync(join(extra, "written"), "utf8")).toBe("out\n")
  })

  it("takes webSearchMode as the reference does: cached keeps the search off the live web, disabled wins over config.toml", async () => {
    const { codex, model, thread } = await setup([MockTurn.message("one"), MockTurn.message("two")], { extra: `web_search = "live"` })
    await codex.startThread(thread({ webSearchMode: "cached" })).run("search")
    await codex.startThread(thread({ webSearchMode: "disabled" })).run("search")
    const searches = model.requests.map((request) => request.body.tools.filter((tool: any) => tool.type === "web_search"))
    expect(searches).toEqual([[{ type: "web_search", external_web_access: false }], []])
  })

  it("refuses to run outside a git repository unless skipGitRepoCheck is set", async () => {
    const { codex, model } = await setup([MockTurn.message("ran anyway")])
    const plain = makeTempDir("exec-no-git-")
    await expect(codex.startThread({ workingDirectory: plain }).run("hi")).rejects.toThrow(/Not inside a git repository/)
    expect(model.requests).toHaveLength(0)
    const turn = await codex.startThread({ workingDirectory: plain, skipGitRepoCheck: true }).run("hi")
    expect(turn.finalResponse).toBe("ran anyway")
  })

  it("takes an OpenAI-compatible provider from the SDK's baseUrl and apiKey, the key winning over a stored login", async () => {
    const { Codex, executable, env, work } = await setup([])
    const provider = await startMockModelServer([MockTurn.message("from baseUrl")])
    try {
      const codexHome = makeTempDir("codex-home-empty-")
      writeFileSync(join(codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: "sk-stored" }), { mode: 0o600 })
      const codex = new Codex({ codexPathOverride: executable, baseUrl: provider.url, apiKey: "sk-from-sdk", env: { ...env, CODEX_HOME: codexHome } })
      const turn = await codex.startThread({ workingDirectory: work }).run("hi")
      expect(turn.finalResponse).toBe("from baseUrl")
      expect(provider.requests[0]!.path).toBe("/v1/responses")
      expect(provider.requests[0]!.headers.authorization).toBe("Bearer sk-from-sdk")
    } finally {
      await provider.close()
    }
  })
})
