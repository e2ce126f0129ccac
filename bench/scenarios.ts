/**
 * The benchmark scenarios (start-up, latency, memory, streaming, parallelism, patching, long
 * conversations), each run against one server (ours or the reference) with a mock model provider on
 * 127.0.0.1. Every scenario returns one sample per run; the runner reports
 * medians. Timings are wall-clock around the protocol exchange the client sees.
 */
import { spawn } from "node:child_process"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type MockModelServer, MockTurn, startMockModelServer } from "../test/support/MockModelServer.ts"
import { SERVER_BIN, ServerProcess } from "../test/support/ServerProcess.ts"

export interface Target {
  readonly name: string
  /** The server command; the peer is spawned the same way as ours. */
  readonly command: { readonly file: string; readonly args: ReadonlyArray<string> } | undefined
  /** How the model asks this server to run a patch (the reference release offers `exec_command`, not `shell`). */
  readonly patchTurn: (patch: string, workdir: string) => MockTurn
}

export const shellPatchTurn = (patch: string, workdir: string) => MockTurn.applyPatch(patch, { workdir })
export const execCommandPatchTurn = (patch: string, workdir: string) =>
  MockTurn.functionCall("exec_command", { cmd: `apply_patch <<'EOF'\n${patch}\nEOF`, workdir })

/** A fresh directory under .bench/homes (the reference refuses to set up its helpers under /tmp). */
const benchDir = (prefix: string) => {
  mkdirSync(".bench/homes", { recursive: true })
  return mkdtempSync(join(process.cwd(), `.bench/homes/${prefix}-`))
}

/** CODEX_HOME (`home`, else a fresh one) with a config.toml that points at the mock provider. */
const homeFor = (url: string, home = benchDir("home")) => {
  writeFileSync(join(home, "config.toml"), [
    `model = "mock-model"`,
    `model_provider = "mock"`,
    `approval_policy = "never"`,
    `sandbox_mode = "danger-full-access"`,
    `check_for_update_on_startup = false`,
    ``,
    `[model_providers.mock]`,
    `name = "mock"`,
    `base_url = "${url}"`,
    `wire_api = "responses"`,
    `requires_openai_auth = false`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    ``,
    // The reference at its best: nothing that reaches the network (with analytics on it spends its
    // start-up and every call trying to; our server ignores these keys).
    `[analytics]`,
    `enabled = false`,
    ``,
    `[features]`,
    `plugins = false`,
    `remote_plugin = false`,
    `apps = false`,
    ``
  ].join("\n"))
  return home
}

const keptHomes = new Map<string, string>()
/** One CODEX_HOME per target for the whole run. */
const keptHome = (target: Target) => {
  const home = keptHomes.get(target.name) ?? benchDir("kept-home")
  keptHomes.set(target.name, home)
  return home
}

/**
 * Both servers get an empty HOME, so they measure themselves and not this machine's shell profile: the
 * reference starts a login shell for every session, and a profile that runs `pyenv init` then piles up
 * rehash processes that slow everything on the machine, our rows included.
 */
const launch = (target: Target, model: MockModelServer, home?: string) => {
  const env = { CODEX_EFFECT_LOG: "error", RUST_LOG: "error", HOME: benchDir("user") }
  return new ServerProcess({
    codexHome: homeFor(model.url, home),
    env,
    ...(target.command !== undefined ? { command: target.command } : {})
  })
}

/** Peak resident memory of a process, in MiB (`VmHWM`). */
const peakRssMiB = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"))
  return Number(line?.replace(/\D+/g, "") ?? 0) / 1024
}

const elapsed = async (work: () => Promise<unknown>) => {
  const started = performance.now()
  await work()
  return performance.now() - started
}

const codexCall = (server: ServerProcess, prompt: string, timeoutMs = 60_000) =>
  server.request("tools/call", { name: "codex", arguments: { prompt } }, timeoutMs).then((answer) => {
    if (answer.result === undefined || answer.result.isError === true) throw new Error(`codex call failed: ${JSON.stringify(answer)}`)
    return answer
  })

const replyCall = (server: ServerProcess, sessionId: string, prompt = "again") =>
  server.request("tools/call", { name: "codex-reply", arguments: { threadId: sessionId, prompt } }, 60_000).then((answer) => {
    if (answer.result === undefined || answer.result.isError === true) throw new Error(`codex-reply failed: ${JSON.stringify(answer)}`)
    return answer
  })

