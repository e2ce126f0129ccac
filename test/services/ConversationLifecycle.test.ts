/**
 * The conversation lifecycle of a single process (`ConversationManager.layer`): what the faces (the MCP
 * tools, the conversation API, exec, the app-server) build on. Conversations run on the scripted model and
 * are saved as rollouts in a temporary CODEX_HOME; each test reopens them through a fresh agent, as a
 * later server process would.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { assert, describe, it } from "vitest"
import type { ResponseItem } from "../../src/model/ResponseItem.js"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import { CodexLayer } from "../../src/services/CodexLayer.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { turnsOf } from "../../src/services/ConversationTurns.js"
import { makeTempDir } from "../support/TempDirs.js"

const home = () => {
  const root = makeTempDir("lifecycle-")
  const codexHome = join(root, "home")
  mkdirSync(codexHome)
  mkdirSync(join(root, "work"))
  return { codexHome, cwd: join(root, "work") }
}

/** A fresh agent (as a new process would have) over `codexHome`, answering each request with the next text. */
const agent = (dirs: { readonly codexHome: string; readonly cwd: string }, answers: ReadonlyArray<string> = []) =>
  CodexLayer({ ...dirs, model: ScriptedModel.layer(answers.map(ScriptedTurn.text)) })

const run = <A, E>(dirs: { readonly codexHome: string; readonly cwd: string }, answers: ReadonlyArray<string>, effect: Effect.Effect<A, E, ConversationManager>) =>
  Effect.runPromise(Effect.scoped(effect.pipe(Effect.provide(agent(dirs, answers)))))

/** Starts a conversation and runs one turn with `prompt`; its id. */
const converse = (prompt: string) =>
  Effect.gen(function*() {
    const manager = yield* ConversationManager
    const { conversation } = yield* manager.newConversation({ approvalPolicy: "never" })
    yield* Effect.scoped(Effect.gen(function*() {
      const events = yield* conversation.subscribe
      yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: prompt }] })
      yield* events.pipe(Stream.takeUntil((event) => event.msg.type === "task_complete"), Stream.runDrain)
    }))
    return conversation.id
  })

const textsOf = (items: ReadonlyArray<ResponseItem>) =>
  items.flatMap((item) => (item.type === "message" ? item.content.flatMap((part) => ("text" in part ? [part.text] : [])) : []))

describe("ConversationManager lifecycle", () => {
  it("lists saved conversations newest first with their first prompt, a page at a time", async () => {
    const dirs = home()
    await run(dirs, ["one", "two", "three"], Effect.gen(function*() {
      yield* converse("first question")
      yield* converse("second question")
      yield* converse("third question")
    }))
    const { first, second } = await run(dirs, [], Effect.gen(function*() {
      const manager = yield* ConversationManager
      const first = yield* manager.list({ pageSize: 2 })
      const second = yield* manager.list({ pageSize: 2, cursor: first.nextCursor })
      return { first, second }
    }))
    assert.deepStrictEqual(
      [...first.items, ...second.items].map((item) => item.preview).sort(),
      ["first question", "second question", "third question"]
    )
    assert.strictEqual(first.items.length, 2)
    assert.isDefined(first.nextCursor)
    assert.isUndefined(second.nextCursor)
  })

  it("reads a saved conversation's items, resumes it by id with its history, and does not resume it twice", async () => {
    const dirs = home()
    const id = await run(dirs, ["the answer"], converse("the question"))
    const result = await run(dirs, ["again"], Effect.gen(function*() {
      const manager = yield* ConversationManager
      const saved = yield* manager.read(id)
      const resumed = yield* manager.resume({ conversationId: id })
      const twice = yield* manager.resume({ conversationId: id })
      const refused = yield* manager.resume({ rolloutPath: saved.rolloutPath! }, { ifOpen: "fail" }).pipe(Effect.flip)
      return { saved, resumed, twice, refused }
    }))
    assert.strictEqual(result.saved.cwd, dirs.cwd)
    assert.deepStrictEqual(
      turnsOf(result.saved.items).map((turn) => [textsOf([turn.input]), textsOf(turn.items)]),
      [[["the question"], ["the answer"]]]
    )
    assert.includeMembers(textsOf(result.saved.items), ["the question", "the answer"])
    assert.strictEqual(result.resumed.conversationId, id)
    assert.includeMembers(textsOf(result.resumed.history), ["the question", "the answer"])
    assert.strictEqual(result.twice.conversation, result.resumed.conversation)
    assert.strictEqual(result.refused._tag, "ConversationAlreadyOpen")
  })

  it("forks a conversation: a new id that continues from a copy of the history", async () => {
    const dirs = home()
    const id = await run(dirs, ["the answer"], converse("the question"))
    const { forkId, items, original } = await run(dirs, [], Effect.gen(function*() {
      const manager = yield* ConversationManager
      const fork = yield* manager.fork(id)
      const items = yield* fork.conversation.history
      const original = yield* manager.read(id)
      return { forkId: fork.conversationId, items, original }
    }))
    assert.notStrictEqual(forkId, id)
    assert.deepStrictEqual(items, original.items)
  })

  it("archives a conversation out of the list and brings it back", async () => {
    const dirs = home()
    const id = await run(dirs, ["answer"], converse("keep me"))
    const states = await run(dirs, [], Effect.gen(function*() {
      const manager = yield* ConversationManager
      yield* manager.archive(id)
      const listed = yield* manager.list()
      const archived = yield* manager.list({ archived: true })
      const restored = yield* manager.unarchive(id)
      const again = yield* manager.list()
      return { listed, archived, restored, again }
    }))
    assert.deepStrictEqual(states.listed.items, [])
    assert.deepStrictEqual(states.archived.items.map((item) => item.conversationId), [id])
    assert.strictEqual(states.restored.preview, "keep me")
    assert.deepStrictEqual(states.again.items.map((item) => item.conversationId), [id])
  })

  it("fails with typed errors: an unknown id is not found, an unreadable rollout says why, a broken config.toml comes first", async () => {
    const dirs = home()
    const unknown = "67e55044-10b1-426f-9247-bb680e5fe0c8"
    const errors = await run(dirs, [], Effect.gen(function*() {
      const manager = yield* ConversationManager
      return [
        yield* Effect.flip(manager.resume({ conversationId: unknown })),
        yield* Effect.flip(manager.read(unknown)),
        yield* Effect.flip(manager.resume({ rolloutPath: dirs.cwd })),
        yield* Effect.flip(manager.archive(unknown)),
        yield* Effect.flip(manager.unarchive(unknown)),
        // config.toml is read again for each conversation: broken now, it is what the caller must fix first.
        yield* Effect.sync(() => writeFileSync(join(dirs.codexHome, "config.toml"), "model = [")).pipe(
          Effect.andThen(Effect.flip(manager.resume({ conversationId: unknown })))
        )
      ].map((error) => error._tag)
    }))
    assert.deepStrictEqual(errors, [
      "ConversationNotFound",
      "ConversationNotFound",
      "SavedConversationUnreadable",
      "ConversationNotFound",
      "ConversationNotFound",
      "ConversationConfigError"
    ])
  })
})
