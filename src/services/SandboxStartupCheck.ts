/**
 * Checks once, when the server starts, that bubblewrap can start a sandbox here, and logs a WARN with
 * the fix when it cannot. It is not a failure: `danger-full-access` still works (uncontained), and the
 * read-only and workspace-write modes then refuse commands with the same message, which the client
 * also sees as an event. The check runs in the background so `initialize` is not kept waiting, and
 * its answer is cached, so the first command does not probe again.
 */
import { Effect, Layer } from "effect"
import { findBwrap } from "../agent/exec/Sandbox.js"
import { Config } from "./Config.js"

export const layer = Layer.effectDiscard(Effect.gen(function*() {
  const { base } = yield* Config
  yield* findBwrap(base.codexLinuxSandboxExe).pipe(
    Effect.flatMap((path) => Effect.logDebug(`sandbox: ${path} works`)),
    Effect.catch((unavailable) => Effect.logWarning(unavailable.message)),
    Effect.forkScoped
  )
}))
