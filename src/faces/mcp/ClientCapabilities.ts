/**
 * What the connected MCP client said it can do, recorded at `initialize`. The server only sends
 * `elicitation/create` to a client that declared the `elicitation` capability: any other client would
 * answer -32601, and the model would be told the user rejected a command nobody was asked about.
 */
import { Context, Effect, Layer } from "effect"

/** Why an approval could not be asked for, as the model and the client both read it. */
export const APPROVALS_UNAVAILABLE =
  "this MCP client cannot show approval requests (it did not declare the `elicitation` capability), " +
  "so nobody was asked and nothing was run. To let the agent act without asking, call `codex` with " +
  "`\"approval-policy\": \"never\"` (commands then run in the sandbox; widen it with `\"sandbox\": " +
  "\"workspace-write\"`), or set `approval_policy = \"never\"` in config.toml; or use a client that supports " +
  "MCP elicitation."

export class ClientCapabilities extends Context.Service<ClientCapabilities, {
  /** Whether the client declared `elicitation` (false before `initialize`). */
  readonly canElicit: () => boolean
  /** Whether the client declared URL-mode elicitation (`elicitation.url`). */
  readonly canElicitUrl: () => boolean
  /** Records the `capabilities` of `initialize`. */
  readonly record: (capabilities: { readonly elicitation?: unknown }) => Effect.Effect<void>
}>()("codex-effect/ClientCapabilities") {
  static readonly layer = Layer.sync(ClientCapabilities, () => {
    let elicitation = false
    let url = false
    return ClientCapabilities.of({
      canElicit: () => elicitation,
      canElicitUrl: () => url,
      record: (capabilities) =>
        Effect.sync(() => {
          elicitation = capabilities.elicitation != null
          const declared = capabilities.elicitation as { readonly url?: unknown } | null | undefined
          url = typeof declared === "object" && declared !== null && declared.url != null
        })
    })
  })
}
