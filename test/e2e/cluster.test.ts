/**
 * `mcp --cluster`: three runner processes over one PostgreSQL, two of them also fronts driven by the
 * MCP SDK client. Thirty conversations start through both fronts; while each is in the middle of its
 * second turn, the runner that is not a front is killed with SIGKILL. Its conversations end that turn
 * with a "runner lost" error, and every conversation then continues, through the other front, on a
 * survivor, with its whole history: every user message that was acknowledged reaches the model again.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { useHttpAgentServer } from "../support/HttpAgentServer.js"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { freePort, type Postgres, postgresAvailable, startPostgres } from "../support/Postgres.js"
import { connectSdkClient, type SdkConnection } from "../support/SdkClient.js"
import { makeTempDir, ServerProcess } from "../support/ServerProcess.js"
import { waitUntil } from "../support/ClusterProbes.js"

const CONVERSATIONS = 30
const label = (i: number) => `c${String(i).padStart(2, "0")}`

/**
 * Each runner holds each of its shards as an advisory lock on its own session: the shard counts per session in
 * `database`, smallest first. Shards settle at an even split (300 / runners); until then they move, and a turn
 * on a moving shard is interrupted like one on a dead runner.
 */
const shardSplit = (database: string) =>
  `SELECT string_agg(n::text, ',' ORDER BY n) FROM (SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'
     AND database = (SELECT oid FROM pg_database WHERE datname = '${database}') GROUP BY pid) AS held`

const text = (result: any): string => result.structuredContent?.content ?? JSON.stringify(result.content)

const hasPostgres = postgresAvailable()

