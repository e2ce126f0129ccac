/**
 * The environment variables the agent sees: the server's own by default, or what an embedding
 * program passes to `CodexLayer({ env })`. Everything that reads a variable (provider keys, PATH for
 * bubblewrap, the commands' environment, TMPDIR and HOME for the sandbox) asks this reference, so
 * one value governs the whole agent.
 */
import { Context } from "effect"

export type Environment = Readonly<Record<string, string | undefined>>

export const ProcessEnvironment = Context.Reference<Environment>("codex-effect/ProcessEnvironment", {
  defaultValue: () => process.env
})
