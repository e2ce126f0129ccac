/**
 * A cluster runner cut off by the network (`mcp --cluster`): three runners, each in a network namespace the
 * test builds, PostgreSQL and the mock model on the test network's hub. One runner is cut off from everything
 * while 30 turns run, then reconnected. The mock model records which runner (by address) asked for each turn,
 * so the test sees whether two runners ever ran one conversation at once.
 */
import { writeFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { MockTurn, mockConfigToml, type RecordedRequest, startMockModelServer } from "../support/MockModelServer.js"
import { type Postgres, postgresBinDir, startPostgres } from "../support/Postgres.js"
import { makeTempDir, SERVER_BIN, ServerProcess } from "../support/ServerProcess.js"
import { createTestNetwork, type TestNetwork, testNetworkUnavailable } from "../support/TestNetwork.js"
import { shardSplit, waitUntil } from "../support/ClusterProbes.js"

const unavailable = postgresBinDir() === undefined ? "PostgreSQL is not installed" : testNetworkUnavailable()
if (unavailable !== undefined) console.warn(`skipping the partition test: ${unavailable}`)

const COUNT = 30
const indices = Array.from({ length: COUNT }, (_, i) => i)

/** The model requests of conversation `i` (its first prompt is in every one of them). */
const turnsOf = (requests: ReadonlyArray<RecordedRequest>, i: number) =>
  requests.filter((request) => JSON.stringify(request.body).includes(`"start ${i}"`))

describe.skipIf(unavailable !== undefined)("a partitioned cluster runner", () => {
  let net: TestNetwork
  let pg: Postgres
  beforeAll(async () => {
    net = createTestNetwork(3)
    pg = await startPostgres({ address: net.hub, network: net.network })
  }, 60_000)
  afterAll(() => {
    pg?.stop()
    net?.remove()
  })

  it("loses no acknowledged message and never runs a conversation on two runners", async () => {
    const url = pg.url.replace("127.0.0.1", net.hub)
    const mock = await startMockModelServer([], net.hub)
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    // Each runner has its own network stack: the same port everywhere.
    const runners = [0, 1, 2].map((i) =>
      new ServerProcess({
        codexHome: home,
        command: net.command(i, process.execPath, [SERVER_BIN, "mcp", "--cluster", url, "--runner-address", `${net.address(i)}:4700`])
      })
    )
    // Clients call through the two runners that stay connected; the third hosts a third of the conversations.
    const fronts = [runners[0]!, runners[1]!]
    const cutOff = net.address(2)
    const call = (i: number, tool: string, args: Record<string, unknown>, via = i % 2) =>
      fronts[via]!.request("tools/call", { name: tool, arguments: args }, 90_000)
    const ok = (answer: any) => answer.result !== undefined && answer.result.isError !== true
    try {
      await Promise.all(runners.map((runner) => runner.initialize()))
      await waitUntil(() => shardSplit(pg.url) === "100,100,100", 60_000, () => `shards per runner: ${shardSplit(pg.url)}`)

      mock.push(...MockTurn.times(COUNT, MockTurn.message("started")))
      const threads = await Promise.all(indices.map(async (i) => {
        const answer = await call(i, "codex", { prompt: `start ${i}`, cwd: workspace })
        assert.strictEqual(answer.result?.structuredContent?.content, "started", JSON.stringify(answer))
        return answer.result.structuredContent.threadId as string
      }))
      const hostedByCutOff = indices.filter((i) => turnsOf(mock.requests, i).some((r) => r.remoteAddress === cutOff))
      assert.isNotEmpty(hostedByCutOff, "the runner to cut off hosts conversations")

      // Every turn is in flight when the runner is cut off; the cut-off runner's turns cannot finish.
      const before = mock.requests.length
      mock.push(...MockTurn.times(COUNT, MockTurn.held(MockTurn.message("during answer"))))
      const during = indices.map((i) => call(i, "codex-reply", { prompt: `during ${i}`, threadId: threads[i] }))
      await mock.waitForRequests(before + COUNT, 30_000)
      const cutAt = Date.now()
      net.cut(2)
      mock.release()
      const duringAnswers = await Promise.all(during)
      console.log(`partition: the turns in flight settled ${Date.now() - cutAt} ms after the cut`)
      for (const i of indices) {
        const answer = duringAnswers[i]!
        if (ok(answer)) continue
        // Only a turn on the cut-off runner may fail, and with a clear error.
        assert.include(hostedByCutOff, i, JSON.stringify(answer))
        assert.match(JSON.stringify(answer), /runner lost|PostgreSQL at /)
      }

      // While it is cut off, the other runners take its conversations over.
      const afterCut = mock.requests.length
      mock.push(...MockTurn.times(2 * COUNT, MockTurn.message("cut answer")))
      const cutAttempts = indices.map(() => 0)
      const cutAnswers = await Promise.all(indices.map(async (i) => {
        for (let attempt = 0;; attempt++) {
          cutAttempts[i] = attempt + 1
          const answer = await call(i, "codex-reply", { prompt: `cut ${i}`, threadId: threads[i] })
          if (ok(answer) || attempt === 2) return answer
          assert.match(JSON.stringify(answer), /runner lost|PostgreSQL at /)
        }
      }))
      for (const answer of cutAnswers) assert.isTrue(ok(answer), JSON.stringify(answer))
      console.log(`partition: every conversation answered ${Date.now() - cutAt} ms after the cut`)
      assert.isFalse(mock.requests.slice(afterCut).some((r) => r.remoteAddress === cutOff), "the cut-off runner reached the model")

      const healedAt = Date.now()
      net.heal(2)
      await waitUntil(() => shardSplit(pg.url) === "100,100,100", 60_000, () => `shards per runner: ${shardSplit(pg.url)}`)
      console.log(`partition: shards even again ${Date.now() - healedAt} ms after the network came back`)

      const beforeLast = mock.requests.length
      mock.push(...MockTurn.times(COUNT, MockTurn.message("last answer")))
      const lasts = await Promise.all(indices.map((i) => call(i, "codex-reply", { prompt: `last ${i}`, threadId: threads[i] }, (i + 1) % 2)))
      for (const answer of lasts) assert.isTrue(ok(answer), JSON.stringify(answer))

      for (const i of indices) {
        // Every acknowledged prompt, in order, once for each time it was sent.
        const body = JSON.stringify(turnsOf(mock.requests.slice(beforeLast), i).at(-1)!.body)
        const acknowledged = [`"start ${i}"`, ...(ok(duringAnswers[i]) ? [`"during ${i}"`] : []), `"cut ${i}"`, `"last ${i}"`]
        const at = acknowledged.map((said) => body.indexOf(said))
        assert.isFalse(at.includes(-1), `conversation ${i} holds every acknowledged prompt: ${at}`)
        assert.deepEqual([...at].sort((a, b) => a - b), at, `conversation ${i} in order`)
        for (const said of acknowledged) {
          const sent = said === `"cut ${i}"` ? cutAttempts[i]! : 1
          assert.isAtMost(body.split(said).length - 1, sent, `conversation ${i} holds ${said} once for each time it was sent: ${body}`)
        }
        // Sent once, so recorded at most once, even when its call ended with "runner lost": the cluster sends
        // a message again to the next runner when the one it went to became unreachable before answering, and
        // the next runner finds its key applied.
        assert.isAtMost(body.split(`"during ${i}"`).length - 1, 1, `conversation ${i} holds "during ${i}" once: ${body}`)
        // The answer of a turn that ended with "runner lost" is never recorded: the cut-off runner, which got
        // it once the network came back, no longer held the conversation.
        const answers = body.split(`"during answer"`).length - 1
        assert.strictEqual(answers, ok(duringAnswers[i]) ? 1 : 0, `conversation ${i}: ${body}`)

        // Never two runners on one conversation: a turn starts only after the model answered every other
        // runner's turn of it, except the cut-off runner's stranded turn, whose answer is never recorded (above).
        const turns = turnsOf(mock.requests, i)
        for (const a of turns) {
          for (const b of turns) {
            if (a === b || a.remoteAddress === b.remoteAddress || a.receivedAt > b.receivedAt) continue
            const stranded = a.remoteAddress === cutOff && a.receivedAt < cutAt
            if (stranded) continue
            assert.isAtMost(a.closedAt ?? Infinity, b.receivedAt, `conversation ${i}: ${a.remoteAddress} and ${b.remoteAddress} at once`)
          }
        }
      }
      const { length } = mock.requests.filter((r) => r.remoteAddress === cutOff && r.receivedAt > cutAt)
      console.log(`partition: ${length} turns on the reconnected runner afterwards`)
    } finally {
      for (const runner of runners) runner.kill()
      await mock.close()
    }
  }, 120_000)
})
