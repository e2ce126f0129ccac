/**
 * `CodexLayer({ env, cwd })` governs the whole agent: the provider key named by `env_key` comes from
 * `env` (not the process), commands see `env`'s variables, and a relative conversation cwd resolves
 * against `cwd`. Driven against the real model client and a mock provider over HTTP.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option, Stream } from "effect"
import { afterEach, assert, describe, it } from "vitest"
import { CodexLayer } from "../../src/services/CodexLayer.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { type MockModelServer, MockTurn, startMockModelServer } from "../support/MockModelServer.js"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

const setup = async (turns: ReadonlyArray<MockTurn>) => {
  const model: MockModelServer = await startMockModelServer(turns)
  const root = mkdtempSync(join(tmpdir(), "codex-layer-env-"))
  cleanups.push(() => model.close(), () => rmSync(root, { recursive: true, force: true }))
  const codexHome = join(root, "home")
  mkdirSync(codexHome)
  mkdirSync(join(root, "work", "sub"), { recursive: true })
  writeFileSync(join(codexHome, "config.toml"), [
    `model = "mock-model"`,
    `model_provider = "mock"`,
    `[model_providers.mock]`,
    `name = "mock"`,
    `base_url = "${model.url}"`,
    `env_key = "EMBEDDED_PROVIDER_KEY"`,
    `wire_api = "responses"`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`
  ].join("\n"))
  return { model, root, codexHome }
}

/** One turn of a new conversation; the last event's message. */
const runTurn = (overrides: { readonly cwd: string }) =>
  Effect.gen(function*() {
    const manager = yield* ConversationManager
    const { conversation } = yield* manager.newConversation({ ...overrides, approvalPolicy: "never", sandboxMode: "danger-full-access" })
    return yield* Effect.scoped(Effect.gen(function*() {
      const events = yield* conversation.subscribe
      yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "go" }] })
      const last = yield* events.pipe(
        Stream.takeUntil((event) => event.msg.type === "task_complete" || event.msg.type === "error"),
        Stream.runLast
      )
      return Option.getOrUndefined(last)?.msg
    }))
  })

describe("CodexLayer({ env, cwd })", () => {
  it("sends the env_key from the given env, runs commands with it, and resolves a relative cwd against cwd", async () => {
    const { model, root, codexHome } = await setup([
      MockTurn.shell(["sh", "-c", "printf '%s|%s' \"$EMBEDDED_MARKER\" \"$PWD\""]),
      MockTurn.message("done")
    ])
    const env = { PATH: process.env.PATH, EMBEDDED_PROVIDER_KEY: "key-from-the-embedding-program", EMBEDDED_MARKER: "from-env" }
    const msg = await Effect.runPromise(
      runTurn({ cwd: "sub" }).pipe(Effect.provide(CodexLayer({ codexHome, cwd: join(root, "work"), env })))
    )
    assert.strictEqual(msg?.type, "task_complete", JSON.stringify(msg))
    assert.strictEqual(model.requests[0]!.headers.authorization, "Bearer key-from-the-embedding-program")
    const output = JSON.stringify(model.requests[1]!.body.input)
    assert.include(output, `from-env|${join(root, "work", "sub")}`)
  })
})
