/**
 * The environment a command sees (agent core §6.2): inherit all, core or none of the server's
 * variables, drop secrets (`*KEY*`, `*SECRET*`, `*TOKEN*`) unless told not to, apply `exclude`, `set`
 * and `include_only`, and say when the network is off.
 */
import type { ShellEnvironmentPolicy } from "../../config/ResolvedConfig.js"

const CORE_VARIABLES = ["HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP"]
const DEFAULT_EXCLUDES = ["*KEY*", "*SECRET*", "*TOKEN*"]

const wildcard = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i")

const matchesAny = (name: string, patterns: ReadonlyArray<string>) => patterns.some((pattern) => wildcard(pattern).test(name))

export const commandEnvironment = (
  policy: ShellEnvironmentPolicy,
  processEnv: Readonly<Record<string, string | undefined>>,
  options: { readonly networkDisabled: boolean }
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(processEnv)) {
    if (value === undefined) continue
    if (policy.inherit === "none") continue
    if (policy.inherit === "core" && !CORE_VARIABLES.includes(name)) continue
    env[name] = value
  }
  for (const name of Object.keys(env)) {
    if (!policy.ignoreDefaultExcludes && matchesAny(name, DEFAULT_EXCLUDES)) delete env[name]
    else if (matchesAny(name, policy.exclude)) delete env[name]
  }
  Object.assign(env, policy.set)
  if (policy.includeOnly.length > 0) {
    for (const name of Object.keys(env)) if (!matchesAny(name, policy.includeOnly)) delete env[name]
  }
  if (options.networkDisabled) env.CODEX_SANDBOX_NETWORK_DISABLED = "1"
  return env
}
