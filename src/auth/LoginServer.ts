/**
 * The ChatGPT browser login (agent core §10.5, wire §15.5): a local HTTP server on 127.0.0.1 receives
 * the OAuth callback, checks `state`, exchanges the code (PKCE S256) at the issuer's token endpoint,
 * trades the id_token for an API key when the issuer allows it, and saves auth.json. The login ends
 * on the success page, on cancel, on error, or after ten minutes.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { readAuthFile, writeAuthFile } from "./AuthDotJson.js"
import { idTokenClaims } from "./ResolveAuth.js"

export const DEFAULT_ISSUER = "https://auth.openai.com"
export const DEFAULT_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
export const DEFAULT_LOGIN_PORT = 1455
const LOGIN_TIMEOUT_MS = 10 * 60 * 1000
export const NOT_COMPLETED = "Login server error: Login was not completed"

export interface LoginOptions {
  readonly codexHome: string
  readonly issuer: string
  readonly clientId: string
  /** 0 picks a free port (tests). */
  readonly port: number
}

export interface LoginOutcome {
  readonly success: boolean
  readonly error?: string
}

export interface LoginSession {
  readonly loginId: string
  readonly authUrl: string
  /** Settles once, when the login ends for any reason. */
  readonly done: Promise<LoginOutcome>
  readonly cancel: () => void
}

const base64url = (bytes: Buffer) => bytes.toString("base64url")

interface TokenResponse {
  readonly id_token: string
  readonly access_token: string
  readonly refresh_token: string
}

const postForm = async (url: string, form: Record<string, string>) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString()
  })
  if (!response.ok) throw new Error(`token endpoint returned ${response.status}`)
  return (await response.json()) as Record<string, unknown>
}

const SUCCESS_PAGE = "<!doctype html><html><head><title>Signed in</title></head>" +
  "<body><h1>Signed in to codex-effect</h1><p>You can close this window.</p></body></html>"

/** Starts the callback server; fails if the port is taken. */
export const startLoginServer = (options: LoginOptions): Promise<LoginSession> =>
  new Promise((resolveStart, rejectStart) => {
    const verifier = base64url(randomBytes(64))
    const challenge = base64url(createHash("sha256").update(verifier).digest())
    const state = base64url(randomBytes(32))
    let settle: (outcome: LoginOutcome) => void = () => undefined
    const done = new Promise<LoginOutcome>((resolve) => (settle = resolve))
    let finished = false
    let server: Server | undefined
    let timer: NodeJS.Timeout | undefined
    let redirectUri = ""

    const finish = (outcome: LoginOutcome) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      server?.close()
      server?.closeAllConnections()
      settle(outcome)
    }

    const exchange = async (code: string) => {
      const tokenUrl = `${options.issuer}/oauth/token`
      const tokens = (await postForm(tokenUrl, {
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        client_id: options.clientId,
        code_verifier: verifier
      })) as unknown as TokenResponse
      let apiKey: string | undefined
      try {
        const exchanged = await postForm(tokenUrl, {
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          client_id: options.clientId,
          requested_token: "openai-api-key",
          subject_token: tokens.id_token,
          subject_token_type: "urn:ietf:params:oauth:token-type:id_token"
        })
        if (typeof exchanged.access_token === "string") apiKey = exchanged.access_token
      } catch {
        // Accounts without API access still log in; they just have no key.
      }
      const existing = readAuthFile(options.codexHome)
      const saved = writeAuthFile(options.codexHome, {
        ...(existing._tag === "Present" ? existing.auth : {}),
        ...(apiKey !== undefined ? { OPENAI_API_KEY: apiKey } : {}),
        tokens: {
          id_token: tokens.id_token,
          access_token: tokens.access_token,
          refresh_token: tokens.refresh_token,
          account_id: idTokenClaims(tokens.id_token).accountId ?? null
        },
        last_refresh: new Date().toISOString()
      })
      if (saved._tag === "Failure") throw new Error(saved.failure)
    }

    server = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://localhost")
      if (url.pathname === "/auth/callback") {
        if (url.searchParams.get("state") !== state) {
          response.writeHead(400, { "content-type": "text/plain" }).end("State mismatch")
          return
        }
        const code = url.searchParams.get("code")
        if (code === null || code === "") {
          response.writeHead(400, { "content-type": "text/plain" }).end("Missing authorization code")
          return
        }
        exchange(code).then(
          () => response.writeHead(302, { location: `http://localhost:${port}/success` }).end(),
          (error: unknown) => {
            response.writeHead(500, { "content-type": "text/plain" }).end("Login failed")
            finish({ success: false, error: `Login server error: ${error instanceof Error ? error.message : String(error)}` })
          }
        )
        return
      }
      if (url.pathname === "/success") {
        response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(SUCCESS_PAGE, () => finish({ success: true }))
        return
      }
      response.writeHead(404, { "content-type": "text/plain" }).end("Not found")
    })
    let port = options.port
    server.once("error", (error) => rejectStart(error))
    server.listen(options.port, "127.0.0.1", () => {
      port = (server!.address() as AddressInfo).port
      redirectUri = `http://localhost:${port}/auth/callback`
      const params = new URLSearchParams({
        response_type: "code",
        client_id: options.clientId,
        redirect_uri: redirectUri,
        scope: "openid profile email offline_access",
        code_challenge: challenge,
        code_challenge_method: "S256",
        id_token_add_organizations: "true",
        codex_cli_simplified_flow: "true",
        state
      })
      timer = setTimeout(() => finish({ success: false, error: "Login timed out" }), LOGIN_TIMEOUT_MS)
      timer.unref()
      resolveStart({
        loginId: randomUUID(),
        authUrl: `${options.issuer}/oauth/authorize?${params.toString().replace(/\+/g, "%20")}`,
        done,
        cancel: () => finish({ success: false, error: NOT_COMPLETED })
      })
    })
  })
