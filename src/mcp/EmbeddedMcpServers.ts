/**
 * MCP servers an embedding program passes in code (`CodexLayer({ mcpServers })`): every conversation
 * gets them besides config.toml's `[mcp_servers]`; an embedded server replaces a configured one of the
 * same name.
 */
import { Context } from "effect"
import type { McpServerConfig } from "../config/McpServerConfig.js"

export const EmbeddedMcpServers = Context.Reference<ReadonlyArray<McpServerConfig>>("codex-effect/EmbeddedMcpServers", {
  defaultValue: () => []
})

/** config.toml's servers with the embedded ones added (replacing any of the same name). */
export const mergeMcpServers = (
  configured: ReadonlyArray<McpServerConfig>,
  embedded: ReadonlyArray<McpServerConfig>
): ReadonlyArray<McpServerConfig> => {
  const names = new Set(embedded.map((server) => server.name))
  return [...configured.filter((server) => !names.has(server.name)), ...embedded]
}
