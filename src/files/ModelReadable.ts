/**
 * Which files the server may read on the model's behalf. The server runs unsandboxed, and the paths
 * such a read follows are often the model's to change: a command can replace a workspace file with a
 * symlink to the server's `/proc/self/environ` or to CODEX_HOME's `auth.json` or `.env`, files no
 * sandboxed command can read. Whatever the server reads for the model (a patch's files, shown in events
 * and approval requests; an image; an instructions file named in the config) reaches the model or the
 * conversation's clients, so it is never one of the server's secrets: nothing in a pseudo file system
 * (the reading process's own state) nor in CODEX_HOME's secret entries. The check is made on the real
 * path of the descriptor that was opened (see `readUntrustedFile`), so a link swapped after it changes
 * nothing.
 */
import { join } from "node:path"
import { isInsideOrEqual, realPathAsFarAsExists } from "./RealPaths.js"

/** CODEX_HOME's entries with secrets or history: what no command sees and the server reads for no model. */
export const CODEX_HOME_SECRET_ENTRIES = ["auth.json", ".env", "sessions", "archived_sessions", "history.jsonl", "log"]

/** File systems whose files are the reading process's own state: the server's environment, its descriptors. */
export const PSEUDO_FILE_SYSTEMS = ["/proc", "/sys", "/dev"]

/** Where CODEX_HOME's secret entries are, each as named and as its symlinks lead. */
export const codexHomeSecretPaths = (codexHome: string): Array<string> => {
  const home = realPathAsFarAsExists(codexHome)
  return [...new Set(CODEX_HOME_SECRET_ENTRIES.flatMap((name) => [join(home, name), realPathAsFarAsExists(join(home, name))]))]
}

/** Whether the file at `real` (a real path) is one the server may read for the model, given its CODEX_HOME. */
export const readableForModel = (codexHome: string): ((real: string) => boolean) => {
  const secrets = codexHomeSecretPaths(codexHome)
  return (real) =>
    !PSEUDO_FILE_SYSTEMS.some((root) => isInsideOrEqual(root, real)) &&
    !secrets.some((secret) => isInsideOrEqual(secret, real))
}
