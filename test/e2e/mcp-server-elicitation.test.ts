/**
 * A configured MCP server that asks the user (server-everything's `trigger-elicitation-request`, and
 * `trigger-url-elicitation` for a page to open) or reports progress (`trigger-long-running-operation`)
 * during a tool call the model made, end to end with the official MCP SDK client as our client: the
 * server's form or URL reaches our client as `elicitation/create` (a URL only when our client takes URL
 * mode; else it is declined for the server) and the answer goes back to the server; its progress reaches
 * our client as progress of the `codex` call.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { ElicitRequestSchema, type Progress } from "@modelcontextprotocol/sdk/types.js"
import { afterEach, describe, expect, it } from "vitest"
import { everythingStdio, mcpServerToml } from "../support/McpServers.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { connectSdkClient, type SdkConnection } from "../support/SdkClient.js"
import { makeTempDir } from "../support/ServerProcess.js"

let connection: SdkConnection | undefined
let model: MockModelServer | undefined
afterEach(async () => {
  await connection?.close()
  await model?.close()
})

const connect = async (turns: ReadonlyArray<MockTurn>, elicitation: Record<string, unknown> = {}) => {
  model = await startMockModelServer(turns)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(
    join(codexHome, "config.toml"),
    mockConfigToml(model.url, { approvalPolicy: "never", extra: mcpServerToml("everything", everythingStdio()) })
  )
  connection = await connectSdkClient({ codexHome, capabilities: { capabilities: { elicitation } } })
  return { client: connection.client, model }
}

const urlElicitation = MockTurn.functionCall("everything__trigger-url-elicitation", { url: "https://example.com/authorize", elicitationId: "e-1" })

const toolOutput = (mock: MockModelServer) =>
  (mock.requests[1]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "tool")?.content

describe("a configured MCP server's elicitations and progress", () => {
  it("forwards the server's form to our client and the answer back to the server", async () => {
    const { client, model } = await connect([MockTurn.functionCall("everything__trigger-elicitation-request", {}), MockTurn.message("done")])
    const asked: Array<any> = []
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params)
      return { action: "accept", content: { name: "Ada Lovelace", check: true } }
    })
    const result: any = await client.callTool({ name: "codex", arguments: { prompt: "ask me" } })
    expect(result.isError).not.toBe(true)
    expect(asked).toHaveLength(1)
    expect(asked[0].message).toBe("Please provide inputs for the following fields:")
    expect(asked[0].requestedSchema.properties.name).toMatchObject({ type: "string", description: "Your full, legal name" })
    const output = toolOutput(model)!
    expect(output).toContain("Ada Lovelace")
    expect(output).not.toContain("tool call error")
  })

  it("a declined form is declined for the server", async () => {
    const { client, model } = await connect([MockTurn.functionCall("everything__trigger-elicitation-request", {}), MockTurn.message("done")])
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: "decline" }))
    await client.callTool({ name: "codex", arguments: { prompt: "ask me" } })
    expect(toolOutput(model)).toMatch(/declined/i)
  })

  it("forwards the server's URL-mode elicitation to a client that takes them, and its answer back", async () => {
    const { client, model } = await connect([urlElicitation, MockTurn.message("done")], { form: {}, url: {} })
    const asked: Array<any> = []
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params)
      return { action: "accept" }
    })
    const result: any = await client.callTool({ name: "codex", arguments: { prompt: "authorize" } })
    expect(result.isError).not.toBe(true)
    expect(asked).toHaveLength(1)
    expect(asked[0]).toMatchObject({
      mode: "url",
      url: "https://example.com/authorize",
      elicitationId: "e-1",
      message: "Please open the link to complete this action."
    })
    expect(toolOutput(model)).toMatch(/accept/i)
  })

  it("declines a URL-mode elicitation for the server when our client takes forms only", async () => {
    const { client, model } = await connect([urlElicitation, MockTurn.message("done")], { form: {} })
    const asked: Array<unknown> = []
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params)
      return { action: "accept" }
    })
    await client.callTool({ name: "codex", arguments: { prompt: "authorize" } })
    expect(asked).toEqual([])
    expect(toolOutput(model)).toMatch(/decline/i)
  })

  it("forwards the server's progress as progress of the codex call", async () => {
    const { client } = await connect([
      MockTurn.functionCall("everything__trigger-long-running-operation", { duration: 0.3, steps: 3 }),
      MockTurn.message("done")
    ])
    const progress: Array<Progress> = []
    await client.callTool({ name: "codex", arguments: { prompt: "long" } }, undefined, {
      onprogress: (notification) => progress.push(notification)
    })
    const fromServer = progress.map((p) => p.message).filter((message) => message?.startsWith("everything:"))
    expect(fromServer).toEqual(["everything: working (1/3)", "everything: working (2/3)", "everything: working (3/3)"])
  })
})
