/**
 * The agent wired with defaults: `Config` (CODEX_HOME, config.toml, `-c` overrides), `AuthManager`,
 * `ModelClient` and `ToolRegistry` behind a `ConversationManager`. The stdio server runs on it, and
 * embedding programs use it directly, swapping the model or the tools.
 */
import { Effect, Layer } from "effect"
import { ProcessEnvironment } from "./ProcessEnvironment.js"
import { EmbeddedMcpServers } from "../mcp/EmbeddedMcpServers.js"
import type { McpServerConfig } from "../config/McpServerConfig.js"
import { AuthManager } from "./AuthManager.js"
import { Config, type ConfigOptions } from "./Config.js"
import { ConversationManager } from "./ConversationManager.js"
import { ModelClient } from "../model/ModelClient.js"
import { ToolRegistry } from "./ToolRegistry.js"

/** The AuthManager configured from config.toml (CODEX_HOME, `preferred_auth_method`, `auth_issuer`, `login_port`). */
export const authManagerLayer = Layer.unwrap(Effect.gen(function*() {
  const { base } = yield* Config
  return AuthManager.layer({
    codexHome: base.codexHome,
    preferredAuthMethod: base.preferredAuthMethod,
    issuer: base.authIssuer,
    loginPort: base.loginPort
  })
}))

export interface CodexLayerOptions extends ConfigOptions {
  /**
   * The model client. Defaults to the real one (`ModelClient.layer`, credentials from the
   * AuthManager); pass `ScriptedModel.layer(turns)` to run without a provider.
   */
  readonly model?: Layer.Layer<ModelClient, never, AuthManager | Config> | undefined
  /** The tools offered to the model. Defaults to `shell`, plus `update_plan` / `apply_patch` when configured. */
  readonly tools?: Layer.Layer<ToolRegistry> | undefined
  /** MCP servers every conversation connects to, besides config.toml's `[mcp_servers]` (same name: this one wins). */
  readonly mcpServers?: ReadonlyArray<McpServerConfig> | undefined
  /**
   * Where conversations live. Defaults to this process (`ConversationManager.layer`, rollouts in CODEX_HOME);
   * the entry point gives the cluster's for `mcp --cluster`. Built on the agent's config, model and tools.
   */
  readonly conversations?: Layer.Layer<ConversationManager, { readonly message: string }, Config | ModelClient | ToolRegistry> | undefined
}

/** `layer` with the environment of `options` (else the `ProcessEnvironment` it is given). */
const withEnvironment = <A, E, R>(options: CodexLayerOptions, layer: Layer.Layer<A, E, R>) =>
  options.env === undefined ? layer : layer.pipe(Layer.provide(Layer.succeed(ProcessEnvironment, options.env)))

/**
 * The agent on a `Config` built already: the stdio server reads the config before its first answer and
 * loads the rest of the agent after it.
 */
export const codexServicesLayer = (options: CodexLayerOptions = {}) => {
  const layer = (options.conversations ?? ConversationManager.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(
      options.model ?? ModelClient.layer.pipe(Layer.provide(AuthManager.modelAuth)),
      options.tools ?? ToolRegistry.layer
    )),
    Layer.provideMerge(authManagerLayer)
  )
  const withServers = options.mcpServers === undefined
    ? layer
    : layer.pipe(Layer.provide(Layer.succeed(EmbeddedMcpServers, options.mcpServers)))
  // The environment given here governs every part, the model client's provider keys included.
  return withEnvironment(options, withServers)
}

export const CodexLayer = (options: CodexLayerOptions = {}) =>
  codexServicesLayer(options).pipe(Layer.provideMerge(withEnvironment(options, Config.layer(options))))
