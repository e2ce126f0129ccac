/**
 * What `mcp --cluster` is given: the shared PostgreSQL URL and where other runners reach this one. Kept
 * apart from the cluster layer so the command line can parse it without loading the cluster engine.
 */
import { parseListenAddress } from "../config/ListenAddress.js"

export interface ClusterOptions {
  /** The PostgreSQL connection URL every runner shares. */
  readonly url: string
  /** The address other runners reach this one at. */
  readonly host: string
  readonly port: number
  /** Shards per group; must be the same on every runner (default `DEFAULT_SHARDS`). */
  readonly shards?: number | undefined
}

/** `HOST:PORT` or `PORT` (host 127.0.0.1): where other runners reach this one. */
export const parseRunnerAddress = (text: string): { readonly host: string; readonly port: number } => {
  const address = parseListenAddress(text)
  if (address.port < 1) throw new Error(`expected [HOST:]PORT with a port from 1 to 65535, got "${text}"`)
  return address
}

/** Shards per group when not given. */
export const DEFAULT_SHARDS = 300

/** The URL as logs and output may show it. */
export const withoutPassword = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.password = ""
    return parsed.toString()
  } catch {
    return "the --cluster URL (not a valid URL)"
  }
}

const APPLICATION_PREFIX = "codex-effect runner "

/** The PostgreSQL application name of a runner's connections: it says which runner holds a session's locks. */
export const runnerApplicationName = (options: Pick<ClusterOptions, "host" | "port">) =>
  `${APPLICATION_PREFIX}${options.host}:${options.port}`

/** The runner address in an application name `runnerApplicationName` made, if it is one. */
export const runnerOfApplicationName = (name: string): string | undefined =>
  name.startsWith(APPLICATION_PREFIX) ? name.slice(APPLICATION_PREFIX.length) : undefined
