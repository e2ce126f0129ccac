/**
 * The agent wired with defaults: `Config` (CODEX_HOME, config.toml, `-c` overrides), `AuthManager`,
 * `ModelClient` and `ToolRegistry` behind a `ConversationManager`. The stdio server runs on it, and
 * embedding programs use it directly, swapping the model or the tools.
 */
import { Effect, Layer } from "effect"
import type { ClusterOptions } from "../cluster/ClusterOptions.js"
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
  /** Host conversations as entities of a cluster over PostgreSQL instead of in this process alone. */
  readonly cluster?: ClusterOptions | undefined
}

export const CodexLayer = (options: CodexLayerOptions = {}) => {
  const cluster = options.cluster
  // Loaded only with --cluster: a server without it never needs the cluster engine or the PostgreSQL driver.
  const conversations = cluster === undefined ? ConversationManager.layer : Layer.unwrap(
    Effect.promise(() => import("../cluster/ClusterLayer.js")).pipe(
      Effect.map(({ clusteredConversations }) => clusteredConversations(cluster))
    )
  )
  const layer = conversations.pipe(
    Layer.provideMerge(Layer.mergeAll(
      options.model ?? ModelClient.layer.pipe(Layer.provide(AuthManager.modelAuth)),
      options.tools ?? ToolRegistry.layer
    )),
    Layer.provideMerge(authManagerLayer),
    Layer.provideMerge(Config.layer(options))
  )
  const withServers = options.mcpServers === undefined
    ? layer
    : layer.pipe(Layer.provide(Layer.succeed(EmbeddedMcpServers, options.mcpServers)))
  // The environment given here governs every part, the model client's provider keys included.
  return options.env === undefined
    ? withServers
    : withServers.pipe(Layer.provide(Layer.succeed(ProcessEnvironment, options.env)))
}
