/**
 * Where the patch applier that runs inside the sandbox starts: the CLI's own executable with an
 * internal subcommand, or, for a program that embeds the library, the compiled
 * `SandboxedPatchMain.js` beside this module. The executable registers itself when it starts; a
 * program that is neither (sources run by a test runner) has no applier, and a patch that needs the
 * sandbox is then refused rather than written by the server.
 *
 * Kept free of other imports: the executable loads it before checking the Node version.
 */
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The internal subcommand of the executable that applies a patch read from stdin (never shown in help). */
export const APPLY_PATCH_IN_SANDBOX = "__apply-patch-in-sandbox"

let registered: string | undefined

/** Called by the executable with its own path. */
export const registerPatchApplierEntry = (executable: string): void => {
  registered = executable
}

/** The arguments after `node` that start the applier, or undefined when there is none. */
export const patchApplierArgs = (): ReadonlyArray<string> | undefined => {
  if (registered !== undefined) return [registered, APPLY_PATCH_IN_SANDBOX]
  const compiled = join(dirname(fileURLToPath(import.meta.url)), "SandboxedPatchMain.js")
  return existsSync(compiled) ? [compiled] : undefined
}
