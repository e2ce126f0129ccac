/**
 * A `Submit` the cluster delivers twice is applied once. The cluster sends a message again when the runner
 * it went to became unreachable before answering, to the same runner or to the conversation's next one;
 * here each "runner" is the Conversation entity (`ConversationHosting.layer`) behind effect's test client,
 * with its own conversations and scripted model, all on one real PostgreSQL store. Every delivery of a key
 * gets the submission id of the first, and the stored history holds the message once.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Stream } from "effect"
import { Entity, ShardingConfig } from "effect/cluster"
import { afterAll, beforeAll } from "vitest"
import { ConversationEntity } from "../../src/cluster/ConversationEntity.js"
import * as ConversationHosting from "../../src/cluster/ConversationHosting.js"
import { ConversationStore } from "../../src/cluster/ConversationStore.js"
import type { ResponseItem } from "../../src/model/ResponseItem.js"
import { ScriptedModel, ScriptedTurn } from "../../src/model/ScriptedModel.js"
import type { Op } from "../../src/rpc/Op.js"
import { CodexLayer } from "../../src/services/CodexLayer.js"
import { Config } from "../../src/services/Config.js"
import { initialContextMessages } from "../../src/services/ConversationHost.js"
import { type Postgres, postgresBinDir, startPostgres } from "../support/Postgres.js"
import { makeTempDir } from "../support/TempDirs.js"

const hasPostgres = postgresBinDir() !== undefined
if (!hasPostgres && process.env.CI === "true") {
  throw new Error("PostgreSQL is missing: the cluster tests need it on CI (.ci/run installs the postgresql package)")
}

const say = (text: string): Op => ({ type: "user_input", items: [{ type: "text", text }] })

/** How many times `text` is a user message of `items`. */
const timesSaid = (items: ReadonlyArray<ResponseItem>, text: string) =>
  items.filter((item) =>
    item.type === "message" && item.role === "user" && item.content.some((part) => "text" in part && part.text === text)
  ).length

