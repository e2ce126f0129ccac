/**
 * The `--http [HOST:]PORT` argument: where the HTTP transport listens. The host defaults to loopback, so
 * nothing on the network can reach the server unless it is asked to listen there.
 */

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

export const DEFAULT_HTTP_HOST = "127.0.0.1"

/** `8080`, `127.0.0.1:8080`, `0.0.0.0:0`, `[::1]:8080`; throws with a usage message otherwise. */
export const parseListenAddress = (text: string): ListenAddress => {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):)?(\d{1,5})$/.exec(text.trim())
  const port = match === null ? Number.NaN : Number(match[2])
  if (match === null || port > 65535) {
    throw new Error(`expected [HOST:]PORT (e.g. 8080 or 127.0.0.1:8080), got "${text}"`)
  }
  const host = match[1] === undefined ? DEFAULT_HTTP_HOST : match[1].replace(/^\[(.*)\]$/, "$1")
  return { host, port }
}
