/**
 * The names the model sees for MCP tools: `server__tool`. Model APIs cap a function name at 64
 * characters, so a longer name is cut and ends with a SHA-1 of the full name, which keeps it unique.
 */
import { createHash } from "node:crypto"

export const MCP_TOOL_NAME_DELIMITER = "__"
export const MAX_TOOL_NAME_LENGTH = 64

/** `server__tool`, or its first characters plus the hex SHA-1 of the whole name when it is too long. */
export const qualifiedToolName = (server: string, tool: string): string => {
  const name = `${server}${MCP_TOOL_NAME_DELIMITER}${tool}`
  if (name.length <= MAX_TOOL_NAME_LENGTH) return name
  const hash = createHash("sha1").update(name).digest("hex")
  return name.slice(0, MAX_TOOL_NAME_LENGTH - hash.length) + hash
}
