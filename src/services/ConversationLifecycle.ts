/**
 * What every protocol face asks of the conversations, whichever store keeps them: start, resume (a live
 * conversation, a saved one by id or by the file a client names), fork, list, read, archive, unarchive and
 * remove, with the failures each can have. `ConversationManager` implements it once for the conversations of
 * this process (rollouts in CODEX_HOME) and once for a cluster (PostgreSQL); a face maps the failures to its
 * protocol's answers. In the app-server's words a conversation is a thread.
 */
import { type Effect, Schema } from "effect"
import type { Conversation, ConversationUnavailable, SubmissionStamp } from "../agent/conversation/Conversation.js"
import type { TurnContextOverride } from "../agent/conversation/TurnContextOverride.js"
import type { ConversationOverrides, ResolvedConfig } from "../config/ResolvedConfig.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { TokenTotals } from "../persistence/Rollout.js"
import type { ConversationSummary } from "../rpc/ConversationApi.js"
import type { Event } from "../rpc/Event.js"

/** No conversation by that id (or at that path) is live or saved. */
export class ConversationNotFound extends Schema.TaggedError<ConversationNotFound>()("ConversationNotFound", {
  conversationId: Schema.String,
  message: Schema.String
}) {}

/** A saved conversation exists but cannot be read back (a file that is not a regular one, too large...). */
export class SavedConversationUnreadable extends Schema.TaggedError<SavedConversationUnreadable>()(
  "SavedConversationUnreadable",
  { path: Schema.String, reason: Schema.String, message: Schema.String }
) {}

/** Resuming a conversation that is already live where the caller asked for a fresh start of it. */
export class ConversationAlreadyOpen extends Schema.TaggedError<ConversationAlreadyOpen>()("ConversationAlreadyOpen", {
  conversationId: Schema.String,
  message: Schema.String
}) {}

/**
 * The config could not be derived from the overrides (bad profile, bad value, unknown provider…).
 * `source`: whether the server's config (config.toml, `-c`) or the request's overrides are at fault.
 */
export class ConversationConfigError extends Schema.TaggedError<ConversationConfigError>()("ConversationConfigError", {
  message: Schema.String,
  source: Schema.Literals(["config", "request"])
}) {}

export interface StartOptions {
  readonly config: ResolvedConfig
  /** The history to continue from; the context messages of `config` when absent. */
  readonly history?: ReadonlyArray<ResponseItem> | undefined
  readonly conversationId?: string | undefined
  /** An existing rollout to keep appending to (a resumed conversation). */
  readonly rolloutPath?: string | undefined
  /** The token counts it saved so far (a resumed conversation), to count on from. */
  readonly tokenTotals?: TokenTotals | undefined
  /** Keeps the history here instead of in a rollout file (a clustered conversation's store). */
  readonly historySink?: HistorySink | undefined
  /** Settings an earlier `override_turn_context` stored, applied over `config`'s (a clustered conversation's store). */
  readonly turnOverride?: TurnContextOverride | undefined
}

/**
 * Receives every item a conversation records, and the whole history when compaction replaces it. A write
 * that applies a clustered submission carries its `stamp`, to be recorded with it (see `SubmissionStamp`).
 */
export interface HistorySink {
  readonly record: (items: ReadonlyArray<ResponseItem>, stamp?: SubmissionStamp) => Effect.Effect<void, ConversationUnavailable>
  readonly replace: (items: ReadonlyArray<ResponseItem>, stamp?: SubmissionStamp) => Effect.Effect<void, ConversationUnavailable>
  /** Keeps a user message that waits for the running task to take it (see `Conversation`'s `onQueue`). */
  readonly queue?: ((item: ResponseItem, stamp?: SubmissionStamp) => Effect.Effect<void, ConversationUnavailable>) | undefined
  /** Forgets the kept messages an interrupt dropped (see `Conversation`'s `onDropQueued`). */
  readonly dropQueued?: (() => Effect.Effect<void, ConversationUnavailable>) | undefined
  /** Keeps the settings of an `override_turn_context` with what it records (see `Conversation`'s `onOverride`). */
  readonly override?:
    | ((override: TurnContextOverride, items: ReadonlyArray<ResponseItem>, stamp?: SubmissionStamp) => Effect.Effect<void, ConversationUnavailable>)
    | undefined
}

export interface NewConversation {
  readonly conversationId: string
  readonly conversation: Conversation
  /** `session_configured`: the conversation's first event. */
  readonly sessionConfigured: Event
}

