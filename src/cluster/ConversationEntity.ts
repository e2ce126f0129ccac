/**
 * A conversation as a cluster entity, keyed by its id: the operations a front needs to drive a
 * conversation hosted on whichever runner owns its shard. Events are numbered per incarnation (one
 * hosting of the conversation on one runner); a reader that names an incarnation which is no longer the
 * live one learns that the runner it was reading from is gone.
 */
import { Schema } from "effect"
import { Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { Event } from "../rpc/Event.js"
import type { Op } from "../rpc/Op.js"

/** Events, ops and history items were validated where they entered the system; they cross the cluster as JSON. */
const EventJson = Schema.Unknown as unknown as Schema.Codec<Event, unknown>
const OpJson = Schema.Unknown as unknown as Schema.Codec<Op, unknown>
const ItemJson = Schema.Unknown as unknown as Schema.Codec<ResponseItem, unknown>

/** The conversation cannot be hosted here (no such conversation, its cwd is missing, its store is unreachable). */
export class ConversationUnavailable extends Schema.TaggedError<ConversationUnavailable>()("ConversationUnavailable", {
  message: Schema.String
}) {}

/** The incarnation a reader named is gone: the runner that hosted it died or gave the conversation up. */
export class RunnerLost extends Schema.TaggedError<RunnerLost>()("RunnerLost", {
  message: Schema.String
}) {}

/** Where a reader stands: the live incarnation and the number of the next event it will publish. */
export const EventCursor = Schema.Struct({ incarnation: Schema.String, next: Schema.Int })
export type EventCursor = typeof EventCursor.Type

/** Hosts the conversation (loading it from the store if needed) and returns its first event and cursor. */
export const Open = Rpc.make("Open", {
  success: Schema.Struct({ sessionConfigured: EventJson, cursor: EventCursor }),
  error: ConversationUnavailable
})

/** The cursor from which a new reader sees every event published after this call. */
export const Cursor = Rpc.make("Cursor", { success: EventCursor, error: ConversationUnavailable })

/** Every event from `from.next` on, for as long as the reader reads; fails with RunnerLost for a gone incarnation. */
export const Events = Rpc.make("Events", {
  payload: { from: EventCursor },
  success: EventJson,
  error: Schema.Union([ConversationUnavailable, RunnerLost]),
  stream: true
})

/** Submits an op (under `id` when given) and returns its submission id. */
export const Submit = Rpc.make("Submit", {
  payload: { id: Schema.optionalKey(Schema.String), op: OpJson },
  success: Schema.String,
  error: ConversationUnavailable
})

/** The history as the model sees it. */
export const History = Rpc.make("History", {
  success: Schema.Array(ItemJson),
  error: ConversationUnavailable
})

/** Whether a task is running now. */
export const IsTaskRunning = Rpc.make("IsTaskRunning", { success: Schema.Boolean, error: ConversationUnavailable })

export const ConversationEntity = Entity.make("Conversation", [Open, Cursor, Events, Submit, History, IsTaskRunning])
