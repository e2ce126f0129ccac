/**
 * `codex-effect cluster status --cluster URL`: the runners registered in a cluster, read from its
 * PostgreSQL database: where each is reached, whether it is healthy, its last heartbeat, how many shards it
 * holds and how many conversations live on them.
 */
import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"

const clusterUrl = Flag.String("cluster").pipe(Flag.withDescription("The cluster's PostgreSQL URL (as given to `mcp --cluster`)."))

const status = Command.make("status", { cluster: clusterUrl }, ({ cluster }) =>
  Effect.gen(function*() {
    // Loaded only here: no other command needs the PostgreSQL driver.
    const { clusterStatus } = yield* Effect.promise(() => import("../cluster/ClusterInspection.js"))
    const { runners, unownedConversations } = yield* clusterStatus(cluster)
    if (runners.length === 0) yield* Console.log("No runners registered.")
    for (const runner of runners) {
      yield* Console.log(
        [
          runner.address,
          runner.healthy ? "healthy" : "unhealthy",
          `heartbeat ${runner.lastHeartbeat}`,
          `shards ${runner.shards}`,
          `conversations ${runner.conversations}`
        ].join("  ")
      )
    }
    if (unownedConversations > 0) yield* Console.log(`${unownedConversations} conversations on shards no runner holds`)
  })).pipe(Command.withDescription("Show the cluster's runners: address, health, last heartbeat, shards held, conversations."))

export const clusterCommand = Command.make("cluster").pipe(
  Command.withDescription("Inspect a cluster of runners (see docs/scale.md)."),
  Command.withSubcommands([status])
)