describe.skipIf(!hasPostgres)("mcp --cluster", () => {
  const http = useHttpAgentServer()
  let pg: Postgres
  beforeAll(async () => {
    pg = await startPostgres()
  }, 60_000)
  afterAll(() => pg?.stop())

  it("survives a runner killed mid-turn: every conversation continues on the survivors with its history", async () => {
    pg.query("CREATE DATABASE failover")
    const url = pg.url.replace(/\/postgres$/, "/failover")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const runnerArgs = async () => ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`]
    const fronts: Array<SdkConnection> = []
    const runner = new ServerProcess({ codexHome: home, args: await runnerArgs() })
    try {
      fronts.push(await connectSdkClient({ codexHome: home, args: await runnerArgs() }))
      fronts.push(await connectSdkClient({ codexHome: home, args: await runnerArgs() }))
      const split = shardSplit("failover")
      await waitUntil(() => pg.query(split) === "100,100,100", 30_000, () => `shards per runner: ${pg.query(split)}`)
      const front = (i: number) => fronts[i % 2]!.client
      const otherFront = (i: number) => fronts[(i + 1) % 2]!.client
      const indices = Array.from({ length: CONVERSATIONS }, (_, i) => i)

      mock.push(...MockTurn.times(CONVERSATIONS, MockTurn.message("first answer")))
      const threads = await Promise.all(indices.map(async (i) => {
        const result: any = await front(i).callTool({
          name: "codex",
          arguments: { prompt: `first ${label(i)}`, cwd: workspace }
        }, undefined, { timeout: 30_000 })
        assert.strictEqual(text(result), "first answer", `conversation ${label(i)}: ${JSON.stringify(result)}`)
        return result.structuredContent.threadId as string
      }))
      const onKilledRunner = threads.filter((id) => runner.stderr.includes(`conversation=${id}`))
      assert.isAbove(onKilledRunner.length, 0, "the runner to be killed hosts some of the conversations")

      // Every conversation's second turn is in flight when the runner dies.
      mock.push(...MockTurn.times(CONVERSATIONS, MockTurn.held(MockTurn.message("second answer"))))
      const seconds = indices.map((i) =>
        otherFront(i).callTool({
          name: "codex-reply",
          arguments: { prompt: `second ${label(i)}`, threadId: threads[i] }
        }, undefined, { timeout: 60_000 }) as Promise<any>
      )
      await mock.waitForRequests(2 * CONVERSATIONS, 30_000)
      runner.child.kill("SIGKILL")
      await runner.exited
      mock.release()
      const secondResults = await Promise.all(seconds)
      for (const i of indices) {
        const lost = onKilledRunner.includes(threads[i]!)
        const result = secondResults[i]
        if (lost) {
          assert.isTrue(result.isError, `${label(i)} ends its turn with an error`)
          assert.match(text(result), /runner lost/)
        } else {
          assert.strictEqual(text(result), "second answer", `${label(i)}: ${JSON.stringify(result)}`)
        }
      }

      mock.push(...MockTurn.times(CONVERSATIONS, MockTurn.message("third answer")))
      const thirds = await Promise.all(indices.map((i) =>
        front(i).callTool({
          name: "codex-reply",
          arguments: { prompt: `third ${label(i)}`, threadId: threads[i] }
        }, undefined, { timeout: 60_000 }) as Promise<any>
      ))
      for (const i of indices) assert.strictEqual(text(thirds[i]), "third answer", `${label(i)}: ${JSON.stringify(thirds[i])}`)

      // The model saw each conversation's whole history on its third turn, wherever that turn ran.
      const thirdRequests = mock.requests.slice(2 * CONVERSATIONS).map((request) => JSON.stringify(request.body))
      assert.strictEqual(thirdRequests.length, CONVERSATIONS)
      for (const i of indices) {
        const request = thirdRequests.find((body) => body.includes(`third ${label(i)}`))
        assert.isDefined(request, `the third turn of ${label(i)} reached the model`)
        for (const said of [`first ${label(i)}`, "first answer", `second ${label(i)}`]) {
          assert.include(request, said, `${label(i)}'s history holds "${said}"`)
        }
        if (!onKilledRunner.includes(threads[i]!)) assert.include(request, "second answer")
      }
    } finally {
      runner.child.kill("SIGKILL")
      await Promise.all(fronts.map((front) => front.close()))
      await mock.close()
    }
  }, 180_000)

  it("refuses a conversation whose cwd does not exist on the runner that hosts it", async () => {
    pg.query("CREATE DATABASE missing_cwd")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const url = pg.url.replace(/\/postgres$/, "/missing_cwd")
    const front = await connectSdkClient({
      codexHome: home,
      args: ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`]
    })
    try {
      const missing = `${makeTempDir("workspace-")}/not-here`
      const result: any = await front.client.callTool({ name: "codex", arguments: { prompt: "hi", cwd: missing } })
      assert.isTrue(result.isError, JSON.stringify(result))
      assert.include(JSON.stringify(result.content), `its cwd ${missing} does not exist here`)
      assert.strictEqual(mock.requests.length, 0)
      // The server keeps serving: a conversation with a cwd the runner has works.
      mock.push(MockTurn.message("fine"))
      const ok: any = await front.client.callTool({ name: "codex", arguments: { prompt: "hi", cwd: home } })
      assert.strictEqual(text(ok), "fine")
    } finally {
      await front.close()
      await mock.close()
    }
  }, 60_000)

  it("asks again, on the survivor, for an approval that was pending on the runner that died", async () => {
    pg.query("CREATE DATABASE pending_approval")
    const url = pg.url.replace(/\/postgres$/, "/pending_approval")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    const marker = join(workspace, "approved.txt")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const runnerArgs = async () => ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`]
    const front = new ServerProcess({ codexHome: home, args: await runnerArgs() })
    const runner = new ServerProcess({ codexHome: home, args: await runnerArgs() })
    try {
      await front.initialize()
      const split = shardSplit("pending_approval")
      await waitUntil(() => pg.query(split) === "150,150", 30_000, () => `shards per runner: ${pg.query(split)}`)

      // Find a conversation the runner to be killed hosts.
      let threadId: string | undefined
      for (let k = 0; threadId === undefined; k++) {
        assert.isBelow(k, 30, "one of 30 new conversations lands on the second runner")
        mock.push(MockTurn.message("probed"))
        const answer = await front.request("tools/call", {
          name: "codex",
          arguments: { prompt: `probe-${k}-end`, cwd: workspace }
        }, 30_000)
        if (runner.stderr.includes(`prompt=probe-${k}-end`)) threadId = answer.result.structuredContent.threadId
      }

      mock.push(MockTurn.shell(["touch", marker], { workdir: workspace, callId: "first" }))
      front.send({ id: 500, method: "tools/call", params: { name: "codex-reply", arguments: { prompt: "touch it", threadId } } })
      await front.waitForServerRequest("elicitation/create", 30_000)
      runner.child.kill("SIGKILL")
      const lost = await front.waitFor((m) => m.id === 500, "the interrupted call's answer", 60_000)
      assert.isTrue(lost.result.isError, JSON.stringify(lost))
      assert.match(JSON.stringify(lost.result.content), /runner lost/)
      assert.isFalse(existsSync(marker), "nothing ran without approval")

      mock.push(MockTurn.shell(["touch", marker], { workdir: workspace, callId: "again" }), MockTurn.message("done"))
      front.send({ id: 501, method: "tools/call", params: { name: "codex-reply", arguments: { prompt: "go on", threadId } } })
      const askedAgain = await front.waitForServerRequest("elicitation/create", 60_000)
      assert.deepInclude(askedAgain.params, { codex_command: ["touch", marker] })
      front.send({ id: askedAgain.id!, result: { action: "accept", content: {} } })
      const done = await front.waitFor((m) => m.id === 501, "the continued call's answer", 60_000)
      assert.strictEqual(done.result.structuredContent.content, "done", JSON.stringify(done))
      assert.isTrue(existsSync(marker), "the command ran once approved on the survivor")
      assert.include(JSON.stringify(mock.requests.at(-2)!.body), "touch it", "the lost turn's user message is in the history")
    } finally {
      runner.child.kill("SIGKILL")
      await front.closeAndWait(10_000)
      await mock.close()
    }
  }, 120_000)

  it("keeps a conversation-API listener across the death of the runner hosting its conversation", async () => {
    pg.query("CREATE DATABASE listener")
    const url = pg.url.replace(/\/postgres$/, "/listener")
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const runnerArgs = async () => ["mcp", "--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`]
    const front = new ServerProcess({ codexHome: home, args: await runnerArgs() })
    const runner = new ServerProcess({ codexHome: home, args: await runnerArgs() })
    try {
      await front.initialize()
      const split = shardSplit("listener")
      await waitUntil(() => pg.query(split) === "150,150", 30_000, () => `shards per runner: ${pg.query(split)}`)
      let conversationId: string | undefined
      for (let k = 0; conversationId === undefined; k++) {
        assert.isBelow(k, 30, "one of 30 new conversations lands on the second runner")
        mock.push(MockTurn.message("probed"))
        const answer = await front.request("tools/call", { name: "codex", arguments: { prompt: `probe-${k}-end`, cwd: workspace } }, 30_000)
        if (runner.stderr.includes(`prompt=probe-${k}-end`)) conversationId = answer.result.structuredContent.threadId
      }
      const ofIt = (type: string) => (m: any) => m.method === `codex/event/${type}` && m.params?.conversationId === conversationId
      assert.isDefined((await front.request("addConversationListener", { conversationId })).result?.subscriptionId)

      runner.child.kill("SIGKILL")
      const lost = await front.waitFor(ofIt("error"), "the listener's runner lost event", 60_000)
      assert.match(lost.params.msg.message, /runner lost/)
      mock.push(MockTurn.message("answered on the survivor"))
      const sent = await front.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "go on" } }] }, 60_000)
      assert.deepEqual(sent.result, {}, JSON.stringify(sent))
      const complete = await front.waitFor(ofIt("task_complete"), "the next turn's task_complete on the same listener", 60_000).catch((e) => {
        console.log(front.stderr.slice(-6000))
        throw e
      })
      assert.strictEqual(complete.params.msg.last_agent_message, "answered on the survivor")
    } finally {
      runner.child.kill("SIGKILL")
      await front.closeAndWait(10_000)
      await mock.close()
    }
  }, 120_000)

  it("exits 1 saying which database it could not reach, without its password", async () => {
    const port = await freePort()
    const server = new ServerProcess({
      args: ["mcp", "--cluster", `postgres://codex:hunter2@127.0.0.1:${port}/codex`, "--runner-address", `127.0.0.1:${await freePort()}`]
    })
    const { code } = await server.waitForExit(30_000)
    assert.strictEqual(code, 1)
    assert.include(server.stderr, `codex-effect: cannot start the cluster runner with PostgreSQL at postgres://codex@127.0.0.1:${port}/codex`)
    assert.notInclude(server.stderr, "hunter2")
  }, 60_000)

  it("serves one conversation through an HTTP front and a stdio front", async () => {
    pg.query("CREATE DATABASE two_transports")
    const url = pg.url.replace(/\/postgres$/, "/two_transports")
    const clusterArgs = async () => ["--cluster", url, "--runner-address", `127.0.0.1:${await freePort()}`]
    // A clustered HTTP front needs a token: other runners' commands must not reach its port.
    const token = "cluster-front-token-0123456789"
    const httpFront = await http.start([MockTurn.message("over http"), MockTurn.message("over stdio")], {
      args: [...await clusterArgs(), "--auth-token-env", "FRONT_TOKEN"],
      env: { FRONT_TOKEN: token }
    })
    const stdioFront = await connectSdkClient({ codexHome: httpFront.codexHome, args: ["mcp", ...await clusterArgs()] })
    try {
      const split = shardSplit("two_transports")
      await waitUntil(() => pg.query(split) === "150,150", 30_000, () => `shards per runner: ${pg.query(split)}`)
      const client = await http.connect(httpFront.url, { headers: { authorization: `Bearer ${token}` } })
      const first: any = await client.callTool({ name: "codex", arguments: { prompt: "from http", cwd: httpFront.codexHome } })
      assert.strictEqual(text(first), "over http")
      const second: any = await stdioFront.client.callTool({
        name: "codex-reply",
        arguments: { prompt: "from stdio", threadId: first.structuredContent.threadId }
      })
      assert.strictEqual(text(second), "over stdio")
      assert.include(JSON.stringify(httpFront.model.requests[1]!.body), "from http")
    } finally {
      await stdioFront.close()
    }
  }, 60_000)
})
