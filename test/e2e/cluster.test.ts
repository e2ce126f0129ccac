/**
 * `mcp --cluster`: three runner processes over one PostgreSQL, two of them also fronts driven by the
 * MCP SDK client. Thirty conversations start through both fronts; while each is in the middle of its
 * second turn, the runner that is not a front is killed with SIGKILL. Its conversations end that turn
 * with a "runner lost" error, and every conversation then continues, through the other front, on a
 * survivor, with its whole history: every user message that was acknowledged reaches the model again.
 */
import { writeFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { freePort, type Postgres, postgresBinDir, startPostgres } from "../support/Postgres.js"
import { connectSdkClient, type SdkConnection } from "../support/SdkClient.js"
import { makeTempDir, ServerProcess } from "../support/ServerProcess.js"

const CONVERSATIONS = 30
const label = (i: number) => `c${String(i).padStart(2, "0")}`

/** Re-checks `ready` whenever PostgreSQL may have changed, failing loudly after `timeoutMs`. */
const waitUntil = async (ready: () => boolean, timeoutMs: number, describe: () => string) => {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`)
    // PostgreSQL has no event to wait on here: look again shortly.
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const text = (result: any): string => result.structuredContent?.content ?? JSON.stringify(result.content)

const hasPostgres = postgresBinDir() !== undefined
if (!hasPostgres && process.env.CI === "true") {
  throw new Error("PostgreSQL is missing: the cluster tests need it on CI (.ci/run installs the postgresql package)")
}

describe.skipIf(!hasPostgres)("mcp --cluster", () => {
  let pg: Postgres
  beforeAll(async () => {
    pg = await startPostgres()
  }, 60_000)
  afterAll(() => pg?.stop())

  it("survives a runner killed mid-turn: every conversation continues on the survivors with its history", async () => {
    const mock = await startMockModelServer()
    const home = makeTempDir("codex-home-")
    const workspace = makeTempDir("workspace-")
    writeFileSync(`${home}/config.toml`, mockConfigToml(mock.url))
    const runnerArgs = async () => ["mcp", "--cluster", pg.url, "--runner-address", `127.0.0.1:${await freePort()}`]
    const fronts: Array<SdkConnection> = []
    const runner = new ServerProcess({ codexHome: home, args: await runnerArgs() })
    try {
      fronts.push(await connectSdkClient({ codexHome: home, args: await runnerArgs() }))
      fronts.push(await connectSdkClient({ codexHome: home, args: await runnerArgs() }))
      // Each runner holds its shards as advisory locks on its own session: wait until all three hold some.
      const shardHolders = "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory'"
      await waitUntil(() => pg.query(shardHolders) === "3", 30_000, () => `shard holders: ${pg.query(shardHolders)}`)
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
})
