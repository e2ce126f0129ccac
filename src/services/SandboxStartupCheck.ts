/**
 * Checks once, when the server starts, that bubblewrap can start a sandbox here, and logs a WARN with
 * the fix when it cannot. It is not a failure: `danger-full-access` still works (uncontained), and the
 * read-only and workspace-write modes then refuse commands with the same message, which the client
 * also sees as an event. The check runs in the background, a moment after the start, so that starting
 * bwrap (a fork of the whole server, ~5 ms on the main thread) does not delay the answer to `initialize`;
 * its answer is cached, so the first command does not probe again (and a command that comes first
 * probes for it).
 */
import { Duration, Effect, Layer } from "effect"
import { settleCertificateLoading } from "./CertificateLoading.js"
import { findBwrap } from "../agent/exec/Sandbox.js"
import { Config } from "./Config.js"

/** Long enough for a client's first requests to be answered. */
const PROBE_DELAY = Duration.millis(500)

export const layer = Layer.effectDiscard(Effect.gen(function*() {
  const { base } = yield* Config
  yield* Effect.sleep(PROBE_DELAY).pipe(
    // bwrap is a process like any other: it starts with the certificate files read and closed.
    Effect.andThen(Effect.sync(settleCertificateLoading)),
    Effect.andThen(findBwrap(base.codexLinuxSandboxExe)),
    Effect.flatMap((path) => Effect.logDebug(`sandbox: ${path} works`)),
    Effect.catch((unavailable) => Effect.logWarning(unavailable.message)),
    Effect.forkScoped
  )
}))
