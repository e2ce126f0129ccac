/**
 * `request_user_input` end to end with the official MCP SDK client: the model's questions become a form
 * elicitation (a string field per question; the SDK shows a handler only `message` and `requestedSchema`
 * of it), the user's answers go back
 * to the model; a declined form, or a client that cannot show forms, tells the model nobody answered.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { connectSdkClient, type SdkConnection } from "../support/SdkClient.js"
import { makeTempDir, spawnServer } from "../support/ServerProcess.js"

const questions = [{
  id: "color",
  header: "Color",
  question: "Which color should the button be?",
  options: [{ label: "Red (Recommended)", description: "Matches the brand" }, { label: "Blue", description: "Calmer" }]
}]

let connection: SdkConnection | undefined
let model: MockModelServer | undefined
afterEach(async () => {
  await connection?.close()
  await model?.close()
  connection = undefined
  model = undefined
})

const connect = async (withElicitation: boolean) => {
  model = await startMockModelServer([MockTurn.functionCall("request_user_input", { questions }, "q1"), MockTurn.message("done")])
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never" }))
  connection = await connectSdkClient({ codexHome, capabilities: { capabilities: withElicitation ? { elicitation: {} } : {} } })
  return { client: connection.client, model }
}

/** What the model read back for its call. */
const toolOutput = (mock: MockModelServer) =>
  (mock.requests[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content

describe("request_user_input", () => {
  it("is asked as a form elicitation and the answer goes back to the model", async () => {
    const { client, model } = await connect(true)
    const asked: Array<any> = []
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params)
      return { action: "accept", content: { color: "Blue" } }
    })
    const result: any = await client.callTool({ name: "codex", arguments: { prompt: "style it", model: "gpt-5.1-codex" } })
    expect(result.isError).not.toBe(true)
    expect(asked).toHaveLength(1)
    expect(asked[0]).toMatchObject({
      message: "Which color should the button be?",
      requestedSchema: {
        type: "object",
        properties: { color: { type: "string", title: "Color" } },
        required: ["color"]
      }
    })
    expect(asked[0].requestedSchema.properties.color.description).toContain("Red (Recommended) (Matches the brand)")
    expect(JSON.parse(toolOutput(model)!)).toEqual({ answers: { color: { answers: ["Blue"] } } })
  })

  it("a declined form, or a client without elicitation, tells the model that nobody answered", async () => {
    const declining = await connect(true)
    declining.client.setRequestHandler(ElicitRequestSchema, () => ({ action: "decline" }))
    await declining.client.callTool({ name: "codex", arguments: { prompt: "style it", model: "gpt-5.1-codex" } })
    expect(toolOutput(declining.model)).toBe("request_user_input: the user did not answer")
    await connection?.close()
    await model?.close()

    const plain = await connect(false)
    await plain.client.callTool({ name: "codex", arguments: { prompt: "style it", model: "gpt-5.1-codex" } })
    expect(toolOutput(plain.model)).toBe("request_user_input: the user did not answer")
  })

  it("the conversation API, which has no request for questions, answers nothing at once", async () => {
    model = await startMockModelServer([MockTurn.functionCall("request_user_input", { questions }, "q1"), MockTurn.message("done")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never", extra: `model = "gpt-5.1-codex"` }).replace(`model = "mock-model"\n`, ""))
    const server = spawnServer({ codexHome })
    try {
      await server.initialize()
      const { conversationId } = (await server.request("newConversation", { cwd: makeTempDir("codex-work-") })).result
      await server.request("addConversationListener", { conversationId })
      await server.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "style it" } }] })
      await server.waitFor((m) => m.method === "codex/event/task_complete" && m.params.conversationId === conversationId, "task_complete")
      expect(toolOutput(model)).toBe("request_user_input: the user did not answer")
    } finally {
      server.kill()
    }
  })
})
