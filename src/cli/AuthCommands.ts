/**
 * `codex-effect login`, `login --api-key`, `login status` and `logout`: the same AuthManager the server
 * uses, driven from a terminal. These print to stdout; they never run with the protocol on stdout.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"
import { Console, Data, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { ProcessEnvironment } from "../services/ProcessEnvironment.js"
import type { AuthManager } from "../services/AuthManager.js"
import { Config } from "../services/Config.js"
import { loginStatus } from "./LoginStatus.js"

/** `login status` found no credential for the active provider, or `forced_login_method` refused a login: exit 1. */
class LoginError extends Data.TaggedError("LoginError")<{ readonly message: string }> {
  readonly exitCode = 1
}

const readStdin = Effect.promise(async () => {
  let text = ""
  for await (const chunk of process.stdin) text += String(chunk)
  return text.trim()
})

/** Loaded only when an auth command runs: the server's start never needs the AuthManager's code before its first answer. */
const loadAuth = Effect.promise(() => Promise.all([import("../services/AuthManager.js"), import("../services/CodexLayer.js")]))

export const makeAuthCommands = <R>(cliOverrides: Effect.Effect<ReadonlyArray<string>, never, R>) => {
  const withAuth = <A, E, R2>(use: (auth: AuthManager["Service"]) => Effect.Effect<A, E, R2>) =>
    Effect.gen(function*() {
      const overrides = yield* cliOverrides
      const [{ AuthManager }, { authManagerLayer }] = yield* loadAuth
      return yield* Effect.gen(function*() {
        return yield* use(yield* AuthManager)
      }).pipe(Effect.provide(authManagerLayer.pipe(Layer.provideMerge(Config.layer({ cliOverrides: overrides })))))
    })

  const status = Command.make("status", {}, () =>
    withAuth((auth) => Effect.gen(function*() {
      const { base } = yield* Config
      const status = loginStatus({
        providerId: base.modelProviderId,
        provider: base.modelProvider,
        authMethod: yield* auth.authMethod,
        authFileExists: existsSync(join(base.codexHome, "auth.json")),
        env: yield* ProcessEnvironment
      })
      yield* Console.log(status.lines.join("\n"))
      if (!status.loggedIn) return yield* new LoginError({ message: "not logged in" })
    }))).pipe(
      Command.withDescription("Show the active model provider and where its credential comes from; exits 1 without one.")
    )

  const login = Command.make("login", {
    apiKey: Flag.String("api-key").pipe(
      Flag.withDescription("Store this API key instead of logging in with ChatGPT; `-` reads it from stdin."),
      Flag.optional
    ),
    deviceAuth: Flag.Boolean("device-auth").pipe(
      Flag.withDescription("Log in with ChatGPT on another device: prints a URL and a one-time code to enter there (for machines without a browser)."),
      Flag.withDefault(false)
    )
  }, ({ apiKey, deviceAuth }) =>
    withAuth((auth) => Effect.gen(function*() {
      const forced = (yield* Config).base.forcedLoginMethod
      if (forced === "chatgpt" && Option.isSome(apiKey)) {
        return yield* new LoginError({ message: "forced_login_method = \"chatgpt\": log in with ChatGPT (`codex-effect login`), not an API key" })
      }
      if (Option.isSome(apiKey) && deviceAuth) return yield* new LoginError({ message: "--api-key and --device-auth exclude each other" })
      if (forced === "api" && Option.isNone(apiKey)) {
        return yield* new LoginError({ message: "forced_login_method = \"api\": log in with an API key (`codex-effect login --api-key`)" })
      }
      if (Option.isSome(apiKey)) {
        const key = apiKey.value === "-" ? yield* readStdin : apiKey.value
        if (key === "") return yield* Effect.fail(new Error("no API key given"))
        yield* auth.loginApiKey(key)
        return yield* Console.log("Saved the API key.")
      }
      const loginId = deviceAuth
        ? yield* auth.startDeviceCodeLogin.pipe(Effect.tap(({ userCode, verificationUrl }) =>
          Console.log(
            `To log in with ChatGPT:\n\n1. Open ${verificationUrl} in a browser on any device and sign in\n` +
              `2. Enter this one-time code (it expires in 15 minutes): ${userCode}\n\n` +
              `Device codes are a common phishing target: never share this one.\nWaiting for the code to be entered…`
          )
        ), Effect.map(({ loginId }) => loginId))
        : yield* auth.startChatGptLogin.pipe(Effect.tap(({ authUrl }) =>
          Console.log(`Open this URL in your browser to log in:\n\n${authUrl}\n\nWaiting for the browser…`)
        ), Effect.map(({ loginId }) => loginId))
      const outcome = yield* auth.awaitLogin(loginId)
      if (!outcome.success) return yield* Effect.fail(new Error(outcome.error ?? "login failed"))
      yield* Console.log("Successfully logged in.")
    }))).pipe(
      Command.withDescription("Log in with ChatGPT in a browser (or with a one-time code: --device-auth), or store an API key with --api-key."),
      Command.withSubcommands([status])
    )

  const logout = Command.make("logout", {}, () =>
    withAuth((auth) => Effect.gen(function*() {
      const removed = yield* auth.logout
      yield* Console.log(removed ? "Logged out." : "Not logged in: there were no stored credentials to remove.")
    }))).pipe(Command.withDescription("Remove the stored credentials (CODEX_HOME/auth.json)."))

  return { login, logout }
}
