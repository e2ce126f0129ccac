/**
 * A local OAuth issuer for auth tests: `POST /oauth/token` answers the authorization-code grant, the
 * API-key token exchange and refreshes, with unsigned JWT id_tokens carrying the claims codex reads.
 * Every request is recorded; failures can be switched on per grant.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export const fakeJwt = (claims: Record<string, unknown>) =>
  [{ alg: "none", typ: "JWT" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".sig"

export interface MockIssuer {
  readonly url: string
  readonly requests: Array<{ readonly grant: string; readonly body: Record<string, string> }>
  /** Grants that answer with this HTTP status instead of tokens. */
  readonly failing: Map<string, number>
  readonly close: () => Promise<void>
}

export const startMockIssuer = async (options: { readonly email?: string; readonly plan?: string } = {}): Promise<MockIssuer> => {
  const requests: MockIssuer["requests"] = []
  const failing = new Map<string, number>()
  let refreshes = 0
  const idToken = fakeJwt({
    email: options.email ?? "user@example.com",
    "https://api.openai.com/auth": { chatgpt_plan_type: options.plan ?? "plus", chatgpt_account_id: "acct-123" }
  })
  const server = createServer((request, response) => {
    let text = ""
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
    request.on("end", () => {
      const body: Record<string, string> = request.headers["content-type"]?.includes("json")
        ? JSON.parse(text)
        : Object.fromEntries(new URLSearchParams(text))
      const grant = body.grant_type ?? ""
      requests.push({ grant, body })
      const status = failing.get(grant)
      if (status !== undefined) {
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: "mock failure" }))
        return
      }
      const tokens = grant === "refresh_token"
        ? { id_token: idToken, access_token: `access-refreshed-${++refreshes}`, refresh_token: `refresh-${refreshes}` }
        : grant === "urn:ietf:params:oauth:grant-type:token-exchange"
        ? { access_token: "sk-from-exchange" }
        : { id_token: idToken, access_token: "access-1", refresh_token: "refresh-0" }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(tokens))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failing,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
