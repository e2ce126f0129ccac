/**
 * The `view_image` and `web_search` tools end to end, against the built server and the HTTP mock
 * model (Responses API): an image the model asks for is attached to the next request as an
 * `input_image` data URL; a file that is not an image, or one in CODEX_HOME, is refused with a
 * message for the model; `tools.web_search = true` offers `{"type":"web_search"}` and the
 * provider's `web_search_call` items reach the client as `web_search_begin` / `web_search_end`.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn, sse } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess } from "../support/ServerProcess.js"

const startAgent = useAgentServer()

/** A 1×1 transparent PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64"
)

const start = (turns: ReadonlyArray<MockTurn>, extra = "") =>
  startAgent(turns, { wireApi: "responses", approvalPolicy: "never", extra })

/** Sends one message in `cwd` and waits for the task to complete. */
const converse = async (server: ServerProcess, cwd: string, text: string) => {
  const { conversationId } = (await server.request("newConversation", { cwd })).result
  await server.request("addConversationListener", { conversationId })
  await server.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text } }] })
  return server.waitForNotification("codex/event/task_complete")
}

const outputOf = (body: any, callId: string) =>
  (body.input as Array<any>).find((item) => item.type === "function_call_output" && item.call_id === callId)?.output

describe("view_image", () => {
  it("attaches the image to the next request as an input_image data URL", async () => {
    const cwd = makeTempDir("codex-work-")
    writeFileSync(join(cwd, "pixel.png"), PNG)
    const { server, model } = await start([MockTurn.functionCall("view_image", { path: "pixel.png" }, "img1"), MockTurn.message("seen")])
    await converse(server, cwd, "look at pixel.png")
    expect(model.requests[0]!.body.tools.map((tool: any) => tool.name)).toContain("view_image")
    const input = model.requests[1]!.body.input as Array<any>
    expect(outputOf(model.requests[1]!.body, "img1")).toBe("attached local image path")
    expect(input.at(-1)).toEqual({
      type: "message",
      role: "user",
      content: [{ type: "input_image", image_url: `data:image/png;base64,${PNG.toString("base64")}` }]
    })
  })

  it("refuses a file that is not an image and anything in CODEX_HOME, and the task goes on", async () => {
    const cwd = makeTempDir("codex-work-")
    writeFileSync(join(cwd, "notes.png"), "just text\n")
    const { server, model, codexHome } = await start([])
    writeFileSync(join(codexHome, "secret.png"), PNG)
    model.push(
      MockTurn.functionCall("view_image", { path: "notes.png" }, "img1"),
      MockTurn.functionCall("view_image", { path: join(codexHome, "secret.png") }, "img2"),
      MockTurn.functionCall("view_image", { path: "missing.png" }, "img3"),
      MockTurn.message("done")
    )
    const done = await converse(server, cwd, "look")
    expect(done.params.msg.last_agent_message).toBe("done")
    const last = model.requests[3]!.body
    expect(outputOf(last, "img1")).toBe(`unable to attach image: ${join(cwd, "notes.png")}: not a PNG, JPEG, GIF or WebP image`)
    expect(outputOf(last, "img2")).toContain("CODEX_HOME")
    expect(outputOf(last, "img3")).toContain("no such file")
    expect(JSON.stringify(last.input)).not.toContain("input_image")
  })
})

describe("web_search", () => {
  it("offers the hosted tool and turns web_search_call items into begin/end events", async () => {
    const searched = MockTurn.raw([
      sse({ type: "response.created", response: { id: "r1" } }),
      sse({ type: "response.output_item.added", item: { type: "web_search_call", id: "ws_1", status: "in_progress" } }),
      sse({
        type: "response.output_item.done",
        item: { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "effect v4 release" } }
      }),
      sse({ type: "response.output_item.done", item: { type: "message", role: "assistant", content: [{ type: "output_text", text: "found it" }] } }),
      sse({ type: "response.completed", response: { id: "r1", usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } } })
    ].join(""))
    const { server, model } = await start([searched], "[tools]\nweb_search = true")
    const done = await converse(server, makeTempDir("codex-work-"), "search the web")
    expect(done.params.msg.last_agent_message).toBe("found it")
    expect(model.requests[0]!.body.tools).toContainEqual({ type: "web_search" })
    const begin = await server.waitForNotification("codex/event/web_search_begin")
    const end = await server.waitForNotification("codex/event/web_search_end")
    expect(begin.params.msg).toEqual({ type: "web_search_begin", call_id: "ws_1" })
    expect(end.params.msg).toEqual({ type: "web_search_end", call_id: "ws_1", query: "effect v4 release" })
  })
})
