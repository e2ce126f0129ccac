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
  /** Shards per group; must be the same on every runner (default 300). */
  readonly shards?: number | undefined
}

/** `HOST:PORT` or `PORT` (host 127.0.0.1): where other runners reach this one. */
export const parseRunnerAddress = (text: string): { readonly host: string; readonly port: number } => {
  const address = parseListenAddress(text)
  if (address.port < 1) throw new Error(`expected [HOST:]PORT with a port from 1 to 65535, got "${text}"`)
  return address
}
