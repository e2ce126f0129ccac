/**
 * The real MCP servers the agent's own MCP client is tested against, run from node_modules (never
 * downloaded at test time): `server-everything` over stdio or streamable HTTP, `server-filesystem`, and
 * TOML for `[mcp_servers.<name>]` entries that point at them.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import { resolve } from "node:path"

const modules = resolve(import.meta.dirname, "../../node_modules/@modelcontextprotocol")
export const EVERYTHING_JS = resolve(modules, "server-everything/dist/index.js")
export const FILESYSTEM_JS = resolve(modules, "server-filesystem/dist/index.js")
export const WIRE_TAP_JS = resolve(import.meta.dirname, "McpWireTap.mjs")

export interface McpServerEntry {
  readonly command?: string
  readonly args?: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
  readonly url?: string
  readonly startupTimeoutSec?: number
  readonly toolTimeoutSec?: number
}

/** `[mcp_servers.<name>]` for `entry`, as TOML lines. */
export const mcpServerToml = (name: string, entry: McpServerEntry): string =>
  [
    `[mcp_servers.${name}]`,
    ...(entry.command !== undefined ? [`command = ${JSON.stringify(entry.command)}`] : []),
    ...(entry.args !== undefined ? [`args = ${JSON.stringify(entry.args)}`] : []),
    ...(entry.url !== undefined ? [`url = ${JSON.stringify(entry.url)}`] : []),
    ...(entry.startupTimeoutSec !== undefined ? [`startup_timeout_sec = ${entry.startupTimeoutSec}`] : []),
    ...(entry.toolTimeoutSec !== undefined ? [`tool_timeout_sec = ${entry.toolTimeoutSec}`] : []),
    ...(entry.env !== undefined ? [`env = { ${Object.entries(entry.env).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")} }`] : []),
    ""
  ].join("\n")

/** server-everything over stdio, on the node running the tests. */
export const everythingStdio = (extra: Partial<McpServerEntry> = {}): McpServerEntry => ({
  command: process.execPath,
  args: [EVERYTHING_JS, "stdio"],
  ...extra
})

/** server-everything behind the wire tap, which logs what the client sends to `logFile`. */
export const everythingTapped = (logFile: string, extra: Partial<McpServerEntry> = {}): McpServerEntry => ({
  command: process.execPath,
  args: [WIRE_TAP_JS, logFile, process.execPath, EVERYTHING_JS, "stdio"],
  ...extra
})

const freePort = () =>
  new Promise<number>((done, fail) => {
    const probe = createServer()
    probe.once("error", fail)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })

/** server-everything in its streamable HTTP mode on a free port; resolves once it listens. */
export const startEverythingHttp = async (): Promise<{ readonly url: string; readonly child: ChildProcess }> => {
  const port = await freePort()
  const child = spawn(process.execPath, [EVERYTHING_JS, "streamableHttp"], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"]
  })
  await new Promise<void>((done, fail) => {
    let stderr = ""
    const timer = setTimeout(() => fail(new Error(`server-everything did not listen within 10 s: ${stderr}`)), 10_000)
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
      if (stderr.includes(`listening on port ${port}`)) {
        clearTimeout(timer)
        done()
      }
    })
    child.once("exit", () => fail(new Error(`server-everything exited: ${stderr}`)))
  })
  return { url: `http://127.0.0.1:${port}/mcp`, child }
}

/** The threads of `pid`; none once it has exited (a descendant may exit while the tree is walked). */
const tasksOf = (pid: number): Array<string> => {
  try {
    return readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
}

/** The ids of every process descended from `pid` (Linux /proc). */
export const descendantPids = (pid: number): Array<number> => {
  const children = tasksOf(pid).flatMap((task) => {
    try {
      return readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter((s) => s !== "").map(Number)
    } catch {
      return []
    }
  })
  return children.flatMap((child) => [child, ...descendantPids(child)])
}
