/**
 * Where a clustered conversation lives between runners: its resolved config and its history, in
 * PostgreSQL. Whichever runner hosts the conversation reads them when it takes the conversation over and
 * appends to them as the turn records items, so a runner that dies takes nothing acknowledged with it.
 *
 * A write that applies a client's submission carries the submission's idempotency key (`SubmissionStamp`),
 * recorded in the same transaction: the cluster may deliver a submission again to the conversation's next
 * runner, which then finds the key (`submitted`) and answers with the id the first delivery got, and a
 * write whose key is already there is skipped. The last `KEPT_SUBMISSIONS` keys of each conversation are kept.
 */
import { Array as Arr, Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SubmissionStamp } from "../agent/conversation/Conversation.js"
import type { TurnContextOverride } from "../agent/conversation/TurnContextOverride.js"
import type { ResolvedConfig } from "../config/ResolvedConfig.js"
import type { ResponseItem } from "../model/ResponseItem.js"

/** The advisory lock key that serialises creating the tables (an arbitrary constant of this project). */
const SCHEMA_LOCK = 0x636f6465

export class ConversationStoreError extends Schema.TaggedError<ConversationStoreError>()("ConversationStoreError", {
  message: Schema.String
}) {}

/** A stored conversation as a list shows it. */
export interface StoredSummary {
  readonly conversationId: string
  /** ISO 8601. */
  readonly createdAt: string
  /** The working directory it runs in. */
  readonly cwd: string | undefined
  /** The first items of its history, enough to find its first user message. */
  readonly head: ReadonlyArray<ResponseItem>
}

/** Submission keys kept per conversation: far more than the cluster ever re-delivers (it does so within seconds). */
const KEPT_SUBMISSIONS = 1000

/** Items read per conversation to find its preview (the context messages come first). */
const HEAD_ITEMS = 8

export interface StoredConversation {
  readonly config: ResolvedConfig
  readonly history: ReadonlyArray<ResponseItem>
  /** The settings its `override_turn_context` ops set (the later one's fields win), if any. */
  readonly turnOverride: TurnContextOverride | undefined
}

/** An error's message and those of its causes ("Query failed: <what PostgreSQL said>"). */
const messageChain = (error: unknown): string => {
  const parts: Array<string> = []
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    const message = current instanceof Error ? current.message : typeof current === "object" ? undefined : String(current)
    if (message !== undefined && message !== "" && !parts.includes(message)) parts.push(message)
    current = typeof current === "object" && "cause" in current ? current.cause : undefined
  }
  return parts.join(": ")
}

/** Every store error names the database, so an outage reads as one wherever it surfaces. */
const storeErrorIn = (database: string) => (what: string) => (error: unknown) =>
  new ConversationStoreError({ message: `${what} (PostgreSQL at ${database}): ${messageChain(error)}` })

