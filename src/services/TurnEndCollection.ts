/**
 * How much dead data a server's old generation may hold. V8 collects its old generation only once it has
 * grown ~8 MiB past what was live after the last collection, and the pages filled on the way stay
 * resident: over a long conversation the server's memory climbs by that slack whatever the history
 * holds. Each turn leaves some tens of KiB there (request, stream and fiber objects that outlive a young
 * collection), so the server bounds the slack itself: when a turn ends with no other turn running and the
 * old generation holds more than 2 MiB above what it held after the last collection, it collects it (12–19 ms
 * for a 13 MiB heap, every ~25 turns of a long conversation; see docs/performance.md). A big heap is left to
 * V8 (`MAX_LIVE_BYTES`), and so are turns that overlap.
 *
 * Only a server turns this on (`main`): `exec` runs one turn and exits, and a program embedding the
 * library keeps its own collector's schedule (the default does nothing).
 */
import { Context, Duration, Effect } from "effect"
import { identity } from "effect/Function"
import * as v8 from "node:v8"

export interface TurnEndCollectionShape {
  /** Runs a turn; when it ends and no other turn of the process is running, the check runs shortly after. */
  readonly around: <A, E, R>(turn: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export const TurnEndCollection = Context.Reference<TurnEndCollectionShape>("codex-effect/TurnEndCollection", {
  defaultValue: () => ({ around: identity })
})

/** What the check reads and does: V8's own in a server, fakes in tests. */
export interface OldGeneration {
  /** Bytes of objects (live or not yet collected) in the old generation. */
  readonly used: () => number
  readonly collect: () => void
}

/** What one check did: nothing, or a collection from `before` to `after` bytes. */
export type Check = { readonly collected: false } | { readonly collected: true; readonly before: number; readonly after: number }

/**
 * A forced collection stops the server while it marks everything live (~0.8 ms a MiB here), where V8's own
 * marks concurrently. Past this much live data the check leaves the old generation to V8: its 8 MiB step is
 * then small beside the live data, and each forced collection would pause the server for tens of ms.
 */
export const MAX_LIVE_BYTES = 32 * 1024 * 1024

/**
 * The check, pure of scheduling: collects once the old generation holds more than `slackBytes` above the
 * lowest it was seen at since the last collection (V8's own collections lower that mark too), unless that
 * mark is past `MAX_LIVE_BYTES`.
 */
export const makeSlackCheck = (generation: OldGeneration, slackBytes: number) => {
  let floor = Number.POSITIVE_INFINITY
  return (): Check => {
    const before = generation.used()
    floor = Math.min(floor, before)
    if (floor > MAX_LIVE_BYTES || before - floor <= slackBytes) return { collected: false }
    generation.collect()
    const after = generation.used()
    floor = after
    return { collected: true, before, after }
  }
}

/** The server's bound: 2 MiB of slack (V8's own is 8). */
export const SERVER_SLACK_BYTES = 2 * 1024 * 1024

const oldSpaceUsed = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === "old_space")?.space_used_size ?? 0

/**
 * V8's full collection, as `--expose-gc` exposes it to contexts made after the flag is set (the launcher
 * sets it for servers); undefined when it is not exposed.
 */
const fullCollection = (): (() => void) | undefined => {
  // Loaded here, not at start: only a long conversation gets this far.
  const vm = process.getBuiltinModule("node:vm")
  const gc: unknown = vm.runInNewContext("typeof gc === \"function\" ? gc : undefined")
  return typeof gc === "function" ? () => void gc({ type: "major", execution: "sync" }) : undefined
}

/** The check runs this long after the last running turn ends: its answer is written first. */
const CHECK_DELAY = Duration.millis(1)

/** The server's `TurnEndCollection`: V8's old generation held to `slackBytes` of dead data between turns. */
export const collectingBetweenTurns = (slackBytes = SERVER_SLACK_BYTES): TurnEndCollectionShape => {
  // Looked up at the first collection (a context costs memory); null when the collection is not exposed.
  let gc: (() => void) | null | undefined
  const check = makeSlackCheck({
    used: oldSpaceUsed,
    collect: () => (gc ??= fullCollection() ?? null)?.()
  }, slackBytes)
  // Turns running now. The check waits until none is: while turns overlap (a busy server), V8's own
  // collections, which mark concurrently, keep the old generation, and no forced pause lands mid-turn.
  let running = 0
  const run = Effect.sync(check).pipe(
    Effect.flatMap((done) =>
      done.collected && gc !== null
        ? Effect.logDebug("old generation collected between turns").pipe(Effect.annotateLogs({
          before_kib: Math.round(done.before / 1024),
          after_kib: Math.round(done.after / 1024)
        }))
        : Effect.void
    ),
    Effect.delay(CHECK_DELAY)
  )
  const ended = Effect.suspend(() => --running === 0 ? Effect.asVoid(Effect.forkDetach(run)) : Effect.void)
  return {
    around: (turn) => Effect.acquireUseRelease(Effect.sync(() => void running++), () => turn, () => ended)
  }
}
