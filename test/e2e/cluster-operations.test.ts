/**
 * Operating a cluster (`mcp --cluster`): what an operator sees (`sessions --cluster`, `cluster status`,
 * `listConversations` on every front, shard moves in each runner's log) and what a rolling restart
 * (SIGTERM on each runner in turn) does to the calls in flight.
 */
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { freePort, type Postgres, postgresAvailable, startPostgres } from "../support/Postgres.js"
import { makeTempDir, SERVER_BIN, ServerProcess } from "../support/ServerProcess.js"
import { shardSplit, waitUntil } from "../support/ClusterProbes.js"

const hasPostgres = postgresAvailable()

const TOKEN = "cluster-operations-token-0123456789"

/** A runner that is also an HTTP front, and an SDK client connected to that front. */
interface HttpRunner {
  readonly process: ServerProcess
  readonly client: Client
}

const startHttpRunner = async (home: string, url: string, runnerPort: number): Promise<HttpRunner> => {
  const process = new ServerProcess({
    codexHome: home,
    env: { FRONT_TOKEN: TOKEN },
    args: ["mcp", "--http", "127.0.0.1:0", "--auth-token-env", "FRONT_TOKEN", "--cluster", url, "--runner-address", `127.0.0.1:${runnerPort}`]
  })
  const line = await process.waitForStderr(/serving MCP at (http:\/\/\S+?)"/, 30_000)
  const front = /http:\/\/\S+?(?=")/.exec(line)![0]
  const client = new Client({ name: "rolling restart", version: "0.0.0" })
  await client.connect(new StreamableHTTPClientTransport(new URL(front), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }))
  return { process, client }
}

const text = (result: any): string => result.structuredContent?.content ?? JSON.stringify(result)

const cli = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [SERVER_BIN, ...args], { encoding: "utf8", timeout: 30_000 })

