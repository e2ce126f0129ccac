/**
 * The conversation store on a real PostgreSQL: a conversation's config and history round-trip as JSON, items
 * append in order, compaction replaces the history, conversations do not see each other's items, an
 * unknown id is undefined, a write stamped with a known submission key is skipped, and conversations list
 * newest first and archive out of the list. Runs where
 * PostgreSQL is installed; on CI its absence fails the file.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll } from "vitest"
import { ConversationStore } from "../../src/cluster/ConversationStore.js"
import type { ResolvedConfig } from "../../src/config/ResolvedConfig.js"
import type { ResponseItem } from "../../src/model/ResponseItem.js"
import { type Postgres, postgresAvailable, startPostgres } from "../support/Postgres.js"

const hasPostgres = postgresAvailable()

const message = (role: "user" | "assistant", text: string): ResponseItem => ({
  type: "message",
  role,
  content: [{ type: role === "user" ? "input_text" : "output_text", text }]
})

const config = { cwd: "/srv/repo", model: "mock-model", notify: undefined } as unknown as ResolvedConfig

describe.skipIf(!hasPostgres)("ConversationStore", () => {
  let pg: Postgres
  beforeAll(async () => {
    pg = await startPostgres()
  }, 60_000)
  afterAll(() => pg?.stop())

  const store = () => ConversationStore.layerFor(pg.url).pipe(Layer.provide(PgClient.layer({ url: Redacted.make(pg.url) })))

  it.effect("round-trips config and history, appends in order, replaces on compaction", () =>
    Effect.gen(function*() {
      const conversations = yield* ConversationStore
      yield* conversations.create("a", config, [message("user", "context")])
      yield* conversations.create("b", config, [])
      yield* conversations.append("a", [message("user", "first"), message("assistant", "answer")])
      yield* conversations.append("b", [message("user", "other")])
      yield* conversations.append("a", [message("user", "second")])

      const a = yield* conversations.load("a")
      assert.deepStrictEqual(a?.config, { cwd: "/srv/repo", model: "mock-model" } as unknown as ResolvedConfig)
      assert.deepStrictEqual(a?.history, [
        message("user", "context"),
        message("user", "first"),
        message("assistant", "answer"),
        message("user", "second")
      ])

      yield* conversations.replace("a", [message("user", "summary")])
      assert.deepStrictEqual((yield* conversations.load("a"))?.history, [message("user", "summary")])
      assert.deepStrictEqual((yield* conversations.load("b"))?.history, [message("user", "other")])
      assert.isUndefined(yield* conversations.load("missing"))
    }).pipe(Effect.provide(store())), 60_000)

  it.effect("applies a write stamped with a submission key once, remembers the key's id, and keeps the last 1000 keys", () =>
    Effect.gen(function*() {
      const conversations = yield* ConversationStore
      yield* conversations.create("s", config, [])
      const stamp = { key: "k1", id: "7" }
      yield* conversations.append("s", [message("user", "once")], stamp)
      yield* conversations.append("s", [message("user", "once")], stamp)
      yield* conversations.queue("s", message("user", "queued once"), { key: "k2", id: "8" })
      yield* conversations.queue("s", message("user", "queued once"), { key: "k2", id: "8" })
      yield* conversations.replace("s", [message("user", "replaced")], { key: "k1", id: "7" })
      assert.strictEqual(yield* conversations.submitted("s", "k1"), "7")
      assert.strictEqual(yield* conversations.submitted("s", "k2"), "8")
      assert.isUndefined(yield* conversations.submitted("s", "k3"))
      assert.isUndefined(yield* conversations.submitted("other", "k1"))
      assert.isTrue(yield* conversations.adoptQueued("s"))
      assert.deepStrictEqual((yield* conversations.load("s"))?.history, [message("user", "once"), message("user", "queued once")])

      for (let i = 0; i < 1000; i++) yield* conversations.append("s", [], { key: `later ${i}`, id: String(i) })
      assert.isUndefined(yield* conversations.submitted("s", "k1"), "the oldest key is pruned")
      assert.strictEqual(yield* conversations.submitted("s", "later 0"), "0")
      assert.strictEqual(yield* conversations.submitted("s", "later 999"), "999")
    }).pipe(Effect.provide(store())), 60_000)

  it.effect("lists conversations newest first a page at a time, with their first items, and archives them out of the list", () =>
    Effect.gen(function*() {
      const conversations = yield* ConversationStore
      for (const id of ["l1", "l2", "l3"]) yield* conversations.create(id, config, [message("user", `prompt of ${id}`)])
      const ids = (rows: ReadonlyArray<{ readonly conversationId: string }>) =>
        rows.map((row) => row.conversationId).filter((id) => id.startsWith("l"))
      const all = yield* conversations.list({ pageSize: 100, archived: false })
      assert.deepStrictEqual(ids(all), ["l3", "l2", "l1"])
      assert.deepStrictEqual(all.find((row) => row.conversationId === "l2")?.head, [message("user", "prompt of l2")])
      const after = yield* conversations.list({ pageSize: 1, after: "l3", archived: false })
      assert.deepStrictEqual(ids(after), ["l2"])

      assert.isTrue(yield* conversations.setArchived("l2", true))
      assert.isFalse(yield* conversations.setArchived("missing", true))
      assert.deepStrictEqual(ids(yield* conversations.list({ pageSize: 100, archived: false })), ["l3", "l1"])
      assert.deepStrictEqual(ids(yield* conversations.list({ pageSize: 100, archived: true })), ["l2"])
      assert.isTrue(yield* conversations.setArchived("l2", false))
      assert.deepStrictEqual(ids(yield* conversations.list({ pageSize: 100, archived: false })), ["l3", "l2", "l1"])
    }).pipe(Effect.provide(store())), 60_000)
})
