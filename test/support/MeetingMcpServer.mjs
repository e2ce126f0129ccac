// A stdio MCP server with one tool, `meet`: a call waits (up to 2 s) for a second call to arrive while it
// runs, and answers "together" when one did, "alone" when none did. It tells a test whether its client
// ran two calls at the same time, without the test timing anything.
import { createInterface } from "node:readline"

const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n")
const waiting = new Set()

const meet = (id) => {
  if (waiting.size > 0) {
    for (const met of waiting) met()
    waiting.clear()
    return answer(id, "together")
  }
  const timer = setTimeout(() => {
    waiting.delete(met)
    answer(id, "alone")
  }, 2_000)
  const met = () => {
    clearTimeout(timer)
    answer(id, "together")
  }
  waiting.add(met)
}

const answer = (id, text) => send({ id, result: { content: [{ type: "text", text }] } })

createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line)
  switch (message.method) {
    case "initialize":
      return send({ id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "meeting", version: "1.0.0" } } })
    case "tools/list":
      return send({ id: message.id, result: { tools: [{ name: "meet", description: "Meets another call.", inputSchema: { type: "object", properties: {} } }] } })
    case "tools/call":
      return meet(message.id)
    default:
      if (message.id !== undefined) send({ id: message.id, error: { code: -32601, message: `Method not found: ${message.method}` } })
  }
})