const withServer = async <A>(
  target: Target,
  turns: ReadonlyArray<MockTurn>,
  work: (server: ServerProcess, model: MockModelServer) => Promise<A>,
  home?: string
) => {
  const model = await startMockModelServer(turns)
  const server = launch(target, model, home)
  try {
    return await work(server, model)
  } finally {
    server.kill()
    await model.close()
  }
}

export interface Metric {
  readonly name: string
  readonly unit: string
  /** Lower is better unless set. */
  readonly higherIsBetter?: boolean
}

/** One run of a scenario gives one value per metric (several metrics can share a run's process). */
export interface Scenario {
  readonly metrics: ReadonlyArray<Metric>
  readonly sample: (target: Target) => Promise<ReadonlyArray<number>>
  /** Fewer runs than the default, for scenarios that take long. */
  readonly runs?: number
  /** Measures the machine, not a server: run once, shown in our column. */
  readonly floor?: boolean
  /** Something the reference does not offer: no peer column. */
  readonly oursOnly?: boolean
}

/**
 * The physical floor of start-up: the same Node binary with no code but a line echo, spawned and
 * answering one JSON-RPC line. No server can answer `initialize` faster than this.
 */
const emptyNodeAnswersOneLine = () =>
  elapsed(() =>
    new Promise<void>((done, fail) => {
      const child = spawn(process.execPath, [
        "-e",
        "process.stdin.once('data',()=>{process.stdout.write('{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}\\n');process.exit(0)})"
      ], { stdio: ["pipe", "pipe", "inherit"] })
      child.stdout.once("data", () => done())
      child.once("error", fail)
      child.stdin.write(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}\n`)
    })
  )

/** ~2 KB of text, different every turn so nothing can be deduplicated. */
const kilobytes = (n: number, seed: number) => `${seed} `.padEnd(n * 1024, ` word${seed}`)

const LONG_TURNS = 200
const medianOf = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const PATCH_HUNKS = 1000
/** A ~1 MB file and a patch that changes one line in each of 1,000 evenly spaced places. */
const bigPatch = (dir: string) => {
  const lines = Array.from({ length: 20_000 }, (_, n) => `line ${n} ${"x".repeat(40)}`)
  writeFileSync(join(dir, "big.txt"), lines.join("\n") + "\n")
  const chunks: Array<string> = []
  for (let h = 0; h < PATCH_HUNKS; h++) {
    const at = h * 20 + 10
    chunks.push(`@@\n ${lines[at - 1]}\n-${lines[at]}\n+changed ${at}\n ${lines[at + 1]}`)
  }
  return `*** Begin Patch\n*** Update File: big.txt\n${chunks.join("\n")}\n*** End Patch`
}

const single = (name: string, unit: string, sample: (target: Target) => Promise<number>, higherIsBetter = false): Scenario => ({
  metrics: [{ name, unit, higherIsBetter }],
  sample: async (target) => [await sample(target)]
})

export const scenarios: ReadonlyArray<Scenario> = [
  { ...single("floor: empty Node answering one line", "ms", emptyNodeAnswersOneLine), floor: true },
  single("spawn → initialize answer", "ms", (target) => withServer(target, [], (server) => elapsed(() => server.initialize()))),
  // What an MCP client sees when it restarts the server: CODEX_HOME (where our compile cache lives) is kept.
  single("spawn → initialize answer, same CODEX_HOME", "ms", (target) =>
    withServer(target, [], (server) => elapsed(() => server.initialize()), keptHome(target))),
  single("codex call, new conversation", "ms", (target) =>
    withServer(target, [MockTurn.message("warm-up"), MockTurn.message("measured")], async (server) => {
      await server.initialize()
      await codexCall(server, "warm up")
      return elapsed(() => codexCall(server, "measured"))
    })),
  single("codex-reply", "ms", (target) =>
    withServer(target, [MockTurn.message("first"), MockTurn.message("warm"), MockTurn.message("measured")], async (server) => {
      await server.initialize()
      const first = await codexCall(server, "first")
      const sessionId = first.result.structuredContent?.threadId ??
        server.messages.find((m) => m.method === "codex/event" && m.params?.msg?.type === "session_configured")?.params.msg.session_id
      const reply = () => replyCall(server, sessionId)
      await reply()
      return elapsed(reply)
    })),
  {
    metrics: [
      { name: "peak RSS idle", unit: "MiB" },
      { name: "peak RSS after 1 call", unit: "MiB" },
      { name: "peak RSS after 20 calls", unit: "MiB" }
    ],
    sample: (target) =>
      withServer(target, Array.from({ length: 20 }, () => MockTurn.message("ok")), async (server) => {
        await server.initialize()
        const idle = peakRssMiB(server.child.pid!)
        await codexCall(server, "call 0")
        const one = peakRssMiB(server.child.pid!)
        for (let n = 1; n < 20; n++) await codexCall(server, `call ${n}`)
        return [idle, one, peakRssMiB(server.child.pid!)]
      })
  },
  single("10,000-delta turn", "notifications/s", (target) =>
    withServer(target, [MockTurn.deltas(Array.from({ length: 10_000 }, (_, n) => `d${n} `))], async (server) => {
      await server.initialize()
      const ms = await elapsed(() => codexCall(server, "stream"))
      return 10_000 / (ms / 1000)
    }), true),
  {
    metrics: [{ name: "100 parallel codex calls", unit: "ms" }, { name: "peak RSS, 100 parallel calls", unit: "MiB" }],
    sample: (target) =>
      withServer(target, Array.from({ length: 100 }, () => MockTurn.message("ok")), async (server) => {
        await server.initialize()
        const ms = await elapsed(() => Promise.all(Array.from({ length: 100 }, (_, n) => codexCall(server, `p${n}`, 300_000))))
        return [ms, peakRssMiB(server.child.pid!)]
      })
  },
  single("apply_patch, 1,000 hunks on 1 MB", "ms", async (target) => {
    const dir = mkdtempSync(join(process.cwd(), ".bench/homes/work-"))
    const patch = bigPatch(dir)
    return withServer(target, [target.patchTurn(patch, dir), MockTurn.message("patched")], async (server) => {
      await server.initialize()
      const ms = await elapsed(() => codexCall(server, "patch", 120_000))
      if (!readFileSync(join(dir, "big.txt"), "utf8").includes("changed 19990")) throw new Error("the patch was not applied")
      return ms
    })
  }),
  {
    // The same conversation to 500 turns: does the growth per turn stay flat as the history gets long?
    metrics: [
      { name: "500-turn conversation: RSS growth per turn, turns 101–200", unit: "KiB" },
      { name: "500-turn conversation: RSS growth per turn, turns 101–500", unit: "KiB" },
      { name: "peak RSS, 500-turn conversation", unit: "MiB" }
    ],
    runs: 3,
    sample: (target) =>
      withServer(target, Array.from({ length: 500 }, (_, n) => MockTurn.message(kilobytes(2, n))), async (server) => {
        await server.initialize()
        let sessionId = ""
        const peaks = new Map<number, number>()
        for (let turn = 1; turn <= 500; turn++) {
          const prompt = kilobytes(2, turn)
          if (turn === 1) sessionId = (await codexCall(server, prompt)).result.structuredContent.threadId
          else await replyCall(server, sessionId, prompt)
          if (turn === 100 || turn === 200 || turn === 500) peaks.set(turn, peakRssMiB(server.child.pid!))
        }
        const growth = (from: number, to: number) => ((peaks.get(to)! - peaks.get(from)!) * 1024) / (to - from)
        return [growth(100, 200), growth(100, 500), peaks.get(500)!]
      })
  },
  {
    // One conversation of 200 turns, each adding ~4 KB to the history (2 KB prompt + 2 KB answer).
    metrics: [
      { name: "200-turn conversation: turns 1–10", unit: "ms/turn" },
      { name: "200-turn conversation: turns 191–200", unit: "ms/turn" },
      { name: "peak RSS, 200-turn conversation", unit: "MiB" },
      { name: "RSS growth per turn, turns 101–200 (history grows 4 KiB/turn)", unit: "KiB" }
    ],
    runs: 3,
    sample: (target) =>
      withServer(target, Array.from({ length: LONG_TURNS }, (_, n) => MockTurn.message(kilobytes(2, n))), async (server) => {
        await server.initialize()
        const latencies: Array<number> = []
        let sessionId = ""
        let peakAtHalf = 0
        for (let turn = 0; turn < LONG_TURNS; turn++) {
          const prompt = kilobytes(2, turn)
          latencies.push(await elapsed(async () => {
            if (turn === 0) {
              const first = await codexCall(server, prompt)
              sessionId = first.result.structuredContent.threadId
            } else {
              await replyCall(server, sessionId, prompt)
            }
          }))
          if (turn === LONG_TURNS / 2 - 1) peakAtHalf = peakRssMiB(server.child.pid!)
        }
        const peak = peakRssMiB(server.child.pid!)
        return [
          medianOf(latencies.slice(0, 10)),
          medianOf(latencies.slice(-10)),
          peak,
          ((peak - peakAtHalf) * 1024) / (LONG_TURNS / 2)
        ]
      })
  },
  {
    // The reference serves stdio only, so this row has no peer.
    metrics: [
      { name: "100 HTTP sessions, one codex call each: all done", unit: "ms" },
      { name: "100 HTTP sessions: median call", unit: "ms" },
      { name: "peak RSS, 100 HTTP sessions", unit: "MiB" }
    ],
    oursOnly: true,
    runs: 3,
    sample: async () => {
      const model = await startMockModelServer(Array.from({ length: 100 }, () => MockTurn.message("ok")))
      const server = new ServerProcess({
        codexHome: homeFor(model.url),
        env: { CODEX_EFFECT_LOG: "info", HOME: benchDir("user"), BENCH_HTTP_TOKEN: "bench-token" },
        args: ["mcp", "--http", "127.0.0.1:0", "--auth-token-env", "BENCH_HTTP_TOKEN"]
      })
      try {
        const line = await server.waitForStderr(/serving MCP at http:\/\/\S+?"/)
        const url = new URL(/http:\/\/\S+?(?=")/.exec(line)![0])
        const calls: Array<number> = []
        const session = async (n: number) => {
          const client = new Client({ name: "bench", version: "0.0.0" })
          await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: "Bearer bench-token" } } }))
          calls.push(await elapsed(async () => {
            const result = await client.callTool({ name: "codex", arguments: { prompt: `h${n}` } }, undefined, { timeout: 300_000 })
            if (result.isError === true) throw new Error(`codex call failed: ${JSON.stringify(result)}`)
          }))
          await client.close()
        }
        const all = await elapsed(() => Promise.all(Array.from({ length: 100 }, (_, n) => session(n))))
        return [all, medianOf(calls), peakRssMiB(server.child.pid!)]
      } finally {
        server.kill()
        await model.close()
      }
    }
  },
  {
    metrics: [
      { name: "app-server turn, turns 2–20", unit: "ms/turn" },
      { name: "app-server peak RSS after 20 turns", unit: "MiB" }
    ],
    sample: (target) => withServer(appServerOf(target), Array.from({ length: 20 }, () => MockTurn.message("ok")), appServerTurns)
  }
]

/** The server in its app-server role: `codex-effect app-server`, `codex app-server`. */
function appServerOf(target: Target): Target {
  return {
    ...target,
    command: target.command === undefined
      ? { file: process.execPath, args: [SERVER_BIN, "app-server"] }
      : { file: target.command.file, args: ["app-server"] }
  }
}

/** 20 one-message turns on one thread: the median turn/start → turn/completed of turns 2–20, and the peak RSS. */
async function appServerTurns(server: ServerProcess): Promise<ReadonlyArray<number>> {
  await server.request("initialize", { clientInfo: { name: "bench", title: null, version: "0" }, capabilities: null })
  server.send({ method: "initialized" })
  const started = await server.request("thread/start", {})
  const threadId = started.result.thread.id
  const turns: Array<number> = []
  for (let n = 0; n < 20; n++) {
    turns.push(await elapsed(async () => {
      const answer = await server.request("turn/start", { threadId, input: [{ type: "text", text: `turn ${n}`, text_elements: [] }] })
      const turnId = answer.result.turn.id
      const completed = await server.waitFor((m) => m.method === "turn/completed" && m.params.turn.id === turnId, "turn/completed", 60_000)
      if (completed.params.turn.status !== "completed") throw new Error(`turn failed: ${JSON.stringify(completed.params.turn)}`)
    }))
  }
  return [medianOf(turns.slice(1)), peakRssMiB(server.child.pid!)]
}
