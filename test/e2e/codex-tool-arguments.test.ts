/**
 * The `codex` tool's arguments beyond the reference's: `developer-instructions` (a developer message
 * at the start of the conversation) and `reasoning-effort`, listed in the tool's input schema and
 * reaching the model request.
 */
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"

const start = useAgentServer()

describe("codex tool: developer-instructions and reasoning-effort", () => {
  it("lists both in the input schema", async () => {
    const { server } = await start([])
    const listed = await server.request("tools/list", {})
    const codex = listed.result.tools.find((tool: { name: string }) => tool.name === "codex")
    expect(codex.inputSchema.properties["developer-instructions"]).toMatchObject({ type: "string" })
    expect(codex.inputSchema.properties["reasoning-effort"]).toMatchObject({
      type: "string",
      enum: ["minimal", "low", "medium", "high"]
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
