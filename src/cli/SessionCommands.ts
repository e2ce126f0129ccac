/**
 * `codex-effect sessions` lists the conversations saved under CODEX_HOME/sessions (id, start, cwd,
 * first prompt), newest first; `sessions prune --older-than 30d` deletes the ones not written to for
 * that long (`--dry-run` only lists them). Any of those ids can be passed to `codex-reply`.
 * `sessions --cluster URL` lists a cluster's conversations from its PostgreSQL database instead.
 */
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import type { SavedSession } from "../persistence/SavedSessions.js"

/** Loaded only when a sessions command runs: the rollout modules are the agent's, which a server's start never needs. */
const loadSaved = Effect.promise(() =>
  Promise.all([import("../persistence/SavedSessions.js"), import("../persistence/RolloutIndex.js"), import("../persistence/Rollout.js")])
)

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }

/** `30d`, `12h`, `2w`, `90m` in milliseconds; throws on anything else. */
const parseAge = (text: string): number => {
  const match = /^(\d+)\s*([mhdw])$/.exec(text.trim())
  if (match === null) throw new Error(`expected an age such as 30d, 12h, 2w or 90m, got "${text}"`)
  return Number(match[1]) * UNIT_MS[match[2]!]!
}

const pad = (n: number) => String(n).padStart(2, "0")

/** `2026-12-01 09:15`, local time, or `?` when the start is unknown. */
const formatDate = (iso: string | undefined) => {
  const date = iso === undefined ? undefined : new Date(iso)
  if (date === undefined || Number.isNaN(date.getTime())) return "?"
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`
}

const PROMPT_CHARS = 80

const formatSession = (session: Pick<SavedSession, "id" | "startedAt" | "cwd" | "firstPrompt">) => {
  const prompt = session.firstPrompt.replace(/\s+/g, " ").trim()
  const clipped = prompt.length > PROMPT_CHARS ? `${prompt.slice(0, PROMPT_CHARS - 1)}…` : prompt
  return [session.id, formatDate(session.startedAt), session.cwd ?? "?", clipped === "" ? "(no prompt yet)" : clipped].join("  ")
}

export const makeSessionCommands = (codexHome: string) => {
  const prune = Command.make("prune", {
    olderThan: Flag.String("older-than").pipe(
      Flag.withDescription("Delete conversations not written to for this long: 30d, 12h, 2w or 90m."),
      Flag.mapTryCatch(parseAge, (error) => (error instanceof Error ? error.message : String(error)))
    ),
    dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Only list what would be deleted."), Flag.withDefault(false))
  }, ({ olderThan, dryRun }) =>
    Effect.gen(function*() {
      const [{ pruneSavedSessions }] = yield* loadSaved
      const pruned = yield* Effect.try(() => pruneSavedSessions(codexHome, Date.now() - olderThan, { dryRun }))
      for (const session of pruned) yield* Console.log(formatSession(session))
      const count = `${pruned.length} conversation${pruned.length === 1 ? "" : "s"}`
      yield* Console.log(dryRun ? `Would delete ${count}.` : `Deleted ${count}.`)
    })).pipe(Command.withDescription("Delete saved conversations not written to for longer than --older-than."))

  const cluster = Flag.String("cluster").pipe(
    Flag.withDescription("List the conversations of the cluster over this PostgreSQL URL instead of CODEX_HOME's."),
    Flag.optional
  )

  return Command.make("sessions", { cluster }, ({ cluster }) =>
    Effect.gen(function*() {
      const [{ listSavedSessions }, { previewOf }, { sessionsDir }] = yield* loadSaved
      if (Option.isSome(cluster)) {
        // Loaded only here: listing saved files never needs the PostgreSQL driver.
        const { listClusterConversations } = yield* Effect.promise(() => import("../cluster/ClusterInspection.js"))
        const stored = yield* listClusterConversations(cluster.value)
        if (stored.length === 0) return yield* Console.log("No conversations in the cluster.")
        for (const row of stored) {
          const firstPrompt = row.head.map(previewOf).find((text) => text !== undefined) ?? ""
          yield* Console.log(formatSession({ id: row.conversationId, startedAt: row.createdAt, cwd: row.cwd, firstPrompt }))
        }
        return
      }
      const sessions = yield* Effect.try(() => listSavedSessions(codexHome))
      if (sessions.length === 0) return yield* Console.log(`No saved conversations in ${sessionsDir(codexHome)}.`)
      for (const session of sessions) yield* Console.log(formatSession(session))
    })).pipe(
      Command.withDescription(
        "List saved conversations, newest first: id, start, cwd, first prompt. Continue one with codex-reply (its id)."
      ),
      Command.withSubcommands([prune])
    )
}
