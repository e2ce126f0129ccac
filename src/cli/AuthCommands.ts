/**
 * `codex-effect login`, `login --api-key`, `login status` and `logout`: the same AuthManager the server
 * uses, driven from a terminal. These print to stdout; they never run with the protocol on stdout.
 */
import { Console, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { authManagerLayer } from "../services/CodexLayer.js"
import { AuthManager } from "../services/AuthManager.js"
import { Config } from "../services/Config.js"

const readStdin = Effect.promise(async () => {
  let text = ""
  for await (const chunk of process.stdin) text += String(chunk)
  return text.trim()
})

const authLayer = (cliOverrides: ReadonlyArray<string>) =>
  authManagerLayer.pipe(Layer.provideMerge(Config.layer({ cliOverrides })))

const describeMethod = (method: string | undefined) =>
  method === "apikey" ? "Logged in using an API key" : method === "chatgpt" ? "Logged in using ChatGPT" : "Not logged in"

export const makeAuthCommands = <R>(cliOverrides: Effect.Effect<ReadonlyArray<string>, never, R>) => {
  const withAuth = <A, E>(effect: Effect.Effect<A, E, AuthManager | Config>) =>
    Effect.flatMap(cliOverrides, (overrides) => effect.pipe(Effect.provide(authLayer(overrides))))

  const status = Command.make("status", {}, () =>
    withAuth(Effect.gen(function*() {
      const auth = yield* AuthManager
      yield* Console.log(describeMethod(yield* auth.authMethod))
    }))).pipe(Command.withDescription("Show how codex-effect authenticates to the model provider."))

  const login = Command.make("login", {
    apiKey: Flag.String("api-key").pipe(
      Flag.withDescription("Store this API key instead of logging in with ChatGPT; `-` reads it from stdin."),
      Flag.optional
    )
  }, ({ apiKey }) =>
    withAuth(Effect.gen(function*() {
      const auth = yield* AuthManager
      if (Option.isSome(apiKey)) {
        const key = apiKey.value === "-" ? yield* readStdin : apiKey.value
        if (key === "") return yield* Effect.fail(new Error("no API key given"))
        yield* auth.loginApiKey(key)
        return yield* Console.log("Saved the API key.")
      }
      const { loginId, authUrl } = yield* auth.startChatGptLogin
      yield* Console.log(`Open this URL in your browser to log in:\n\n${authUrl}\n\nWaiting for the browser…`)
      const outcome = yield* auth.awaitLogin(loginId)
      if (!outcome.success) return yield* Effect.fail(new Error(outcome.error ?? "login failed"))
      yield* Console.log("Successfully logged in.")
    }))).pipe(
      Command.withDescription("Log in with ChatGPT in a browser, or store an API key with --api-key."),
      Command.withSubcommands([status])
    )

  const logout = Command.make("logout", {}, () =>
    withAuth(Effect.gen(function*() {
      const auth = yield* AuthManager
      const removed = yield* auth.logout
      yield* Console.log(removed ? "Logged out." : "Not logged in: there were no stored credentials to remove.")
    }))).pipe(Command.withDescription("Remove the stored credentials (CODEX_HOME/auth.json)."))

  return { login, logout }
}
