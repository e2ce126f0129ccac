/**
 * Acknowledged means recorded, for the ops that change what survives a runner: `override_turn_context`,
 * `thread_rollback` and `compact` answer their `Submit` only once their write is in PostgreSQL, and a write
 * the store refuses fails the `Submit` with `ConversationUnavailable` instead of an acknowledgement; what an
 * interrupt drops is dropped from the store too. Each
 * "runner" is the Conversation entity (`ConversationHosting.layer`) behind effect's test client, with its own
 * scripted model, on one real PostgreSQL store; the store refuses a conversation's writes through triggers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import { ConversationStore } from "../../src/cluster/ConversationStore.js"
import { ScriptedTurn } from "../../src/model/ScriptedModel.js"
import type { Op } from "../../src/rpc/Op.js"
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

/** Refuses every write to the history, the queue and the row of a conversation named in `test_refused`. */
const REFUSING_TRIGGERS = [
  `CREATE TABLE test_refused (conversation_id TEXT PRIMARY KEY)`,
  `CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE row jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
    DECLARE target text := coalesce(row->>'conversation_id', row->>'id');
    BEGIN
      IF EXISTS (SELECT 1 FROM test_refused WHERE conversation_id = target) THEN
        RAISE EXCEPTION 'writes to % refused', target;
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$`,
  `CREATE TRIGGER refuse_history BEFORE INSERT OR DELETE ON codex_history FOR EACH ROW EXECUTE FUNCTION test_refuse()`,
  `CREATE TRIGGER refuse_queued BEFORE INSERT ON codex_queued FOR EACH ROW EXECUTE FUNCTION test_refuse()`,
  `CREATE TRIGGER refuse_conversation BEFORE UPDATE ON codex_conversations FOR EACH ROW EXECUTE FUNCTION test_refuse()`
]