describe.skipIf(!hasPostgres)("a Submit delivered twice", () => {
  let pg: Postgres
  beforeAll(async () => {
    pg = await startPostgres()
  }, 60_000)
  afterAll(() => pg?.stop())

  const dirs = () => {
    const root = makeTempDir("submit-once-")
    mkdirSync(join(root, "home"))
    mkdirSync(join(root, "work"))
    return { codexHome: join(root, "home"), cwd: join(root, "work") }
  }

  /** One runner: the entity with its own conversations and model (`turns`), on the shared store. */
  const runner = (where: { readonly codexHome: string; readonly cwd: string }, turns: ReadonlyArray<ScriptedTurn>) =>
    Effect.gen(function*() {
      // Built in the test's scope: the runner lives until the test ends.
      const services = yield* Layer.build(Layer.mergeAll(
        ShardingConfig.layer(),
        CodexLayer({ ...where, model: ScriptedModel.layer(turns) }),
        ConversationStore.layerFor(pg.url)
      ).pipe(Layer.provideMerge(PgClient.layer({ url: Redacted.make(pg.url) }))))
      return yield* Entity.makeTestClient(ConversationEntity, ConversationHosting.layer).pipe(Effect.provide(services))
    })

  /** A conversation in the store, as a front creates it. */
  const created = (where: { readonly codexHome: string; readonly cwd: string }, conversationId: string) =>
    Effect.gen(function*() {
      const config = yield* (yield* Config).load({ cwd: where.cwd, approvalPolicy: "never" })
      yield* (yield* ConversationStore).create(conversationId, config, initialContextMessages(config))
    }).pipe(
      Effect.provide(Layer.mergeAll(CodexLayer(where), ConversationStore.layerFor(pg.url)).pipe(
        Layer.provide(PgClient.layer({ url: Redacted.make(pg.url) }))
      ))
    )

  const storedHistory = (conversationId: string) =>
    Effect.gen(function*() {
      const stored = yield* (yield* ConversationStore).load(conversationId)
      return stored?.history ?? []
    }).pipe(
      Effect.provide(ConversationStore.layerFor(pg.url).pipe(Layer.provide(PgClient.layer({ url: Redacted.make(pg.url) }))))
    )

  type Client = Effect.Success<ReturnType<Effect.Success<ReturnType<typeof runner>>>>

  /** Submits `op` under `key` and waits for its event `type`; its submission id. */
  const submitAndWait = (client: Client, key: string, op: Op, type: string) =>
    Effect.gen(function*() {
      const cursor = yield* client.Cursor({})
      const id = yield* client.Submit({ key, op })
      yield* client.Events({ from: cursor }).pipe(
        Stream.takeUntil((event) => event.msg.type === type && event.id === id),
        Stream.runDrain,
        Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(`no ${type} for ${key}`) })
      )
      return id
    })

  it.live("to the same runner, at once and later: applied once, each delivery answered with the first's id", () =>
    Effect.gen(function*() {
      const where = dirs()
      yield* created(where, "same-runner")
      const client = yield* runner(where, [ScriptedTurn.text("one answer")])
      const conversation = yield* client("same-runner")
      const submit = conversation.Submit({ key: "key-1", op: say("only once") })
      const [first, second] = yield* Effect.all([submit, submit], { concurrency: "unbounded" })
      const third = yield* submit
      assert.deepStrictEqual([second, third], [first, first])
      assert.strictEqual(timesSaid(yield* conversation.History(), "only once"), 1)
      assert.strictEqual(timesSaid(yield* storedHistory("same-runner"), "only once"), 1)
      // Another key is another message, though it says the same.
      const other = yield* conversation.Submit({ key: "key-2", op: say("only once") })
      assert.notStrictEqual(other, first)
    }).pipe(Effect.scoped), 60_000)

  it.live("to the next runner after the first applied it: a prompt, a queued message and a rollback apply once", () =>
    Effect.gen(function*() {
      const where = dirs()
      yield* created(where, "failover")
      // The first runner's second turn hangs: the message sent meanwhile waits in the queue.
      const first = yield* (yield* runner(where, [ScriptedTurn.text("answer"), ScriptedTurn.hang()]))("failover")
      const prompt = yield* submitAndWait(first, "prompt", say("the prompt"), "task_complete")
      const second = yield* submitAndWait(first, "second", say("the second prompt"), "task_started")
      const queued = yield* first.Submit({ key: "queued", op: say("sent during the turn") })

      // The first runner is gone (its scope stays open: it merely stopped answering); the cluster delivers
      // the same messages to the next one, which finds them applied.
      const next = yield* (yield* runner(where, []))("failover")
      assert.strictEqual(yield* next.Submit({ key: "prompt", op: say("the prompt") }), prompt)
      assert.strictEqual(yield* next.Submit({ key: "second", op: say("the second prompt") }), second)
      assert.strictEqual(yield* next.Submit({ key: "queued", op: say("sent during the turn") }), queued)
      const history = yield* storedHistory("failover")
      for (const text of ["the prompt", "the second prompt", "sent during the turn"]) {
        assert.strictEqual(timesSaid(history, text), 1, `${text}: ${JSON.stringify(history)}`)
      }
      assert.deepStrictEqual(yield* next.History(), history)

      // A rollback delivered twice drops one turn (the queued message's), not two.
      const rollback = yield* submitAndWait(next, "rollback", { type: "thread_rollback", num_turns: 1 }, "thread_rolled_back")
      const last = yield* (yield* runner(where, []))("failover")
      assert.strictEqual(yield* last.Submit({ key: "rollback", op: { type: "thread_rollback", num_turns: 1 } }), rollback)
      const after = yield* storedHistory("failover")
      assert.deepStrictEqual(
        ["the prompt", "the second prompt", "sent during the turn"].map((text) => timesSaid(after, text)),
        [1, 1, 0],
        JSON.stringify(after)
      )
    }).pipe(Effect.scoped), 60_000)
})
