/**
 * The checks every HTTP request passes before it reaches a session. `Origin`: a browser page on another
 * site (or a DNS-rebinding attack pointing a foreign name at this port) must not drive a local agent, so
 * a request carrying an `Origin` that is neither loopback nor the address the server listens on is
 * refused with 403. Bearer token: a request without the configured one is refused with 401.
 */
import { createHash, timingSafeEqual } from "node:crypto"

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]", "::1"])

/** Whether a request with this `Origin` header (if any) may reach a server listening on `listenHost`. */
export const isAllowedOrigin = (origin: string | undefined, listenHost: string): boolean => {
  if (origin === undefined) return true
  let hostname: string
  try {
    hostname = new URL(origin).hostname
  } catch {
    return false
  }
  return LOOPBACK_HOSTS.has(hostname) || hostname === listenHost || hostname === `[${listenHost}]`
}

const digest = (text: string) => createHash("sha256").update(text).digest()

/** Whether `authorization` is `Bearer <token>` (compared in constant time). */
export const hasBearerToken = (authorization: string | undefined, token: string): boolean => {
  const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim())
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token))
}