describe.skipIf(!hasPostgres)("an op that changes what survives a runner", () => {
  let pg: Postgres
  beforeAll(async () => {
    pg = await startPostgres()
  }, 60_000)
  afterAll(() => pg?.stop())

  const dirs = () => runnerDirs("acknowledged-ops-")
  const runner = (where: RunnerDirs, turns: ReadonlyArray<ScriptedTurn>) => entityRunner(pg.url, where, turns)

  let triggers = false
  /** A conversation in the store, as a front creates it; `refused`: every later write to it fails. */
  const created = (where: RunnerDirs, conversationId: string) =>
    createdConversation(pg.url, where, conversationId).pipe(Effect.tap(() =>
      Effect.sync(() => {
        if (triggers) return
        for (const statement of REFUSING_TRIGGERS) pg.query(statement)
        triggers = true
      })
    ))

  const refuse = (conversationId: string) => Effect.sync(() => pg.query(`INSERT INTO test_refused VALUES ('${conversationId}')`))
  const allow = (conversationId: string) =>
    Effect.sync(() => pg.query(`DELETE FROM test_refused WHERE conversation_id = '${conversationId}'`))

  const stored = (conversationId: string) =>
    Effect.flatMap(ConversationStore, (store) => store.load(conversationId)).pipe(Effect.provide(storeLayer(pg.url)))

  const override: Op = { type: "override_turn_context", model: "override-model", approval_policy: "on-request" }

  it.live("an override the store refuses fails its Submit with ConversationUnavailable and changes no setting", () =>
    Effect.gen(function*() {
      const where = dirs()
      const config = yield* created(where, "refused-override")
      const { client, model } = yield* runner(where, [ScriptedTurn.text("answer")])
      const conversation = yield* client("refused-override")
      yield* conversation.Open()
      yield* refuse("refused-override")
      const error = yield* Effect.flip(conversation.Submit({ key: "override", op: override }))
      assert.strictEqual(error._tag, "ConversationUnavailable")
      assert.include(error.message, "writes to refused-override refused")
      assert.strictEqual(timesSaid(yield* conversation.History(), "on-request"), 0)

      yield* allow("refused-override")
      yield* submitAndWait(conversation, "prompt", say("after the refusal"), "task_complete")
      assert.deepStrictEqual((yield* model.prompts).map((prompt) => prompt.model), [config.model])
    }).pipe(Effect.scoped), 60_000)

  it.live("a rollback the store refuses fails its Submit with ConversationUnavailable and keeps the turn", () =>
    Effect.gen(function*() {
      const where = dirs()
      yield* created(where, "refused-rollback")
      const conversation = yield* (yield* runner(where, [ScriptedTurn.text("answer")])).client("refused-rollback")
      yield* submitAndWait(conversation, "prompt", say("the kept prompt"), "task_complete")
      yield* refuse("refused-rollback")
      const error = yield* Effect.flip(conversation.Submit({ key: "rollback", op: { type: "thread_rollback", num_turns: 1 } }))
      assert.strictEqual(error._tag, "ConversationUnavailable")
      assert.strictEqual(timesSaid(yield* conversation.History(), "the kept prompt"), 1)
    }).pipe(Effect.scoped), 60_000)

  it.live("a compact sent during a turn that the store refuses to queue fails its Submit with ConversationUnavailable", () =>
    Effect.gen(function*() {
      const where = dirs()
      yield* created(where, "refused-compact")
      const conversation = yield* (yield* runner(where, [ScriptedTurn.hang()])).client("refused-compact")
      yield* submitAndWait(conversation, "prompt", say("a long turn"), "task_started")
      yield* refuse("refused-compact")
      const error = yield* Effect.flip(conversation.Submit({ key: "compact", op: { type: "compact" } }))
      assert.strictEqual(error._tag, "ConversationUnavailable")
    }).pipe(Effect.scoped), 60_000)

  it.live("input queued during a turn and dropped by its interrupt is not delivered by the next runner", () =>
    Effect.gen(function*() {
      const where = dirs()
      yield* created(where, "dropped")
      const conversation = yield* (yield* runner(where, [ScriptedTurn.hang()])).client("dropped")
      yield* submitAndWait(conversation, "prompt", say("a long turn"), "task_started")
      yield* conversation.Submit({ key: "queued", op: say("sent during the turn") })
      const cursor = yield* conversation.Cursor({})
      yield* conversation.Submit({ key: "interrupt", op: { type: "interrupt" } })
      // The event names the aborted task, not the interrupt.
      yield* conversation.Events({ from: cursor }).pipe(
        Stream.takeUntil((event) => event.msg.type === "turn_aborted"),
        Stream.runDrain,
        Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die("no turn_aborted") })
      )

      const next = yield* runner(where, [ScriptedTurn.text("next answer")])
      yield* submitAndWait(yield* next.client("dropped"), "next", say("on the next runner"), "task_complete")
      const [prompt] = yield* next.model.prompts
      assert.strictEqual(timesSaid(prompt?.input ?? [], "on the next runner"), 1)
      assert.strictEqual(timesSaid(prompt?.input ?? [], "sent during the turn"), 0)
    }).pipe(Effect.scoped), 60_000)

  it.live("an acknowledged override and rollback survive their runner: the next one runs with them", () =>
    Effect.gen(function*() {
      const where = dirs()
      yield* created(where, "survives")
      const first = (yield* runner(where, [ScriptedTurn.text("first answer")])).client
      const conversation = yield* first("survives")
      yield* submitAndWait(conversation, "prompt", say("the rolled back prompt"), "task_complete")
      yield* conversation.Submit({ key: "rollback", op: { type: "thread_rollback", num_turns: 1 } })
      yield* conversation.Submit({ key: "override", op: override })

      // The first runner stops answering (its scope stays open); the next one loads the conversation.
      const next = yield* runner(where, [ScriptedTurn.text("next answer")])
      yield* submitAndWait(yield* next.client("survives"), "next", say("on the next runner"), "task_complete")
      const [prompt] = yield* next.model.prompts
      assert.strictEqual(prompt?.model, "override-model")
      assert.strictEqual(timesSaid(prompt?.input ?? [], "the rolled back prompt"), 0)
      assert.strictEqual(timesSaid(prompt?.input ?? [], "on-request"), 1)
      assert.deepStrictEqual((yield* stored("survives"))?.turnOverride, { ...override })
    }).pipe(Effect.scoped), 60_000)
})