export class ConversationStore extends Context.Service<ConversationStore, {
  /** Records a new conversation with the history it starts from. */
  readonly create: (
    conversationId: string,
    config: ResolvedConfig,
    history: ReadonlyArray<ResponseItem>
  ) => Effect.Effect<void, ConversationStoreError>
  /** The conversation's config and full history; undefined when no such conversation was ever created. */
  readonly load: (conversationId: string) => Effect.Effect<StoredConversation | undefined, ConversationStoreError>
  /**
   * Keeps a user message sent while a task runs, until the task takes it: `append` of that message removes
   * it, and a runner that takes the conversation over moves what is left into the history (`adoptQueued`).
   */
  readonly queue: (conversationId: string, item: ResponseItem, stamp?: SubmissionStamp) => Effect.Effect<void, ConversationStoreError>
  /** Forgets the queued messages: an interrupt dropped them from the running task. */
  readonly dropQueued: (conversationId: string) => Effect.Effect<void, ConversationStoreError>
  /** Appends the queued messages to the history (the runner that queued them is gone); true when there were any. */
  readonly adoptQueued: (conversationId: string) => Effect.Effect<boolean, ConversationStoreError>
  /** Appends items to the history, in order (a queued message among them leaves the queue). */
  readonly append: (
    conversationId: string,
    items: ReadonlyArray<ResponseItem>,
    stamp?: SubmissionStamp
  ) => Effect.Effect<void, ConversationStoreError>
  /** The submission id a write stamped with `key` recorded, or undefined when no write carried that key. */
  readonly submitted: (conversationId: string, key: string) => Effect.Effect<string | undefined, ConversationStoreError>
  /** A page of conversations (archived or not), newest first, after the one named `after`. */
  readonly list: (options: {
    readonly pageSize: number
    readonly after?: string | undefined
    readonly archived: boolean
  }) => Effect.Effect<ReadonlyArray<StoredSummary>, ConversationStoreError>
  /** Marks a conversation archived or not; false when there is no such conversation. */
  readonly setArchived: (conversationId: string, archived: boolean) => Effect.Effect<boolean, ConversationStoreError>
  /**
   * Keeps the fields of an `override_turn_context` over those stored before, and appends what it records,
   * in one transaction.
   */
  readonly override: (
    conversationId: string,
    override: TurnContextOverride,
    items: ReadonlyArray<ResponseItem>,
    stamp?: SubmissionStamp
  ) => Effect.Effect<void, ConversationStoreError>
  /** Replaces the whole history (compaction). */
  readonly replace: (
    conversationId: string,
    items: ReadonlyArray<ResponseItem>,
    stamp?: SubmissionStamp
  ) => Effect.Effect<void, ConversationStoreError>
}>()("codex-effect/ConversationStore") {
  /** The store in the database `database` names (a URL without its password) to its errors. */
  static readonly layerFor = (database: string) => Layer.effect(ConversationStore, Effect.gen(function*() {
    const storeError = storeErrorIn(database)
    const sql = yield* SqlClient.SqlClient
    // Runners starting together would race on CREATE TABLE IF NOT EXISTS (a unique violation in pg_type):
    // one transaction-scoped advisory lock lets one create the tables while the others wait.
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`
      yield* sql`CREATE TABLE IF NOT EXISTS codex_conversations (
        id TEXT PRIMARY KEY,
        config JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`
      yield* sql`CREATE TABLE IF NOT EXISTS codex_history (
        seq BIGSERIAL PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES codex_conversations (id) ON DELETE CASCADE,
        item JSONB NOT NULL
      )`
      yield* sql`CREATE INDEX IF NOT EXISTS codex_history_conversation ON codex_history (conversation_id, seq)`
      yield* sql`ALTER TABLE codex_conversations ADD COLUMN IF NOT EXISTS archived BOOLEAN NOT NULL DEFAULT false`
      yield* sql`CREATE TABLE IF NOT EXISTS codex_queued (
        seq BIGSERIAL PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES codex_conversations (id) ON DELETE CASCADE,
        item JSONB NOT NULL
      )`
      // The primary key is what makes a submission apply once, even if two runners raced on it.
      yield* sql`CREATE TABLE IF NOT EXISTS codex_submissions (
        conversation_id TEXT NOT NULL REFERENCES codex_conversations (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        submission_id TEXT NOT NULL,
        seq BIGSERIAL NOT NULL,
        PRIMARY KEY (conversation_id, key)
      )`
      yield* sql`CREATE INDEX IF NOT EXISTS codex_submissions_age ON codex_submissions (conversation_id, seq)`
      yield* sql`ALTER TABLE codex_conversations ADD COLUMN IF NOT EXISTS turn_override JSONB`
    }))

    /**
     * Runs `write` once per stamp, in one transaction with the stamp's key: false (and nothing written) when
     * the key is already there. Older keys beyond the kept ones go in the same transaction.
     */
    const once = (conversationId: string, stamp: SubmissionStamp | undefined, write: Effect.Effect<void, unknown>) =>
      stamp === undefined ? sql.withTransaction(write) : sql.withTransaction(Effect.gen(function*() {
        const fresh = yield* sql`INSERT INTO codex_submissions (conversation_id, key, submission_id)
          VALUES (${conversationId}, ${stamp.key}, ${stamp.id}) ON CONFLICT DO NOTHING RETURNING key`
        if (fresh.length === 0) return
        yield* write
        yield* sql`DELETE FROM codex_submissions WHERE conversation_id = ${conversationId} AND seq <= (
          SELECT seq FROM codex_submissions WHERE conversation_id = ${conversationId}
          ORDER BY seq DESC OFFSET ${KEPT_SUBMISSIONS} LIMIT 1)`
      }))

    // One statement per batch keeps a batch's items together and in order.
    const insertItems = (conversationId: string, items: ReadonlyArray<ResponseItem>) => {
      const rows = items.map((item): Record<string, unknown> => ({ conversation_id: conversationId, item: JSON.stringify(item) }))
      return Arr.isReadonlyArrayNonEmpty(rows)
        ? sql`INSERT INTO codex_history ${sql.insert(rows)}`.pipe(Effect.asVoid)
        : Effect.void
    }

    return ConversationStore.of({
      create: (conversationId, config, history) =>
        sql.withTransaction(Effect.gen(function*() {
          yield* sql`INSERT INTO codex_conversations (id, config) VALUES (${conversationId}, ${JSON.stringify(config)})
            ON CONFLICT (id) DO UPDATE SET config = EXCLUDED.config, turn_override = NULL`
          yield* sql`DELETE FROM codex_history WHERE conversation_id = ${conversationId}`
          yield* insertItems(conversationId, history)
        })).pipe(Effect.mapError(storeError(`could not store conversation ${conversationId}`))),
      load: (conversationId) =>
        Effect.gen(function*() {
          const rows = yield* sql<{ readonly config: ResolvedConfig; readonly turn_override: TurnContextOverride | null }>`
            SELECT config, turn_override FROM codex_conversations WHERE id = ${conversationId}`
          const row = rows[0]
          if (row === undefined) return undefined
          const items = yield* sql<{ readonly item: ResponseItem }>`
            SELECT item FROM codex_history WHERE conversation_id = ${conversationId} ORDER BY seq`
          return { config: row.config, history: items.map((entry) => entry.item), turnOverride: row.turn_override ?? undefined }
        }).pipe(Effect.mapError(storeError(`could not read conversation ${conversationId}`))),
      list: ({ pageSize, after, archived }) =>
        Effect.gen(function*() {
          const rows = yield* sql<{ readonly id: string; readonly created_at: Date; readonly cwd: string | null }>`
            SELECT id, created_at, config->>'cwd' AS cwd FROM codex_conversations WHERE archived = ${archived}
            ${
            after === undefined
              ? sql``
              : sql`AND (created_at, id) < (SELECT created_at, id FROM codex_conversations WHERE id = ${after})`
          }
            ORDER BY created_at DESC, id DESC LIMIT ${pageSize}`
          return yield* Effect.forEach(rows, (row) =>
            Effect.map(
              sql<{ readonly item: ResponseItem }>`
                SELECT item FROM codex_history WHERE conversation_id = ${row.id} ORDER BY seq LIMIT ${HEAD_ITEMS}`,
              (items) => ({
                conversationId: row.id,
                createdAt: new Date(row.created_at).toISOString(),
                cwd: row.cwd ?? undefined,
                head: items.map((entry) => entry.item)
              })
            ))
        }).pipe(Effect.mapError(storeError("could not list conversations"))),
      setArchived: (conversationId, archived) =>
        sql<{ readonly id: string }>`UPDATE codex_conversations SET archived = ${archived} WHERE id = ${conversationId} RETURNING id`
          .pipe(
            Effect.map((rows) => rows.length > 0),
            Effect.mapError(storeError(`could not ${archived ? "archive" : "unarchive"} conversation ${conversationId}`))
          ),
      append: (conversationId, items, stamp) =>
        once(
          conversationId,
          stamp,
          Effect.gen(function*() {
            yield* insertItems(conversationId, items)
            for (const item of items) {
              if (item.type !== "message" || item.role !== "user") continue
              yield* sql`DELETE FROM codex_queued WHERE seq = (SELECT min(seq) FROM codex_queued
                WHERE conversation_id = ${conversationId} AND item = ${JSON.stringify(item)}::jsonb)`
            }
          })
        ).pipe(Effect.mapError(storeError(`could not append to conversation ${conversationId}`))),
      submitted: (conversationId, key) =>
        sql<{ readonly submission_id: string }>`
          SELECT submission_id FROM codex_submissions WHERE conversation_id = ${conversationId} AND key = ${key}`.pipe(
          Effect.map((rows) => rows[0]?.submission_id),
          Effect.mapError(storeError(`could not look up a submission to conversation ${conversationId}`))
        ),
      queue: (conversationId, item, stamp) =>
        once(
          conversationId,
          stamp,
          sql`INSERT INTO codex_queued (conversation_id, item) VALUES (${conversationId}, ${JSON.stringify(item)})`.pipe(Effect.asVoid)
        ).pipe(Effect.mapError(storeError(`could not queue a message for conversation ${conversationId}`))),
      dropQueued: (conversationId) =>
        sql`DELETE FROM codex_queued WHERE conversation_id = ${conversationId}`.pipe(
          Effect.asVoid,
          Effect.mapError(storeError(`could not drop the queued messages of ${conversationId}`))
        ),
      adoptQueued: (conversationId) =>
        sql.withTransaction(Effect.gen(function*() {
          const moved = yield* sql<{ readonly seq: string }>`
            WITH taken AS (DELETE FROM codex_queued WHERE conversation_id = ${conversationId} RETURNING seq, item)
            INSERT INTO codex_history (conversation_id, item) SELECT ${conversationId}, item FROM taken ORDER BY seq RETURNING seq`
          return moved.length > 0
        })).pipe(Effect.mapError(storeError(`could not move the queued messages of ${conversationId} into its history`))),
      override: (conversationId, override, items, stamp) =>
        once(
          conversationId,
          stamp,
          Effect.gen(function*() {
            yield* sql`UPDATE codex_conversations SET turn_override = coalesce(turn_override, '{}'::jsonb) || ${
              JSON.stringify(override)
            }::jsonb WHERE id = ${conversationId}`
            yield* insertItems(conversationId, items)
          })
        ).pipe(Effect.mapError(storeError(`could not store the settings of conversation ${conversationId}`))),
      replace: (conversationId, items, stamp) =>
        once(
          conversationId,
          stamp,
          Effect.gen(function*() {
            yield* sql`DELETE FROM codex_history WHERE conversation_id = ${conversationId}`
            yield* insertItems(conversationId, items)
          })
        ).pipe(Effect.mapError(storeError(`could not replace the history of ${conversationId}`)))
    })
  }))
}
