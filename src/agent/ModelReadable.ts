/**
 * Which files the server may read on the model's behalf. The server runs unsandboxed, and the paths
 * such a read follows are the model's: a command can replace a workspace file with a symlink to the
 * server's `/proc/self/environ` or to CODEX_HOME's `auth.json` or `.env`, files no sandboxed command
 * can read. Whatever the server reads for a patch (to plan it, to show its diff in events and
 * approval requests) reaches the clients of the conversation and, through them, maybe the model; so
 * it is never one of the server's secrets: nothing in a pseudo file system (the reading process's own
 * state) nor in CODEX_HOME's secret entries. The check is made on the real path of the descriptor
 * that was opened (see `readUntrustedFile`), so a link swapped after it changes nothing.
 */
import { codexHomeSecretPaths } from "./exec/CodexHomeMask.js"
import { isInsideOrEqual } from "./exec/WorkspaceRoots.js"

/** File systems whose files are the reading process's own state: the server's environment, its descriptors. */
export const PSEUDO_FILE_SYSTEMS = ["/proc", "/sys", "/dev"]

/** Whether the file at `real` (a real path) is one the server may read for the model, given its CODEX_HOME. */
export const readableForModel = (codexHome: string): ((real: string) => boolean) => {
  const secrets = codexHomeSecretPaths(codexHome)
  return (real) =>
    !PSEUDO_FILE_SYSTEMS.some((root) => isInsideOrEqual(root, real)) &&
    !secrets.some((secret) => isInsideOrEqual(secret, real))
}
