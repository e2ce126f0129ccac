/**
 * The environment a command sees. The server's own environment is not passed on as is: the policy
 * picks all, the core few or none of its variables, drops secrets (`*KEY*`, `*SECRET*`, `*TOKEN*`,
 * `*PASSWORD*`, `*PASSWD*`, `*CREDENTIAL*`) and `CODEX_HOME` (where the credentials live) unless told
 * not to, drops `exclude` matches, applies `set`, and keeps only `include_only` matches when that list
 * is non-empty. A variable named exactly (no wildcard) in `include_only`, or given in `set`, comes
 * back even if a default exclude matched it. Patterns are case-insensitive wildcards.
 *
 * Names are only a convention, so the server's own secrets (`secrets`: the HTTP bearer token, the
 * provider keys, whatever it was given as a secret) are also removed by value: no variable whose value
 * holds one reaches the command, whatever it is called and whatever the policy says (`set` included).
 */
import type { ShellEnvironmentPolicy } from "../../config/ResolvedConfig.js"

const CORE_VARIABLES = new Set(["HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP"])
const DEFAULT_EXCLUDES = ["*KEY*", "*SECRET*", "*TOKEN*", "*PASSWORD*", "*PASSWD*", "*CREDENTIAL*", "CODEX_HOME"]

/** `*` is any run of characters, `?` any one character; everything else is literal. */
const wildcard = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "is")

const matcher = (patterns: ReadonlyArray<string>) => {
  const compiled = patterns.map(wildcard)
  return (name: string) => compiled.some((pattern) => pattern.test(name))
}

export interface CommandEnvOptions {
  /** The turn's sandbox policy lacks full network access: tell the command (`CODEX_SANDBOX_NETWORK_DISABLED=1`). */
  readonly networkDisabled?: boolean
  /** The server's secret values: a variable holding one of them is dropped, whatever its name. */
  readonly secrets?: ReadonlyArray<string>
}

/** Shorter secrets are matched whole only: a few characters would also occur inside innocent values. */
const MIN_SECRET_SUBSTRING = 8

const holdsSecret = (secrets: ReadonlyArray<string>) => {
  const known = secrets.filter((secret) => secret.length > 0)
  return (value: string) =>
    known.some((secret) => value === secret || (secret.length >= MIN_SECRET_SUBSTRING && value.includes(secret)))
}

/** The complete environment for a command (the child gets exactly this, nothing inherited besides). */
export const buildCommandEnv = (
  policy: ShellEnvironmentPolicy,
  processEnv: Readonly<Record<string, string | undefined>>,
  options: CommandEnvOptions = {}
): Record<string, string> => {
  const isIncluded = matcher(policy.includeOnly)
  // Only a name spelled out in include_only overrides a default exclude; `*A*` must not bring back keys.
  const isNamed = matcher(policy.includeOnly.filter((pattern) => !/[*?]/.test(pattern)))
  const matchesDefaultExclude = matcher(policy.ignoreDefaultExcludes ? [] : DEFAULT_EXCLUDES)
  const isDefaultExcluded = (name: string) => matchesDefaultExclude(name) && !isNamed(name)
  const isExcluded = matcher(policy.exclude)
  const isSecret = holdsSecret(options.secrets ?? [])
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(processEnv)) {
    if (value === undefined || policy.inherit === "none") continue
    if (policy.inherit === "core" && !CORE_VARIABLES.has(name)) continue
    if (isDefaultExcluded(name) || isExcluded(name)) continue
    env[name] = value
  }
  Object.assign(env, policy.set)
  if (policy.includeOnly.length > 0) {
    for (const name of Object.keys(env)) if (!isIncluded(name)) delete env[name]
  }
  for (const [name, value] of Object.entries(env)) if (isSecret(value)) delete env[name]
  if (options.networkDisabled === true) env.CODEX_SANDBOX_NETWORK_DISABLED = "1"
  return env
}
