import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import type { JSONRPCMessage, Progress } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "vitest"
import { keepNotificationsBeforeAnswers } from "../../src/mcp/NotificationOrder.js"

/** A server that sends its last progress and its answer in the same tick, as one read would deliver them. */
const serveBackToBack = (transport: InMemoryTransport) => {
  transport.onmessage = (message: JSONRPCMessage) => {
    if (!("method" in message) || !("id" in message)) return
    if (message.method === "initialize") {
      void transport.send({
        jsonrpc: "2.0",
        id: message.id,
        result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "back-to-back", version: "1" } }
      })
    }
    if (message.method === "tools/call") {
      const progressToken = (message.params as any)._meta.progressToken
      void transport.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken, progress: 1, total: 1 } })
      void transport.send({ jsonrpc: "2.0", id: message.id, result: { content: [{ type: "text", text: "done" }] } })
    }
  }
}

const callWithProgress = async (keepOrder: boolean) => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  serveBackToBack(serverSide)
  await serverSide.start()
  const client = new Client({ name: "test", version: "1" })
  await client.connect(clientSide)
  if (keepOrder) keepNotificationsBeforeAnswers(clientSide)
  const progress: Array<Progress> = []
  const result = await client.callTool({ name: "slow", arguments: {} }, undefined, { onprogress: (p) => progress.push(p) })
  await client.close()
  return { result, progress }
}

describe("keepNotificationsBeforeAnswers", () => {
  it("delivers a progress notification sent in the same tick as the answer", async () => {
    const { result, progress } = await callWithProgress(true)
    expect(result.content).toEqual([{ type: "text", text: "done" }])
    expect(progress).toEqual([{ progress: 1, total: 1 }])
  })

  it("is needed: without it the SDK client drops that progress", async () => {
    const { progress } = await callWithProgress(false)
    expect(progress).toEqual([])
  })
})
