/**
 * Every shard move a runner makes, in its log: the shards it takes, the ones it lets go and the ones it
 * finds taken from it. It wraps the runner storage, which is where effect's sharding takes and drops its
 * shard locks, so nothing is logged that did not happen in the database.
 */
import { Effect, Layer } from "effect"
import { RunnerStorage } from "effect/cluster"

/** `default:1-3,7` for shards 1, 2, 3 and 7 of group default. */
const describe = (shards: ReadonlyArray<{ readonly group: string; readonly id: number }>): string => {
  const byGroup = new Map<string, Array<number>>()
  for (const shard of shards) byGroup.set(shard.group, [...(byGroup.get(shard.group) ?? []), shard.id])
  return [...byGroup].map(([group, ids]) => {
    const sorted = ids.sort((a, b) => a - b)
    const ranges: Array<string> = []
    for (let i = 0; i < sorted.length; i++) {
      const start = sorted[i]!
      while (i + 1 < sorted.length && sorted[i + 1] === sorted[i]! + 1) i++
      ranges.push(start === sorted[i] ? `${start}` : `${start}-${sorted[i]}`)
    }
    return `${group}:${ranges.join(",")}`
  }).join(" ")
}

/** `RunnerStorage` as given, with each shard move logged at info level. */
export const logShardMoves = <E, R>(storage: Layer.Layer<RunnerStorage.RunnerStorage, E, R>) =>
  Layer.effect(RunnerStorage.RunnerStorage)(Effect.gen(function*() {
    const inner = yield* RunnerStorage.RunnerStorage
    return RunnerStorage.RunnerStorage.of({
      ...inner,
      acquire: (address, shardIds) =>
        Effect.tap(inner.acquire(address, shardIds), (acquired) =>
          acquired.length === 0
            ? Effect.void
            : Effect.logInfo(`took ${acquired.length} shards: ${describe(acquired)}`)),
      refresh: (address, shardIds) =>
        Effect.tap(inner.refresh(address, shardIds), (kept) => {
          const held = new Set(kept.map(String))
          const lost = Array.from(shardIds).filter((shard) => !held.has(String(shard)))
          if (lost.length === 0) return Effect.void
          return Effect.logWarning(`lost ${lost.length} shards to another runner: ${describe(lost)}`)
        }),
      release: (address, shardId) =>
        Effect.tap(inner.release(address, shardId), () => Effect.logInfo(`released shard ${describe([shardId])}`)),
      releaseAll: (address) => Effect.tap(inner.releaseAll(address), () => Effect.logInfo("released all shards"))
    })
  })).pipe(Layer.provide(storage))
