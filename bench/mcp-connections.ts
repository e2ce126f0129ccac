/**
 * `node bench/mcp-connections.ts [conversations] [servers]` (after `npm run build`): what MCP servers
 * cost when every conversation starts its own. Starts N conversations at once on one server, each with
 * M stdio `server-everything` processes (or none, the baseline), runs one turn in each, and prints the
 * wall time until every turn completed and the resident memory of the server plus its child processes.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { MockTurn, mockConfigToml, startMockModelServer } from "../test/support/MockModelServer.ts"
import { makeTempDir, ServerProcess } from "../test/support/ServerProcess.ts"

const conversations = Number(process.argv[2] ?? 50)
const serversPerConversation = Number(process.argv[3] ?? 2)
const EVERYTHING_JS = resolve(import.meta.dirname, "../node_modules/@modelcontextprotocol/server-everything/dist/index.js")

const descendants = (pid: number): Array<number> =>
  readdirSync(`/proc/${pid}/task`).flatMap((task) => {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter((s) => s !== "").map(Number)
    return children.flatMap((child) => [child, ...descendants(child)])
  })

const rssMiB = (pid: number) => {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return line === null ? 0 : Number(line[1]) / 1024
}

const measure = async (servers: number) => {
  const model = await startMockModelServer(Array.from({ length: conversations }, () => MockTurn.message("ok")))
  const codexHome = makeTempDir("codex-bench-mcp-")
  const mcp = Array.from({ length: servers }, (_, i) =>
    `[mcp_servers.s${i}]\ncommand = ${JSON.stringify(process.execPath)}\nargs = ${JSON.stringify([EVERYTHING_JS, "stdio"])}\nstartup_timeout_sec = 120\n`
  ).join("\n")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never", extra: mcp }))
  const server = new ServerProcess({ codexHome, env: { CODEX_EFFECT_LOG: "error" } })
  await server.initialize()
  const started = performance.now()
  await Promise.all(Array.from({ length: conversations }, async () => {
    const { conversationId } = (await server.request("newConversation", {}, 120_000)).result
    await server.request("addConversationListener", { conversationId }, 120_000)
    await server.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] }, 120_000)
    await server.waitFor(
      (m) => m.method === "codex/event/task_complete" && m.params?.conversationId === conversationId,
      "task_complete",
      240_000
    )
  }))
  const elapsedMs = performance.now() - started
  const children = descendants(server.child.pid!)
  const serverRss = rssMiB(server.child.pid!)
  const childrenRss = children.reduce((sum, pid) => sum + rssMiB(pid), 0)
  server.child.stdin.end()
  await server.waitForExit(10_000)
  await model.close()
  return { servers, elapsedMs, processes: children.length, serverRss, childrenRss }
}

for (const servers of [0, serversPerConversation]) {
  const r = await measure(servers)
  process.stdout.write(
    `${conversations} conversations × ${r.servers} MCP servers: all turns done in ${r.elapsedMs.toFixed(0)} ms; ` +
      `${r.processes} child processes; RSS server ${r.serverRss.toFixed(0)} MiB + children ${r.childrenRss.toFixed(0)} MiB\n`
  )
}
