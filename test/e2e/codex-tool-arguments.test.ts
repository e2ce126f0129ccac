/**
 * The `codex` tool's arguments: `developer-instructions` (a developer message at the start of the
 * conversation) and `reasoning-effort` (every effort the Codex CLI takes), listed in the tool's input
 * schema and reaching the model request; an argument the tool does not take is refused by name, seen
 * from the official MCP SDK client.
 */
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { connectSdkClient, type SdkConnection } from "../support/SdkClient.js"
import { makeTempDir } from "../support/ServerProcess.js"

const start = useAgentServer()

describe("codex tool: developer-instructions and reasoning-effort", () => {
  it("lists both in the input schema", async () => {
    const { server } = await start([])
    const listed = await server.request("tools/list", {})
    const codex = listed.result.tools.find((tool: { name: string }) => tool.name === "codex")
    expect(codex.inputSchema.properties["developer-instructions"]).toMatchObject({ type: "string" })
    expect(codex.inputSchema.properties["reasoning-effort"]).toMatchObject({
      type: "string",
      enum: ["none", "minimal", "low", "medium", "high", "xhigh"]
    })
  })

  it("sends the developer instructions first and the chosen effort (Responses API)", async () => {
    const { server, model } = await start([MockTurn.message("ok")], { wireApi: "responses" })
    const answer = await server.request("tools/call", {
      name: "codex",
      arguments: {
        prompt: "hello",
        model: "gpt-5",
        "developer-instructions": "Answer in French.",
        "reasoning-effort": "high"
      }
    })
    expect(answer.result.structuredContent.content).toBe("ok")
    const body = model.requests[0]!.body
    expect(body.reasoning.effort).toBe("high")
    expect(body.input[0]).toEqual({ type: "message", role: "developer", content: [{ type: "input_text", text: "Answer in French." }] })
    // The base instructions stay: developer instructions add to them.
    expect(body.instructions).not.toBe("Answer in French.")
  })

  it("rejects an unknown effort with a clear error and keeps serving", async () => {
    const { server } = await start([])
    const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: "hi", "reasoning-effort": "extreme" } })
    const text = JSON.stringify(answer.error ?? answer.result)
    expect(text).toContain("reasoning-effort")
    expect((await server.request("ping")).result).toEqual({})
  })
})

describe("codex tool: arguments it does not take (MCP SDK client)", () => {
  let sdk: SdkConnection | undefined
  let model: MockModelServer | undefined
  afterEach(async () => {
    await sdk?.close()
    await model?.close()
    if (sdk !== undefined) rmSync(sdk.codexHome, { recursive: true, force: true })
    sdk = model = undefined
  })

  const connect = async (turns: ReadonlyArray<MockTurn>) => {
    model = await startMockModelServer(turns)
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: "responses" }))
    sdk = await connectSdkClient({ codexHome })
    return { client: sdk.client, model }
  }

  it("refuses the call, naming every unknown argument, before any model request; the server keeps serving", async () => {
    const { client, model } = await connect([MockTurn.message("ok")])
    const refused = await client.callTool({
      name: "codex",
      arguments: { prompt: "hi", approval_policy: "never", colour: "red" }
    })
    expect(refused.isError).toBe(true)
    expect(refused.content).toEqual([{
      type: "text",
      text: expect.stringMatching(/^Unknown arguments for the codex tool: `approval_policy`, `colour`\. It takes: prompt, .*approval-policy/)
    }])
    expect(model.requests).toHaveLength(0)
    const listed = await client.listTools()
    expect(listed.tools.find((tool) => tool.name === "codex")?.inputSchema).toMatchObject({ additionalProperties: false })
    const accepted = await client.callTool({ name: "codex", arguments: { prompt: "hi", "compact-prompt": "Summarize." } })
    expect(accepted.structuredContent).toMatchObject({ content: "ok" })
  })

  it.each(["none", "xhigh"])("sends reasoning-effort %s to the model as it is", async (effort) => {
    const { client, model } = await connect([MockTurn.message("ok")])
    const result = await client.callTool({ name: "codex", arguments: { prompt: "hi", model: "gpt-5.2", "reasoning-effort": effort } })
    expect(result.isError).toBeFalsy()
    expect(model.requests[0]!.body.reasoning).toMatchObject({ effort })
  })
})
