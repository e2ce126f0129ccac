/**
 * How the conversation API face answers the lifecycle's typed failures: what the request named or asked for
 * is its fault (-32600), a store or runner that cannot be reached and a broken config.toml are the server's
 * (-32603). Driven through the face's handlers over a ConversationManager whose store is down.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { type Conversation, ConversationUnavailable } from "../../src/agent/conversation/Conversation.js"
import { ConversationHandlers } from "../../src/faces/conversation-api/ConversationHandlers.js"
import { ConversationStoreHandlers } from "../../src/faces/conversation-api/ConversationStoreHandlers.js"
import { OutgoingSender } from "../../src/server/OutgoingSender.js"
import { Config } from "../../src/services/Config.js"
import { ConversationConfigError, ConversationNotFound } from "../../src/services/ConversationLifecycle.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"

const storeDown = new ConversationUnavailable({ message: "could not read conversation c1: connection refused" })

/** A conversation whose runner is gone: every submit fails. */
const unreachable = {
  id: "c1",
  config: { cwd: "/", model: "m" },
  submit: () => Effect.fail(storeDown)
} as unknown as Conversation

const manager = (overrides: Partial<ConversationManager["Service"]>) =>
  Layer.succeed(ConversationManager, {
    newConversation: () => Effect.fail(storeDown),
    startConversation: () => Effect.fail(storeDown),
    get: () => Effect.fail(storeDown),
    resume: () => Effect.fail(storeDown),
    fork: () => Effect.fail(storeDown),
    list: () => Effect.fail(storeDown),
    read: () => Effect.fail(storeDown),
    archive: () => Effect.fail(storeDown),
    unarchive: () => Effect.fail(storeDown),
    remove: () => Effect.void,
    ...overrides
  })

const handlers = (overrides: Partial<ConversationManager["Service"]> = {}) =>
  ConversationStoreHandlers.layer.pipe(
    Layer.provideMerge(ConversationHandlers.layer),
    Layer.provide(manager(overrides)),
    // Only gitDiffToRemote reads the config (where bwrap and CODEX_HOME are); no test here gets as far as running git.
    Layer.provide(Layer.succeed(Config, { codexHome: "/nonexistent", base: {} } as unknown as Config["Service"])),
    Layer.provide(OutgoingSender.layerWith(() => Effect.void))
  )

const request = { id: 1, progressToken: undefined }

const codeOf = <A>(effect: Effect.Effect<A, { readonly code: number }>) => Effect.map(Effect.flip(effect), (error) => error.code)

describe("conversation API answers to lifecycle failures", () => {
  it.effect("a store that cannot be reached is the server's error (-32603), never the request's", () =>
    Effect.gen(function*() {
      const live = yield* ConversationHandlers
      const saved = yield* ConversationStoreHandlers
      const items = [{ type: "text" as const, data: { text: "hi" } }]
      assert.deepStrictEqual(
        [
          yield* codeOf(live.newConversation({}, request)),
          yield* codeOf(live.sendUserMessage({ conversationId: "c1", items }, request)),
          yield* codeOf(saved.listConversations({}, request)),
          yield* codeOf(saved.resumeConversation({ path: "/tmp/rollout.jsonl" }, request)),
          yield* codeOf(saved.archiveConversation({ conversationId: "c1", rolloutPath: "/tmp/rollout.jsonl" }, request))
        ],
        [-32603, -32603, -32603, -32603, -32603]
      )
    }).pipe(Effect.provide(handlers())))

  it.effect("gitDiffToRemote of a directory that does not exist is the request's error (-32600)", () =>
    Effect.gen(function*() {
      const saved = yield* ConversationStoreHandlers
      const error = yield* Effect.flip(saved.gitDiffToRemote({ cwd: "/nonexistent/repo" }, request))
      assert.deepStrictEqual({ code: error.code, message: error.message }, {
        code: -32600,
        message: "failed to compute git diff to remote for cwd: \"/nonexistent/repo\""
      })
    }).pipe(Effect.provide(handlers())))

  it.effect("a conversation whose runner is gone fails the message sent to it with -32603", () =>
    Effect.gen(function*() {
      const live = yield* ConversationHandlers
      const error = yield* Effect.flip(live.sendUserMessage({ conversationId: "c1", items: [{ type: "text", data: { text: "hi" } }] }, request))
      assert.deepStrictEqual({ code: error.code, message: error.message }, { code: -32603, message: storeDown.message })
    }).pipe(Effect.provide(handlers({ get: () => Effect.succeed(unreachable) }))))

  it.effect("what the request names or asks for is its own error (-32600); a broken config.toml is the server's", () =>
    Effect.gen(function*() {
      const live = yield* ConversationHandlers
      assert.strictEqual(yield* codeOf(live.sendUserMessage({ conversationId: "nope", items: [] }, request)), -32600)
      assert.strictEqual(yield* codeOf(live.newConversation({ profile: "missing" }, request)), -32600)
      assert.strictEqual(yield* codeOf(live.newConversation({}, request)), -32603)
    }).pipe(Effect.provide(handlers({
      get: (conversationId) => Effect.fail(new ConversationNotFound({ conversationId, message: `conversation not found: ${conversationId}` })),
      newConversation: (overrides) =>
        Effect.fail(new ConversationConfigError({ message: "bad", source: overrides.profile !== undefined ? "request" : "config" }))
    }))))
})
