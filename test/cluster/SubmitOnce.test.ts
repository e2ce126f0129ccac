/**
 * A `Submit` the cluster delivers twice is applied once. The cluster sends a message again when the runner
 * it went to became unreachable before answering, to the same runner or to the conversation's next one;
 * here each "runner" is the Conversation entity (`ConversationHosting.layer`) behind effect's test client,
 * with its own conversations and scripted model, all on one real PostgreSQL store. Every delivery of a key
 * gets the submission id of the first, and the stored history holds the message once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { ConversationStore } from "../../src/cluster/ConversationStore.js"
import { ScriptedTurn } from "../../src/model/ScriptedModel.js"
import {
  createdConversation,
  entityRunner,
  type RunnerDirs,
  runnerDirs,
  say,
  timesSaid,
  storeLayer,
  submitAndWait
} from "../support/EntityRunners.js"
import { type Postgres, postgresAvailable, startPostgres } from "../support/Postgres.js"

const hasPostgres = postgresAvailable()

describe.skipIf(!hasPostgres)("a Submit delivered twice", () => {
  let pg: Postgres
  beforeAll(async () => {
    pg = await startPostgres()
  }, 60_000)
  afterAll(() => pg?.stop())

  const dirs = () => runnerDirs("submit-once-")
  const runner = (where: RunnerDirs, turns: ReadonlyArray<ScriptedTurn>) =>
    Effect.map(entityRunner(pg.url, where, turns), ({ client }) => client)
  const created = (where: RunnerDirs, conversationId: string) => createdConversation(pg.url, where, conversationId)
  const storedHistory = (conversationId: string) =>
    Effect.flatMap(ConversationStore, (store) => store.load(conversationId)).pipe(
      Effect.map((stored) => stored?.history ?? []),
      Effect.provide(storeLayer(pg.url))
    )

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
