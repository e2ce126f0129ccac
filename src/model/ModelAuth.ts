/**
 * Where the model client gets its bearer token for a provider that needs OpenAI auth and names no
 * `env_key`: the AuthManager in the server, the environment in a bare embedding.
 */
import { Context, Effect, Layer, Option } from "effect"
import { ProcessEnvironment } from "../services/ProcessEnvironment.js"
import type { ModelError } from "./ModelError.js"

export interface ModelCredentials {
  readonly token: string
  /** Sent as `chatgpt-account-id` in ChatGPT mode. */
  readonly accountId?: string | undefined
  readonly mode: "apikey" | "chatgpt"
}

export class ModelAuth extends Context.Service<ModelAuth, {
  /** The current credentials, refreshed if they are stale. */
  readonly credentials: Effect.Effect<Option.Option<ModelCredentials>, ModelError>
  /** Called after a 401 with the token that was refused; completes once a fresh token may be available. */
  readonly onUnauthorized: (refusedToken: string) => Effect.Effect<void>
}>()("codex-effect/ModelAuth") {
  /** `OPENAI_API_KEY` from the environment, read at each request. */
  static readonly layerFromEnv = Layer.effect(ModelAuth, Effect.gen(function*() {
    const env = yield* ProcessEnvironment
    return ModelAuth.of({
      credentials: Effect.sync(() => {
        const key = env.OPENAI_API_KEY
        return key !== undefined && key !== "" ? Option.some({ token: key, mode: "apikey" as const }) : Option.none()
      }),
      onUnauthorized: () => Effect.void
    })
  }))
}