/** Which conversation to resume: by id (live, or saved in the store), or the rollout file a client names. */
export type ResumeTarget =
  | { readonly conversationId: string }
  | { readonly rolloutPath: string }

export interface ResumeOptions {
  /** Applied over the config the conversation was saved with (its cwd and model). */
  readonly overrides?: ConversationOverrides | undefined
  /** A live conversation is returned as it is (`"use"`, the default) or refused (`"fail"`: ConversationAlreadyOpen). */
  readonly ifOpen?: "use" | "fail" | undefined
}

export interface ResumedConversation extends NewConversation {
  /** The history it continues from (empty for a conversation that was live). */
  readonly history: ReadonlyArray<ResponseItem>
}

/** A page of saved conversations, newest first; `nextCursor` (opaque) asks for the next page. */
export interface ConversationPage {
  readonly items: ReadonlyArray<ConversationSummary>
  readonly nextCursor?: string
}

/**
 * The most conversations one page holds, whatever a client asks: each is summarised from its saved
 * record, and the answer holds them all; a client pages on with the cursor.
 */
export const MAX_PAGE_SIZE = 100

/** The page size a client asked for, within 1…`MAX_PAGE_SIZE`; unset stays unset (the default). */
export const clampPageSize = (asked: number | null | undefined): number | undefined =>
  asked == null ? undefined : Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(asked)))

export interface ListOptions {
  readonly pageSize?: number | undefined
  readonly cursor?: string | undefined
  /** The archived conversations instead of the others. */
  readonly archived?: boolean | undefined
}

/** A conversation as it was saved (or is now, when live): its settings and every history item. */
export interface SavedConversation {
  readonly conversationId: string
  readonly rolloutPath: string | undefined
  readonly cwd: string
  readonly model: string
  readonly items: ReadonlyArray<ResponseItem>
}

export interface ConversationLifecycle {
  /** Starts a conversation with config.toml plus these overrides; its first event is returned with it. */
  readonly newConversation: (
    overrides: ConversationOverrides
  ) => Effect.Effect<NewConversation, ConversationConfigError | ConversationUnavailable>
  /** Starts a conversation from an already resolved config and a history to continue from. */
  readonly startConversation: (options: StartOptions) => Effect.Effect<NewConversation, ConversationUnavailable>
  /** A live conversation (under `--cluster`: any stored one, reached where it runs). */
  readonly get: (conversationId: string) => Effect.Effect<Conversation, ConversationNotFound | ConversationUnavailable>
  /**
   * The live conversation, else the saved one started again with the config it was saved with (cwd, model)
   * plus `overrides`. Two resumes of one conversation never start it twice. A broken config.toml is
   * reported before "not found", so every call shows what to fix.
   */
  readonly resume: (
    target: ResumeTarget,
    options?: ResumeOptions
  ) => Effect.Effect<
    ResumedConversation,
    | ConversationNotFound
    | SavedConversationUnreadable
    | ConversationAlreadyOpen
    | ConversationConfigError
    | ConversationUnavailable
  >
  /** A new conversation (new id) continuing from a copy of this one's history. */
  readonly fork: (
    conversationId: string,
    overrides?: ConversationOverrides
  ) => Effect.Effect<
    NewConversation,
    ConversationNotFound | SavedConversationUnreadable | ConversationConfigError | ConversationUnavailable
  >
  /** Saved conversations, newest first, a page at a time, each with a preview (its first user message). */
  readonly list: (options?: ListOptions) => Effect.Effect<ConversationPage, ConversationUnavailable>
  /** A conversation's settings and history items, live or saved. */
  readonly read: (
    conversationId: string
  ) => Effect.Effect<SavedConversation, ConversationNotFound | SavedConversationUnreadable | ConversationUnavailable>
  /**
   * Ends the conversation if live and moves it out of the list (`rolloutPath`, when given, must be its
   * saved file: a client naming a file is checked against the conversation it names).
   */
  readonly archive: (
    conversationId: string,
    rolloutPath?: string | undefined
  ) => Effect.Effect<void, ConversationNotFound | ConversationUnavailable>
  /** Brings an archived conversation back into the list. */
  readonly unarchive: (conversationId: string) => Effect.Effect<ConversationSummary, ConversationNotFound | ConversationUnavailable>
  /** Closes the conversation's scope: its task, child processes and pending approvals end. */
  readonly remove: (conversationId: string) => Effect.Effect<void>
}
