/**
 * `node bench/cluster.ts [conversations] [runners…]` (after `npm run build`; needs PostgreSQL installed and
 * root, like the cluster tests): what hosting conversations on `mcp --cluster` runners costs. For each
 * runner count (default 0, 1 and 3; 0 is one process without `--cluster`, the baseline) it starts a fresh database and that many runners, drives N conversations
 * at once through the first one (the front) with the conversation API, one turn each against the mock
 * model, and prints the wall time until every turn completed (and the throughput), the p50/p99 turn
 * latency (message sent → task_complete), how the conversations spread over the runners, and each
 * runner's resident memory. With 2 or more runners it then kills the last one (SIGKILL) and
 * times a message to one of its conversations through the front: from the kill to that turn's completion.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MockTurn, mockConfigToml, startMockModelServer } from "../test/support/MockModelServer.ts"
import { freePort, startPostgres } from "../test/support/Postgres.ts"
import { makeTempDir, ServerProcess } from "../test/support/ServerProcess.ts"
import { removeTempDirs } from "../test/support/TempDirs.ts"

const conversations = Number(process.argv[2] ?? 300)
const runnerCounts = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [0, 1, 3]

const rssMiB = (pid: number) => {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return line === null ? 0 : Number(line[1]) / 1024
}

/** Re-checks `ready` every 100 ms until it holds; fails after `timeoutMs`. */
const waitUntil = async (ready: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const pg = await startPostgres()
try {
  for (const runners of runnerCounts) {
    const database = `bench_${runners}_${Date.now()}`
    pg.query(`CREATE DATABASE ${database}`)
    const url = pg.url.replace(/\/postgres$/, `/${database}`)
    const model = await startMockModelServer(Array.from({ length: conversations }, () => MockTurn.message("ok")))
    const codexHome = makeTempDir("codex-bench-cluster-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never" }))
    const processes: Array<ServerProcess> = []
    if (runners === 0) processes.push(new ServerProcess({ codexHome, env: { CODEX_EFFECT_LOG: "info" } }))
    for (let i = 0; i < runners; i++) {
      processes.push(new ServerProcess({
        codexHome,
        args: ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`],
        env: { CODEX_EFFECT_LOG: "info" }
      }))
    }
    const front = processes[0]!
    await front.initialize()
    // Shards move until they are split evenly (each held as an advisory lock); a turn on a moving shard is lost.
    const split = `SELECT string_agg(n::text, ',' ORDER BY n) FROM (SELECT count(*) AS n FROM pg_locks
      WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = '${database}') GROUP BY pid) AS held`
    const even = Array.from({ length: runners }, () => Math.floor(300 / runners)).join(",")
    if (runners > 0) await waitUntil(() => pg.query(split) === even, 60_000, `an even split of the shards (${even})`)
    const started = performance.now()
    const turnMs: Array<number> = []
    await Promise.all(Array.from({ length: conversations }, async () => {
      const { conversationId } = (await front.request("newConversation", { cwd: codexHome }, 120_000)).result
      await front.request("addConversationListener", { conversationId }, 120_000)
      const sent = performance.now()
      await front.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] }, 120_000)
      await front.waitFor(
        (m) => m.method === "codex/event/task_complete" && m.params?.conversationId === conversationId,
        "task_complete",
        240_000
      )
      turnMs.push(performance.now() - sent)
    }))
    const elapsedMs = performance.now() - started
    turnMs.sort((a, b) => a - b)
    const percentile = (p: number) => turnMs[Math.min(turnMs.length - 1, Math.floor((p / 100) * turnMs.length))]!.toFixed(0)
    const hosted = processes.map((p) => new Set(p.stderr.match(/turn started" conversation=[0-9a-f-]+/g) ?? []).size)
    const rss = processes.map((p) => rssMiB(p.child.pid!))
    process.stdout.write(
      `${conversations} conversations on ${runners === 0 ? "one process without --cluster" : `${runners} runner(s)`}: all turns done in ${elapsedMs.toFixed(0)} ms ` +
        `(${((conversations * 1000) / elapsedMs).toFixed(1)} turns/s); turn latency p50 ${percentile(50)} ms, p99 ${percentile(99)} ms; ` +
        `conversations per runner ${hosted.join("/")}; RSS per runner ${rss.map((m) => m.toFixed(0)).join("/")} MiB\n`
    )
    if (runners >= 2) {
      const victim = processes[runners - 1]!
      const conversationId = /turn started" conversation=([0-9a-f-]+)/.exec(victim.stderr)?.[1]
      if (conversationId === undefined) throw new Error("the last runner hosts no conversation")
      model.push(MockTurn.message("after failover"))
      const killed = performance.now()
      victim.child.kill("SIGKILL")
      await front.request("addConversationListener", { conversationId }, 120_000)
      await front.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "again" } }] }, 120_000)
      await front.waitFor(
        (m) =>
          m.method === "codex/event/task_complete" && m.params?.conversationId === conversationId &&
          m.params?.msg?.last_agent_message === "after failover",
        "task_complete after failover",
        120_000
      )
      process.stdout.write(`  SIGKILL of a runner → its conversation's next turn done: ${(performance.now() - killed).toFixed(0)} ms\n`)
      processes.pop()
    }
    for (const p of processes) p.child.stdin.end()
    await Promise.all(processes.map((p) => p.waitForExit(20_000)))
    await model.close()
  }
} finally {
  pg.stop()
  removeTempDirs()
}
