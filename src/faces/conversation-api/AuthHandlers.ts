/**
 * The auth methods of the JSON-RPC API over the shared AuthManager,
 * and the notifications it causes: `loginChatGptComplete` then `authStatusChange` after a login,
 * `authStatusChange` after logout or a stored API key.
 */
import { Context, Effect, Layer, Option, Stream } from "effect"
import { internalError, invalidRequest } from "../../rpc/JsonRpc.js"
import { AuthStatusChange, LoginChatGptComplete } from "../../rpc/Notifications.js"
import { AuthManager } from "../../services/AuthManager.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import type { AuthHandlerMap } from "../../server/Handlers.js"

export class AuthHandlers extends Context.Service<AuthHandlers, AuthHandlerMap>()("codex-effect/AuthHandlers") {
  static readonly layer = Layer.effect(AuthHandlers, Effect.gen(function*() {
    const auth = yield* AuthManager
    const sender = yield* OutgoingSender

    const changes = yield* auth.changes
    yield* changes.pipe(
      Stream.runForEach((change) =>
        change._tag === "LoginComplete"
          ? sender.notify(LoginChatGptComplete, {
            loginId: change.loginId,
            success: change.success,
            ...(change.error !== undefined ? { error: change.error } : {})
          })
          : sender.notify(AuthStatusChange, change.authMethod !== undefined ? { authMethod: change.authMethod } : {})
      ),
      Effect.forkScoped
    )

    return AuthHandlers.of({
      getAuthStatus: (params) =>
        Effect.gen(function*() {
          if (params.refreshToken === true) {
            yield* auth.refresh.pipe(Effect.catch((error) => Effect.logDebug(`token refresh failed: ${error.message}`)))
          }
          const token = yield* auth.token.pipe(Effect.orElseSucceed(() => Option.none()))
          const current = Option.isSome(token) && token.value.token.length > 0 ? token.value : undefined
          return {
            preferredAuthMethod: auth.preferredAuthMethod,
            ...(current !== undefined ? { authMethod: current.mode } : {}),
            ...(current !== undefined && params.includeToken === true ? { authToken: current.token } : {})
          }
        }),
      loginChatGpt: () =>
        auth.startChatGptLogin.pipe(Effect.mapError((error) => internalError(error.message))),
      cancelLoginChatGpt: (params) =>
        auth.cancelChatGptLogin(params.loginId).pipe(
          Effect.mapError(() => invalidRequest(`login id not found: ${params.loginId}`)),
          Effect.as({})
        ),
      logoutChatGpt: () => auth.logout.pipe(Effect.mapError((error) => internalError(`logout failed: ${error.message}`)), Effect.as({})),
      loginApiKey: (params) =>
        auth.loginApiKey(params.apiKey).pipe(
          Effect.mapError((error) => internalError(`failed to save the API key: ${error.message}`)),
          Effect.as({})
        )
    })
  }))
}