describe.skipIf(!hasPostgres)("operating a cluster", () => {
  let pg: Postgres
  beforeAll(async () => {
    pg = await startPostgres()
  }, 60_000)
  afterAll(() => pg?.stop())

  const database = (name: string) => {
    pg.query(`CREATE DATABASE ${name}`)
    return pg.url.replace(/\/postgres$/, `/${name}`)
  }

  it("lists clustered conversations on every front, in `sessions --cluster`, and runners in `cluster status`", async () => {
    const url = database("operable")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const ports = [await freePort(), await freePort()]
    const fronts = ports.map((port) =>
      new ServerProcess({ codexHome: home, args: ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${port}`] })
    )
    try {
      await Promise.all(fronts.map((front) => front.initialize()))
      await waitUntil(() => shardSplit(url) === "150,150", 30_000, () => `shards per runner: ${shardSplit(url)}`)

      const COUNT = 6
      mock.push(...MockTurn.times(COUNT, MockTurn.message("answered")))
      const ids: Array<string> = []
      for (let i = 0; i < COUNT; i++) {
        const answer = await fronts[i % 2]!.request("tools/call", {
          name: "codex",
          arguments: { prompt: `prompt number ${i}`, cwd: workspace }
        }, 30_000)
        assert.strictEqual(answer.result?.structuredContent?.content, "answered", JSON.stringify(answer))
        ids.push(answer.result.structuredContent.threadId)
      }

      for (const front of fronts) {
        const listed = await front.request("listConversations", { pageSize: 50 })
        const found = (listed.result.items as Array<{ conversationId: string; preview: string }>)
        assert.sameMembers(found.map((item) => item.conversationId), ids, JSON.stringify(listed))
        assert.include(found.map((item) => item.preview), "prompt number 3")
      }

      const sessions = cli(["sessions", "--cluster", url])
      assert.strictEqual(sessions.status, 0, sessions.stderr)
      const lines = sessions.stdout.trim().split("\n")
      assert.strictEqual(lines.length, COUNT, sessions.stdout)
      for (let i = 0; i < COUNT; i++) {
        const line = lines.find((text) => text.startsWith(ids[i]!))
        assert.isDefined(line, `${ids[i]} listed: ${sessions.stdout}`)
        assert.include(line, workspace)
        assert.include(line, `prompt number ${i}`)
      }

      const status = cli(["cluster", "status", "--cluster", url])
      assert.strictEqual(status.status, 0, status.stderr)
      const rows = status.stdout.trim().split("\n")
      assert.strictEqual(rows.length, 2, status.stdout)
      let conversations = 0
      for (const port of ports) {
        const row = rows.find((text) => text.startsWith(`127.0.0.1:${port} `))
        assert.isDefined(row, `runner ${port} in ${status.stdout}`)
        assert.match(row!, /healthy .* shards 150 /)
        conversations += Number(/conversations (\d+)/.exec(row!)![1])
      }
      assert.strictEqual(conversations, COUNT, status.stdout)

      // Each runner logged the shards it took.
      for (const front of fronts) assert.match(front.stderr, /took \d+ shards: default:/)

      const unreachable = cli(["cluster", "status", "--cluster", `postgres://codex:hunter2@127.0.0.1:${await freePort()}/codex`])
      assert.strictEqual(unreachable.status, 1)
      assert.include(unreachable.stderr, "cannot read the cluster at postgres://codex@127.0.0.1:")
      assert.notInclude(unreachable.stderr, "hunter2")
    } finally {
      for (const front of fronts) front.child.kill("SIGKILL")
      await mock.close()
    }
  }, 120_000)

  it("a rolling restart (SIGTERM each runner in turn, then restart it) answers every call in flight", async () => {
    const url = database("rolling")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const ports = [await freePort(), await freePort(), await freePort()]
    const runners: Array<HttpRunner> = []
    try {
      for (const port of ports) runners.push(await startHttpRunner(home, url, port))
      await waitUntil(() => shardSplit(url) === "100,100,100", 60_000, () => `shards per runner: ${shardSplit(url)}`)

      const COUNT = 30
      const indices = Array.from({ length: COUNT }, (_, i) => i)
      mock.push(...MockTurn.times(COUNT, MockTurn.message("started")))
      const threads = await Promise.all(indices.map(async (i) => {
        const result: any = await runners[i % 3]!.client.callTool({ name: "codex", arguments: { prompt: `start ${i}`, cwd: workspace } }, undefined, {
          timeout: 30_000
        })
        assert.strictEqual(text(result), "started", `conversation ${i}: ${JSON.stringify(result)}`)
        return result.structuredContent.threadId as string
      }))

      for (let round = 0; round < 3; round++) {
        const before = mock.requests.length
        mock.push(...MockTurn.times(COUNT, MockTurn.held(MockTurn.message(`round ${round} answer`))))
        const calls = indices.map((i) =>
          runners[i % 3]!.client.callTool({
            name: "codex-reply",
            arguments: { prompt: `round ${round} of ${i}`, threadId: threads[i] }
          }, undefined, { timeout: 60_000 }) as Promise<any>
        )
        // Every turn is in flight, on whichever runner hosts it, when the runner goes down.
        await mock.waitForRequests(before + COUNT, 30_000)
        const stopping = runners[round]!
        const started = Date.now()
        stopping.process.child.kill("SIGTERM")
        await stopping.process.waitForStderr(/draining: new requests are refused, \d+ calls to answer/, 30_000)
        // A draining front takes no new call; the ones it has are answered.
        const refused = await stopping.client.callTool({ name: "codex", arguments: { prompt: "too late", cwd: workspace } }).then(
          (result) => JSON.stringify(result),
          (error) => String(error)
        )
        assert.match(refused, /shutting down/)
        mock.release()
        const results = await Promise.all(calls)
        for (const i of indices) assert.strictEqual(text(results[i]), `round ${round} answer`, `round ${round}, conversation ${i}`)
        const { code } = await stopping.process.waitForExit(60_000)
        assert.strictEqual(code, 0, stopping.process.stderr.slice(-3000))
        console.log(`round ${round}: runner drained and exited ${Date.now() - started} ms after SIGTERM`)
        await stopping.client.close().catch(() => undefined)
        runners[round] = await startHttpRunner(home, url, ports[round]!)
        const rejoined = Date.now()
        await waitUntil(() => shardSplit(url) === "100,100,100", 60_000, () => `shards per runner: ${shardSplit(url)}`)
        console.log(`round ${round}: shards even again ${Date.now() - rejoined} ms after the restarted runner listened`)
      }

      // Every acknowledged prompt is in its conversation's history, in order.
      mock.push(...MockTurn.times(COUNT, MockTurn.message("last")))
      const lasts = await Promise.all(indices.map((i) =>
        runners[(i + 1) % 3]!.client.callTool({ name: "codex-reply", arguments: { prompt: `last of ${i}`, threadId: threads[i] } }, undefined, {
          timeout: 60_000
        }) as Promise<any>
      ))
      for (const i of indices) {
        assert.strictEqual(text(lasts[i]), "last")
        const body = mock.requests.map((request) => JSON.stringify(request.body)).find((b) => b.includes(`last of ${i}"`))!
        const said = [`start ${i}"`, `round 0 of ${i}"`, `round 1 of ${i}"`, `round 2 of ${i}"`, `last of ${i}"`].map((t) => body.indexOf(t))
        assert.isFalse(said.includes(-1), `conversation ${i} holds every prompt: ${said}`)
        assert.deepEqual([...said].sort((a, b) => a - b), said, `conversation ${i} in order`)
      }
    } finally {
      for (const runner of runners) {
        await runner.client.close().catch(() => undefined)
        runner.process.kill()
      }
      await mock.close()
    }
  }, 180_000)

  it("keeps messages sent during a turn, in order, when the runner hosting it dies, and never after a later prompt", async () => {
    const url = database("queued")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const clusterArgs = async () => ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`]
    const front = new ServerProcess({ codexHome: home, args: await clusterArgs() })
    const runner = new ServerProcess({ codexHome: home, args: await clusterArgs() })
    const items = (value: string) => [{ type: "text", data: { text: value } }]
    const taskComplete = (conversationId: string, after: number) =>
      front.waitFor(
        (m) => m.method === "codex/event/task_complete" && m.params.conversationId === conversationId && front.messages.indexOf(m) >= after,
        `task_complete of ${conversationId}`,
        60_000
      )
    const lastBody = () => JSON.stringify(mock.requests.at(-1)!.body)
    try {
      await front.initialize()
      await waitUntil(() => shardSplit(url) === "150,150", 30_000, () => `shards per runner: ${shardSplit(url)}`)

      // A conversation the second runner hosts (its log names the conversations whose turns it runs).
      let conversationId: string | undefined
      for (let k = 0; conversationId === undefined; k++) {
        assert.isBelow(k, 30, "one of 30 new conversations lands on the second runner")
        const created = (await front.request("newConversation", { cwd: workspace }, 30_000)).result
        assert.isString(created?.conversationId, JSON.stringify(created))
        await front.request("addConversationListener", { conversationId: created.conversationId })
        mock.push(MockTurn.message("first answer"))
        const mark = front.messages.length
        assert.deepEqual((await front.request("sendUserMessage", { conversationId: created.conversationId, items: items(`probe ${k}`) }, 30_000)).result, {})
        await taskComplete(created.conversationId, mark)
        if (runner.stderr.includes(`conversation=${created.conversationId}`)) conversationId = created.conversationId
      }

      mock.push(MockTurn.held(MockTurn.message("never seen")))
      const requests = mock.requests.length
      await front.request("sendUserMessage", { conversationId, items: items("a long task") }, 30_000)
      await mock.waitForRequests(requests + 1, 30_000)
      // Acknowledged while the turn runs: each must reach the model later, in this order.
      for (const said of ["during one", "during two", "during three"]) {
        assert.deepEqual((await front.request("sendUserMessage", { conversationId, items: items(said) }, 30_000)).result, {})
      }
      const mark = front.messages.length
      runner.child.kill("SIGKILL")
      await front.waitFor(
        (m) => m.method === "codex/event/error" && m.params.conversationId === conversationId && front.messages.indexOf(m) >= mark,
        "the lost turn's error",
        60_000
      )
      mock.release()

      // A listener ends with its runner ("runner lost"); the client listens again.
      await front.request("addConversationListener", { conversationId }, 30_000)
      mock.push(MockTurn.message("after the failover"))
      const resumed = front.messages.length
      await front.request("sendUserMessage", { conversationId, items: items("after the failover") }, 60_000)
      await taskComplete(conversationId!, resumed)
      const body = lastBody()
      const order = ["a long task", "during one", "during two", "during three", "after the failover"].map((said) => body.indexOf(`"${said}"`))
      assert.isFalse(order.includes(-1), `every acknowledged message reached the model: ${order}`)
      assert.deepEqual([...order].sort((a, b) => a - b), order, "in the order they were sent")

      // Without a failure: a message sent during a turn that ends without a tool call comes before the next prompt.
      mock.push(MockTurn.held(MockTurn.message("held answer")), MockTurn.message("next answer"))
      const before = mock.requests.length
      let done = front.messages.length
      await front.request("sendUserMessage", { conversationId, items: items("another task") }, 30_000)
      await mock.waitForRequests(before + 1, 30_000)
      await front.request("sendUserMessage", { conversationId, items: items("said during it") }, 30_000)
      mock.release()
      await taskComplete(conversationId!, done)
      done = front.messages.length
      await front.request("sendUserMessage", { conversationId, items: items("the next prompt") }, 30_000)
      await taskComplete(conversationId!, done)
      const next = lastBody()
      assert.isBelow(next.indexOf(`"said during it"`), next.indexOf(`"the next prompt"`), next)
      assert.isAbove(next.indexOf(`"said during it"`), next.indexOf(`"held answer"`), next)
    } finally {
      runner.kill()
      front.kill()
      await mock.close()
    }
  }, 120_000)

  it("fails a call whose history write PostgreSQL refuses, and names the database when it is down", async () => {
    // Its own PostgreSQL: this one is stopped.
    const own = await startPostgres()
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const front = new ServerProcess({ codexHome: home, args: ["mcp", "--cluster", own.url, "--runner-address", `127.0.0.1:${await freePort()}`] })
    try {
      await front.initialize()
      await waitUntil(() => shardSplit(own.url) === "300", 30_000, () => `shards per runner: ${shardSplit(own.url)}`)
      mock.push(MockTurn.message("first answer"))
      const first = await front.request("tools/call", { name: "codex", arguments: { prompt: "first", cwd: workspace } }, 30_000)
      assert.strictEqual(first.result?.structuredContent?.content, "first answer", JSON.stringify(first))

      // A history write the database refuses fails the call with the store's error (it was only logged).
      own.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'poison refused'; END $$`)
      own.query(`CREATE TRIGGER refuse_poison BEFORE INSERT ON codex_history FOR EACH ROW
        WHEN (NEW.item::text LIKE '%poison%') EXECUTE FUNCTION refuse_poison()`)
      const refused = await front.request("tools/call", {
        name: "codex-reply",
        arguments: { prompt: "poison", threadId: first.result.structuredContent.threadId }
      }, 30_000)
      assert.isTrue(refused.result?.isError, JSON.stringify(refused))
      assert.match(JSON.stringify(refused.result.content), /could not append to conversation .*PostgreSQL at .*poison refused/)
      assert.strictEqual(mock.requests.length, 1, "the model is not asked with a history the store does not hold")

      own.stop()
      const started = Date.now()
      const second = await front.request("tools/call", {
        name: "codex-reply",
        arguments: { prompt: "second", threadId: first.result.structuredContent.threadId }
      }, 60_000)
      const said = JSON.stringify(second)
      console.log(`database down: answered in ${Date.now() - started} ms`)
      assert.isTrue(second.result?.isError, said)
      assert.notInclude(said, "All fibers interrupted")
      assert.include(said, `PostgreSQL at ${own.url}`)
    } finally {
      front.kill()
      own.stop()
      await mock.close()
    }
  }, 120_000)

  it("keeps every acknowledged message through a PostgreSQL restart in the middle of 30 turns", async () => {
    // Its own PostgreSQL: this one restarts.
    const own = await startPostgres()
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const clusterArgs = async () => ["mcp", "--cluster", own.url, "--runner-address", `127.0.0.1:${await freePort()}`]
    const fronts: Array<ServerProcess> = []
    for (let i = 0; i < 3; i++) fronts.push(new ServerProcess({ codexHome: home, args: await clusterArgs() }))
    try {
      await Promise.all(fronts.map((front) => front.initialize()))
      await waitUntil(() => shardSplit(own.url) === "100,100,100", 60_000, () => `shards per runner: ${shardSplit(own.url)}`)
      const COUNT = 30
      const indices = Array.from({ length: COUNT }, (_, i) => i)
      mock.push(...MockTurn.times(COUNT, MockTurn.message("before")))
      const threads = await Promise.all(indices.map(async (i) => {
        const answer = await fronts[i % 3]!.request("tools/call", { name: "codex", arguments: { prompt: `before ${i}`, cwd: workspace } }, 30_000)
        assert.strictEqual(answer.result?.structuredContent?.content, "before", JSON.stringify(answer))
        return answer.result.structuredContent.threadId as string
      }))

      // Every turn waits on the model when PostgreSQL goes down; the model answers while it is down, so the
      // turns record their answers while it comes back.
      const before = mock.requests.length
      mock.push(...MockTurn.times(COUNT, MockTurn.held(MockTurn.message("during"))))
      const during = indices.map((i) =>
        fronts[i % 3]!.request("tools/call", { name: "codex-reply", arguments: { prompt: `during ${i}`, threadId: threads[i] } }, 90_000)
      )
      await mock.waitForRequests(before + COUNT, 30_000)
      const restarted = Date.now()
      own.stop()
      mock.release()
      own.start()
      // A turn whose runner lost its shard, or whose history write met the restart, ends with a clear error.
      const duringAnswers = await Promise.all(during)
      const acknowledged = duringAnswers.map((answer) => answer.result?.structuredContent?.content === "during")
      for (const answer of duringAnswers.filter((_, i) => !acknowledged[i])) {
        assert.match(JSON.stringify(answer), /runner lost|PostgreSQL at /)
      }
      console.log(`PostgreSQL restart mid-turn: the turns in flight settled ${Date.now() - restarted} ms after it (${
        acknowledged.filter((yes) => !yes).length
      } failed)`)

      // Shard locks die with their sessions, so conversations may move: a call in that moment ends with a clear
      // error ("runner lost", or one naming the database), and the same call again goes through.
      mock.push(...MockTurn.times(3 * COUNT, MockTurn.message("after")))
      const failures: Array<string> = []
      await Promise.all(indices.map(async (i) => {
        for (let attempt = 0;; attempt++) {
          const answer = await fronts[(i + 1) % 3]!.request("tools/call", {
            name: "codex-reply",
            arguments: { prompt: `after ${i}`, threadId: threads[i] }
          }, 60_000)
          if (answer.result?.structuredContent?.content === "after") return
          const said = JSON.stringify(answer)
          failures.push(said)
          assert.isBelow(attempt, 2, said)
          assert.match(said, /runner lost|PostgreSQL at /)
        }
      }))
      console.log(`PostgreSQL restart mid-turn: every conversation answered ${Date.now() - restarted} ms after it (${failures.length} calls repeated)`)
      for (const i of indices) {
        const body = mock.requests.map((request) => JSON.stringify(request.body)).findLast((b) => b.includes(`"after ${i}"`))!
        const order = [`"before ${i}"`, ...(acknowledged[i] ? [`"during ${i}"`] : []), `"after ${i}"`].map((said) => body.indexOf(said))
        assert.isFalse(order.includes(-1), `conversation ${i} holds every acknowledged prompt: ${order}`)
        assert.deepEqual([...order].sort((a, b) => a - b), order, `conversation ${i} in order`)
        if (acknowledged[i]) assert.strictEqual(body.split(`"during ${i}"`).length - 1, 1, `conversation ${i} holds its prompt once: ${body}`)
      }
    } finally {
      for (const front of fronts) front.kill()
      own.stop()
      await mock.close()
    }
  }, 120_000)

  it("drains a stdio front on SIGTERM: the call it carries gets its answer, then it exits 0", async () => {
    const url = database("stdio_drain")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const front = new ServerProcess({ codexHome: home, args: ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`] })
    try {
      await front.initialize()
      mock.push(MockTurn.held(MockTurn.message("answered while draining")))
      front.send({ id: 7, method: "tools/call", params: { name: "codex", arguments: { prompt: "hold on", cwd: workspace } } })
      await mock.waitForRequests(1, 30_000)
      front.child.kill("SIGTERM")
      await front.waitForStderr(/draining: 1 requests to answer/, 10_000)
      mock.release()
      const answer = await front.waitFor((m) => m.id === 7, "the call's answer", 30_000)
      assert.strictEqual(answer.result?.structuredContent?.content, "answered while draining", JSON.stringify(answer))
      assert.strictEqual((await front.waitForExit(30_000)).code, 0)
    } finally {
      front.kill()
      await mock.close()
    }
  }, 60_000)

  it("takes a runner joining while turns run: every prompt stays in its conversation's history", async () => {
    const url = database("joining")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const clusterArgs = async () => ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`]
    const fronts: Array<ServerProcess> = []
    for (let i = 0; i < 3; i++) fronts.push(new ServerProcess({ codexHome: home, args: await clusterArgs() }))
    let joining: ServerProcess | undefined
    try {
      await Promise.all(fronts.map((front) => front.initialize()))
      await waitUntil(() => shardSplit(url) === "100,100,100", 60_000, () => `shards per runner: ${shardSplit(url)}`)
      const COUNT = 30
      const indices = Array.from({ length: COUNT }, (_, i) => i)
      mock.push(...MockTurn.times(COUNT, MockTurn.message("first")))
      const threads = await Promise.all(indices.map(async (i) => {
        const answer = await fronts[i % 3]!.request("tools/call", { name: "codex", arguments: { prompt: `first ${i}`, cwd: workspace } }, 30_000)
        assert.strictEqual(answer.result?.structuredContent?.content, "first", JSON.stringify(answer))
        return answer.result.structuredContent.threadId as string
      }))

      mock.push(...MockTurn.times(COUNT, MockTurn.held(MockTurn.message("second"))))
      const seconds = indices.map((i) =>
        fronts[i % 3]!.request("tools/call", { name: "codex-reply", arguments: { prompt: `second ${i}`, threadId: threads[i] } }, 60_000)
      )
      await mock.waitForRequests(2 * COUNT, 30_000)
      const joined = Date.now()
      joining = new ServerProcess({ codexHome: home, args: await clusterArgs() })
      await waitUntil(() => shardSplit(url) === "75,75,75,75", 60_000, () => `shards per runner: ${shardSplit(url)}`)
      console.log(`a runner joining: shards even ${Date.now() - joined} ms after it started`)
      mock.release()
      // A turn on a shard that moved ends with "runner lost"; the others complete.
      const secondAnswers = await Promise.all(seconds)
      for (const answer of secondAnswers) {
        const said = JSON.stringify(answer)
        if (answer.result?.structuredContent?.content !== "second") assert.match(said, /runner lost/)
      }

      mock.push(...MockTurn.times(COUNT, MockTurn.message("third")))
      const thirds = await Promise.all(indices.map((i) =>
        fronts[(i + 1) % 3]!.request("tools/call", { name: "codex-reply", arguments: { prompt: `third ${i}`, threadId: threads[i] } }, 60_000)
      ))
      for (const answer of thirds) assert.strictEqual(answer.result?.structuredContent?.content, "third", JSON.stringify(answer))
      for (const i of indices) {
        const body = mock.requests.map((request) => JSON.stringify(request.body)).find((b) => b.includes(`"third ${i}"`))!
        const order = [`"first ${i}"`, `"second ${i}"`, `"third ${i}"`].map((said) => body.indexOf(said))
        assert.isFalse(order.includes(-1), `conversation ${i} holds every prompt: ${order}`)
        assert.deepEqual([...order].sort((a, b) => a - b), order, `conversation ${i} in order`)
        if (secondAnswers[i]!.result?.structuredContent?.content === "second") {
          assert.strictEqual(body.split(`"second ${i}"`).length, 2, `conversation ${i} holds its second prompt once: ${body}`)
        }
      }
    } finally {
      joining?.kill()
      for (const front of fronts) front.kill()
      await mock.close()
    }
  }, 120_000)
})
