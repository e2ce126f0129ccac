/**
 * What the server withholds from every command, whatever the turn's policy says: its secrets, by value.
 * That is what it was given as a secret at its edge (the HTTP bearer token, the password in the
 * `--cluster` URL) and the credentials it reads from its environment (API keys, every provider's `env_key`
 * and `env_http_headers`, MCP servers' `bearer_token_env_var` and `env_http_headers`, every value of
 * CODEX_HOME/.env). `buildCommandEnv` drops every variable
 * whose value holds one. Names are not enough: `--auth-token-env` may name any variable, and the same
 * value may sit under a second, innocent name.
 *
 * Given once at the edge (the CLI); a conversation keeps the value its manager was built with.
 */
import { Context } from "effect"
import type { Environment } from "./ProcessEnvironment.js"
import { codexHomeDotEnvSecrets } from "../config/DotEnv.js"
import type { ResolvedConfig } from "../config/ResolvedConfig.js"

export interface CommandIsolationShape {
  /** Secret values given to the server (empty for an embedding that gives none). */
  readonly secrets: ReadonlyArray<string>
}

export const CommandIsolation = Context.Reference<CommandIsolationShape>("codex-effect/CommandIsolation", {
  defaultValue: () => ({ secrets: [] })
})

/** The variables the server reads API keys from, whatever the provider. */
const KEY_VARIABLES = ["OPENAI_API_KEY", "CODEX_API_KEY"]

type CredentialConfig =
  & Pick<ResolvedConfig, "modelProvider" | "mcpServers">
  & Partial<Pick<ResolvedConfig, "providerCredentialVariables" | "codexHome">>

/**
 * The variables `config` has the server read a credential from: every provider's key and header variables
 * (a profile or an override may select any of them), MCP servers' tokens and headers.
 */
const credentialVariables = (config: CredentialConfig): ReadonlyArray<string> => [
  ...KEY_VARIABLES,
  ...(config.modelProvider.envKey === undefined ? [] : [config.modelProvider.envKey]),
  ...Object.values(config.modelProvider.envHttpHeaders ?? {}),
  ...(config.providerCredentialVariables ?? []),
  ...config.mcpServers.flatMap(({ transport }) =>
    transport.type === "http"
      ? [...(transport.bearerTokenEnvVar === undefined ? [] : [transport.bearerTokenEnvVar]), ...Object.values(transport.envHeaders ?? {})]
      : []
  )
]

/**
 * Every secret value a command must not see: the given ones, the credentials the server reads from `env`, and
 * the values of CODEX_HOME/.env (read again each time: a few lines, and a key added since start counts too).
 */
export const commandSecrets = (
  isolation: CommandIsolationShape,
  env: Environment,
  config: CredentialConfig
): ReadonlyArray<string> => {
  const fromEnv = credentialVariables(config).map((name) => env[name]).filter((value): value is string => value !== undefined && value !== "")
  const fromDotEnv = config.codexHome === undefined ? [] : codexHomeDotEnvSecrets(config.codexHome)
  return [...isolation.secrets, ...fromEnv, ...fromDotEnv]
}

/** The password of a connection URL, if it has one: a secret the server was given. */
export const urlPassword = (url: string): ReadonlyArray<string> => {
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === "" ? [] : [password]
  } catch {
    return []
  }
}
