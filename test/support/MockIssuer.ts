/**
 * A local OAuth issuer for auth tests, on 127.0.0.1 with a free port. `POST /oauth/token` answers the
 * authorization-code grant, the API-key token exchange and refreshes, with unsigned JWT id_tokens
 * carrying the claims codex reads. Every request is recorded; a grant can be made to fail with a
 * status, or held until the test releases it (to make concurrent callers overlap for certain), and a
 * test can wait for the n-th request of a grant without sleeping. The device-code endpoints
 * (`/api/accounts/deviceauth/usercode` and `/token`) hand out one code, and answer the poll with 403 until
 * the test approves it.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export const GRANT = {
  code: "authorization_code",
  apiKey: "urn:ietf:params:oauth:grant-type:token-exchange",
  refresh: "refresh_token"
} as const

/** An unsigned JWT (`alg: none`) with these payload claims. */
export const fakeJwt = (claims: Record<string, unknown>) =>
  [{ alg: "none", typ: "JWT" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".sig"

/** The claims codex reads, nested as the real issuer nests them. */
export const chatGptClaims = (claims: { readonly email?: string; readonly plan?: string; readonly accountId?: string }) => ({
  ...(claims.email !== undefined ? { email: claims.email } : {}),
  "https://api.openai.com/auth": {
    ...(claims.plan !== undefined ? { chatgpt_plan_type: claims.plan } : {}),
    ...(claims.accountId !== undefined ? { chatgpt_account_id: claims.accountId } : {})
  }
})

export interface IssuerRequest {
  readonly path: string
  readonly contentType: string
  readonly grant: string
  readonly body: Record<string, string>
}

export interface MockIssuer {
  readonly url: string
  readonly requests: Array<IssuerRequest>
  /** Grants that answer with this HTTP status instead of tokens. */
  readonly failing: Map<string, number>
  /** The id_token every grant returns. */
  readonly idToken: string
  /** How many requests of this grant arrived. */
  readonly count: (grant: string) => number
  /** Holds answers to this grant until the returned function is called. */
  readonly hold: (grant: string) => () => void
  /** Resolves once `count` requests of `grant` have arrived; rejects loudly after `timeoutMs`. */
  readonly waitForRequests: (grant: string, count: number, timeoutMs?: number) => Promise<void>
  /** The user enters the device code: the next poll gets the authorization code. */
  readonly approveDevice: () => void
  readonly close: () => Promise<void>
}

/** What the device-code endpoints hand out, for tests to check against. */
export const DEVICE = {
  authId: "device-auth-1",
  userCode: "ABCD-1234",
  authorizationCode: "device-authorization-code",
  codeVerifier: "device-code-verifier"
} as const

export interface MockIssuerOptions {
  readonly email?: string
  readonly plan?: string
  readonly accountId?: string
  /** The polling interval the device-code endpoint names, in seconds (as a string, as the real one sends it). */
  readonly deviceInterval?: string
}

const parseBody = (contentType: string, text: string): Record<string, string> => {
  if (!contentType.includes("json")) return Object.fromEntries(new URLSearchParams(text))
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === "object" && parsed !== null ? parsed as Record<string, string> : {}
  } catch {
    return {}
  }
}

export const startMockIssuer = async (options: MockIssuerOptions = {}): Promise<MockIssuer> => {
  const requests: Array<IssuerRequest> = []
  const failing = new Map<string, number>()
  const held = new Map<string, Promise<void>>()
  const arrivals = new Set<() => void>()
  let refreshes = 0
  let deviceApproved = false
  const idToken = fakeJwt(chatGptClaims({
    email: options.email ?? "user@example.com",
    plan: options.plan ?? "plus",
    accountId: options.accountId ?? "acct-123"
  }))
  const count = (grant: string) => requests.filter((request) => request.grant === grant).length

  const answer = (grant: string) =>
    grant === GRANT.refresh
      ? { id_token: idToken, access_token: `access-refreshed-${++refreshes}`, refresh_token: `refresh-${refreshes}` }
      : grant === GRANT.apiKey
      ? { access_token: "sk-from-exchange" }
      : grant === GRANT.code
      ? { id_token: idToken, access_token: "access-1", refresh_token: "refresh-0" }
      : undefined

  const server = createServer((request, response) => {
    let text = ""
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
    request.on("end", async () => {
      const contentType = request.headers["content-type"] ?? ""
      const path = new URL(request.url ?? "/", "http://localhost").pathname
      const body = parseBody(contentType, text)
      const grant = body.grant_type ?? ""
      requests.push({ path, contentType, grant, body })
      for (const arrived of arrivals) arrived()
      const json = (status: number, value: unknown) =>
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value))
      if (request.method === "POST" && path === "/api/accounts/deviceauth/usercode") {
        json(200, { device_auth_id: DEVICE.authId, user_code: DEVICE.userCode, interval: options.deviceInterval ?? "0" })
        return
      }
      if (request.method === "POST" && path === "/api/accounts/deviceauth/token") {
        if (!deviceApproved || body.device_auth_id !== DEVICE.authId || body.user_code !== DEVICE.userCode) {
          json(403, { error: "deviceauth_authorization_pending" })
          return
        }
        json(200, { authorization_code: DEVICE.authorizationCode, code_challenge: "device-challenge", code_verifier: DEVICE.codeVerifier })
        return
      }
      if (request.method !== "POST" || path !== "/oauth/token") {
        response.writeHead(404).end()
        return
      }
      await held.get(grant)
      const status = failing.get(grant)
      const tokens = status === undefined ? answer(grant) : undefined
      if (tokens === undefined) {
        response.writeHead(status ?? 400, { "content-type": "application/json" })
          .end(JSON.stringify({ error: status !== undefined ? "mock_failure" : "unsupported_grant_type" }))
      } else {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(tokens))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failing,
    idToken,
    count,
    hold: (grant) => {
      let release: () => void = () => undefined
      held.set(grant, new Promise<void>((resolve) => (release = resolve)))
      return () => {
        held.delete(grant)
        release()
      }
    },
    waitForRequests: (grant, wanted, timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (count(grant) < wanted) return
          arrivals.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          arrivals.delete(check)
          reject(new Error(`mock issuer: waited ${timeoutMs} ms for ${wanted} ${grant} request(s), got ${count(grant)}`))
        }, timeoutMs)
        arrivals.add(check)
        check()
      }),
    approveDevice: () => {
      deviceApproved = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
