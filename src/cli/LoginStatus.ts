/**
 * What `codex-effect login status` says: whether the active model provider has a credential, and where
 * it comes from. The stored login only serves providers that need OpenAI auth; a provider with an
 * `env_key` reads its key from that variable, so "Logged in" about auth.json alone would mislead.
 */
import type { ModelProviderInfo } from "../model/ModelProviderInfo.js"
import type { AuthMode } from "../rpc/Enums.js"

export interface LoginStatusInput {
  readonly providerId: string
  readonly provider: ModelProviderInfo
  /** The stored or environment login (`AuthManager.authMethod`). */
  readonly authMethod: AuthMode | undefined
  readonly authFileExists: boolean
  readonly env: Readonly<Record<string, string | undefined>>
}

export interface LoginStatus {
  readonly lines: ReadonlyArray<string>
  /** False when the provider needs a credential and has none: the command exits 1. */
  readonly loggedIn: boolean
}

const set = (value: string | undefined) => value !== undefined && value !== ""

export const loginStatus = ({ authFileExists, authMethod, env, provider, providerId }: LoginStatusInput): LoginStatus => {
  const name = `\`${providerId}\``
  const unusedLogin = authMethod !== undefined ? ["The login stored in CODEX_HOME/auth.json is not used by this provider."] : []
  if (provider.envKey !== undefined) {
    return set(env[provider.envKey])
      ? { loggedIn: true, lines: [`Logged in using the environment variable ${provider.envKey}`, `Provider: ${name}, key from ${provider.envKey}.`, ...unusedLogin] }
      : {
        loggedIn: false,
        lines: [`Not logged in: provider ${name} reads its key from the environment variable ${provider.envKey}, which is not set.`, ...unusedLogin]
      }
  }
  if (!provider.requiresOpenaiAuth) {
    return {
      loggedIn: true,
      lines: [`No login needed: provider ${name} is sent no credential (it names no env_key).`, ...unusedLogin]
    }
  }
  if (authMethod === "chatgpt") {
    return { loggedIn: true, lines: ["Logged in using ChatGPT", `Provider: ${name}, ChatGPT login from CODEX_HOME/auth.json.`] }
  }
  if (authMethod === "apikey") {
    const source = authFileExists ? "API key from CODEX_HOME/auth.json" : "API key from OPENAI_API_KEY in the environment"
    return { loggedIn: true, lines: ["Logged in using an API key", `Provider: ${name}, ${source}.`] }
  }
  return {
    loggedIn: false,
    lines: ["Not logged in", `Provider: ${name} needs a login: run \`codex-effect login\` or \`codex-effect login --api-key\`.`]
  }
}
