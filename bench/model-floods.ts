/**
 * What a flooding model costs the server (`node bench/model-floods.ts`): for each flood, one `codex`
 * call against the mock model, with the server's peak RSS (`VmHWM`) and the longest event-loop stall
 * seen from outside (the slowest answer to a `ping` sent every 20 ms while the call runs). The mock
 * model runs in a child process of its own, so building and sending a flood never delays the pings.
 * Run it with the pinned Node (`npx node bench/model-floods.ts`), which strips the TypeScript types.
 */
import { spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { MockTurn, mockConfigToml, sse, startMockModelServer } from "../test/support/MockModelServer.ts"
import { type JsonRpcMessage, makeTempDir, ServerProcess } from "../test/support/ServerProcess.ts"

const MIB = 1024 * 1024

/** A chat completion streaming one `shell` call's arguments in 64 KiB deltas. */
const chatDeltas = (argumentsText: string) => {
  const chunk = (delta: object, finish: string | null) =>
    sse({ id: "flood", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })
  const parts = [chunk({ tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "shell", arguments: "" } }] }, null)]
  for (let at = 0; at < argumentsText.length; at += 64 * 1024) {
    parts.push(chunk({ tool_calls: [{ index: 0, function: { arguments: argumentsText.slice(at, at + 64 * 1024) } }] }, null))
  }
  return MockTurn.raw([...parts, chunk({}, "tool_calls"), "data: DONE\n\n"].join(""))
}

const floods: ReadonlyArray<{ name: string; wire: "chat" | "responses"; turn: () => MockTurn; config?: string }> = [
  { name: "shell, 10 MiB argument (responses)", wire: "responses", turn: () => MockTurn.shell(["echo", "x".repeat(10 * MIB)]) },
  { name: "shell, 100 MiB argument (responses)", wire: "responses", turn: () => MockTurn.shell(["echo", "x".repeat(100 * MIB)]) },
  { name: "shell, 100 MiB argument (chat, 2 events)", wire: "chat", turn: () => MockTurn.shell(["echo", "x".repeat(100 * MIB)]) },
  {
    name: "chat, a tool-call index of 1e9",
    wire: "chat",
    turn: () =>
      MockTurn.raw(
        sse({ id: "i", object: "chat.completion.chunk", choices: [{ index: 0, delta: { tool_calls: [{ index: 1e9, id: "far", type: "function", function: { name: "shell", arguments: "{\"command\":[\"true\"]}" } }] }, finish_reason: "tool_calls" }] }) + "data: DONE\n\n"
      )
  },
  { name: "shell, 100 MiB argument (chat deltas)", wire: "chat", turn: () => chatDeltas(JSON.stringify({ command: ["echo", "x".repeat(100 * MIB)] })) },
  {
    name: "update_plan, 1e6 steps",
    wire: "responses",
    config: "include_plan_tool = true",
    turn: () => MockTurn.functionCall("update_plan", { plan: Array.from({ length: 1_000_000 }, () => ({ step: "s", status: "pending" })) })
  },
  {
    name: "apply_patch, 20k hunks",
    wire: "responses",
    turn: () =>
      MockTurn.applyPatch(`*** Begin Patch\n${Array.from({ length: 20_000 }, (_, i) => `*** Add File: f${i}.txt\n+x`).join("\n")}\n*** End Patch`)
  }
]

const peakRssMib = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"))!
  return Math.round(Number(line.split(/\s+/)[1]) / 1024)
}

/** In the child (`model-floods.ts <index>`): serve flood `index`, print the URL, run until killed. */
if (process.argv[2] !== undefined) {
  const model = await startMockModelServer([floods[Number(process.argv[2])]!.turn(), MockTurn.message("done")])
  console.log(model.url)
  await new Promise(() => undefined)
}

/** Starts the mock for flood `index` in its own process; resolves with its URL and a way to stop it. */
const startFloodModel = async (index: number) => {
  const child = spawn(process.execPath, [import.meta.filename, String(index)], { stdio: ["ignore", "pipe", "inherit"] })
  const lines = createInterface({ input: child.stdout })
  const url = await new Promise<string>((resolve) => lines.once("line", resolve))
  return { url, close: () => child.kill() }
}

// `FLOOD_ONLY=1,3` runs only those floods (0-based).
const only = process.env.FLOOD_ONLY?.split(",").map(Number)
for (const [index, flood] of floods.entries()) {
  if (only !== undefined && !only.includes(index)) continue
  const model = await startFloodModel(index)
  const codexHome = makeTempDir("flood-home-")
  const work = makeTempDir("flood-work-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: flood.wire, extra: flood.config ?? "" }))
  // `FLOOD_BIN=<path of a built codex-effect.mjs>` measures another build (e.g. the one before a change).
  const bin = process.env.FLOOD_BIN
  const server = new ServerProcess({ codexHome, ...(bin !== undefined ? { command: { file: process.execPath, args: [bin, "mcp"] } } : {}) })
  await server.initialize()
  let worstPingMs = 0
  let pinging = true
  const pinger = (async () => {
    while (pinging) {
      const sent = performance.now()
      // A server stalled past the timeout is reported as that stall, not as a crash of the benchmark.
      await server.request("ping", undefined, 120_000).catch(() => undefined)
      worstPingMs = Math.max(worstPingMs, performance.now() - sent)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  const started = performance.now()
  const answer = await server.request("tools/call", {
    name: "codex",
    arguments: { prompt: "flood", cwd: work, sandbox: "workspace-write", "approval-policy": "never" }
  }, 300_000).catch((error: Error): JsonRpcMessage => ({ error: { code: 0, message: error.message.slice(0, 200) } }))
  const elapsed = performance.now() - started
  pinging = false
  await pinger
  const outcome = answer.error !== undefined
    ? `error: ${answer.error.message}`
    : String(answer.result?.content?.[0]?.text ?? "").slice(0, 60)
  console.log(
    `${flood.name.padEnd(40)} peak RSS ${String(peakRssMib(server.child.pid!)).padStart(5)} MiB, ` +
      `worst ping ${Math.round(worstPingMs).toString().padStart(6)} ms, call ${Math.round(elapsed)} ms → ${outcome}`
  )
  server.kill()
  await server.exited
  model.close()
}
