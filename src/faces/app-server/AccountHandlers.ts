/**
 * The app-server's account methods over the shared `AuthManager` (the conversation API's auth methods use the
 * same one), and the notifications its changes cause on this connection: `account/login/completed` after a
 * ChatGPT login, `account/updated` after a login, a logout or a stored API key.
 */
import { Effect, Option, Stream } from "effect"
import { internalError } from "../../rpc/JsonRpc.js"
import { AuthManager } from "../../services/AuthManager.js"
import { Config } from "../../services/Config.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import type { AppServerHandlerMap } from "./AppServerRouter.js"
import * as P from "./Protocol.js"

type AccountHandlerMap = Pick<
  AppServerHandlerMap,
  "account/read" | "account/login/start" | "account/login/cancel" | "account/logout" | "account/rateLimits/read"
>

/** The handlers; the notifications are forwarded for as long as the caller's scope lasts. */
export const makeAccountHandlers = Effect.gen(function*() {
  const auth = yield* AuthManager
  const config = yield* Config
  const sender = yield* OutgoingSender

  const changes = yield* auth.changes
  yield* changes.pipe(
    Stream.runForEach((change) =>
      change._tag === "LoginComplete"
        ? sender.notify(P.AccountLoginCompleted, { loginId: change.loginId, success: change.success, error: change.error ?? null })
        : sender.notify(P.AccountUpdated, { authMode: change.authMethod ?? null })
    ),
    Effect.forkScoped
  )

  const handlers: AccountHandlerMap = {
    "account/read": () =>
      Effect.map(auth.current, (current) => ({
        account: Option.match(current, {
          onNone: () => null,
          onSome: (snapshot) =>
            snapshot.mode === "apikey"
              ? { type: "apiKey" as const }
              : { type: "chatgpt" as const, email: null, planType: "unknown" }
        }),
        requiresOpenaiAuth: config.base.modelProvider.requiresOpenaiAuth
      })),

    "account/login/start": (params) => {
      switch (params.type) {
        case "apiKey":
          return auth.loginApiKey(params.apiKey).pipe(
            Effect.mapError((error) => internalError(`failed to save the API key: ${error.message}`)),
            Effect.as({ type: "apiKey" as const })
          )
        case "chatgpt":
          return auth.startChatGptLogin.pipe(
            Effect.mapError((error) => internalError(error.message)),
            Effect.map(({ authUrl, loginId }) => ({ type: "chatgpt" as const, loginId, authUrl }))
          )
        case "chatgptDeviceCode":
          return auth.startDeviceCodeLogin.pipe(
            Effect.mapError((error) => internalError(error.message)),
            Effect.map((started) => ({ type: "chatgptDeviceCode" as const, ...started }))
          )
      }
    },

    "account/login/cancel": (params) =>
      auth.cancelChatGptLogin(params.loginId).pipe(
        Effect.as({ status: "canceled" as const }),
        Effect.orElseSucceed(() => ({ status: "notFound" as const }))
      ),

    "account/logout": () => auth.logout.pipe(Effect.mapError((error) => internalError(`logout failed: ${error.message}`)), Effect.as({})),

    "account/rateLimits/read": () =>
      Effect.succeed({
        rateLimits: { limitId: null, limitName: null, primary: null, secondary: null, credits: null, planType: null },
        rateLimitsByLimitId: null
      })
  }
  return handlers
})
