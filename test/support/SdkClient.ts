/**
 * The official MCP SDK client, connected to the built server over stdio: what Claude Desktop,
 * Cursor or the Inspector would be.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { makeTempDir, SERVER_BIN } from "./ServerProcess.js"

export interface SdkConnection {
  readonly client: Client
  readonly transport: StdioClientTransport
  readonly codexHome: string
  readonly stderr: () => string
  readonly close: () => Promise<void>
}

export const connectSdkClient = async (options: {
  readonly codexHome?: string
  readonly env?: Record<string, string>
  readonly capabilities?: ConstructorParameters<typeof Client>[1]
  /** The server's arguments (default `mcp`). */
  readonly args?: ReadonlyArray<string>
} = {}): Promise<SdkConnection> => {
  const codexHome = options.codexHome ?? makeTempDir("codex-home-")
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== "OPENAI_API_KEY") env[key] = value
  }
  Object.assign(env, { CODEX_HOME: codexHome, CODEX_EFFECT_LOG: "debug" }, options.env)
  const transport = new StdioClientTransport({ command: process.execPath, args: [SERVER_BIN, ...(options.args ?? ["mcp"])], env, stderr: "pipe" })
  let stderr = ""
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const client = new Client({ name: "codex-effect-e2e", version: "0.0.0" }, options.capabilities ?? { capabilities: {} })
  await client.connect(transport)
  return { client, transport, codexHome, stderr: () => stderr, close: () => client.close() }
}
