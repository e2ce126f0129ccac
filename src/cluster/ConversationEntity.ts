/**
 * A conversation as a cluster entity, keyed by its id: the operations a front needs to drive a
 * conversation hosted on whichever runner owns its shard. Events are numbered per incarnation (one
 * hosting of the conversation on one runner); a reader that names an incarnation which is no longer the
 * live one learns that the runner it was reading from is gone. A conversation that cannot be hosted (no such
 * conversation, its cwd is missing here, its store is unreachable) fails with `ConversationUnavailable`. Events,
 * ops and history items cross the cluster as their own Schemas encode them.
 */
import { Schema } from "effect"
import { Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import { ConversationUnavailable } from "../agent/conversation/Conversation.js"
import { ResponseItem } from "../model/ResponseItem.js"
import { Event } from "../rpc/Event.js"
import { Op } from "../rpc/Op.js"

/** The incarnation a reader named is gone: the runner that hosted it died or gave the conversation up. */
export class RunnerLost extends Schema.TaggedError<RunnerLost>()("RunnerLost", {
  message: Schema.String
}) {}

/** Where a reader stands: the live incarnation and the number of the next event it will publish. */
export const EventCursor = Schema.Struct({ incarnation: Schema.String, next: Schema.Int })
export type EventCursor = typeof EventCursor.Type

/** Hosts the conversation (loading it from the store if needed) and returns its first event and cursor. */
export const Open = Rpc.make("Open", {
  success: Schema.Struct({ sessionConfigured: Event, cursor: EventCursor }),
  error: ConversationUnavailable
})

/**
 * The cursor from which a new reader sees every event published after this call, or with `fromStart` every
 * event this incarnation published (as far as its tail still holds them).
 */
export const Cursor = Rpc.make("Cursor", {
  payload: { fromStart: Schema.optionalKey(Schema.Boolean) },
  success: EventCursor,
  error: ConversationUnavailable
})

/** Every event from `from.next` on, for as long as the reader reads; fails with RunnerLost for a gone incarnation. */
export const Events = Rpc.make("Events", {
  payload: { from: EventCursor },
  success: Event,
  error: Schema.Union([ConversationUnavailable, RunnerLost]),
  stream: true
})

/**
 * Submits an op (under `id` when given) and returns its submission id. `key` is the idempotency key the
 * front chose once for the client's request: the cluster delivers a message again to the conversation's
 * next runner when the runner it went to became unreachable before answering, and an op whose key was
 * already applied (recorded with its write, see `ConversationStore`) is answered with its first id instead.
 */
export const Submit = Rpc.make("Submit", {
  payload: { id: Schema.optionalKey(Schema.String), key: Schema.String, op: Op },
  success: Schema.String,
  error: ConversationUnavailable
})

/** The history as the model sees it. */
export const History = Rpc.make("History", {
  success: Schema.Array(ResponseItem),
  error: ConversationUnavailable
})

/** Whether a task is running now. */
export const IsTaskRunning = Rpc.make("IsTaskRunning", { success: Schema.Boolean, error: ConversationUnavailable })

export const ConversationEntity = Entity.make("Conversation", [Open, Cursor, Events, Submit, History, IsTaskRunning])
