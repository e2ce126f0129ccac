/**
 * Memory that a worker thread takes and never gives back. Once V8 recompiled Node's fetch HTTP parser
 * (WebAssembly) with its optimizing compiler, a worker's malloc arena kept ~10 MiB resident: after a few
 * model requests with V8's default tiering budget, after 150–300 with a budget raised to its maximum.
 * Linux only: it reads the glibc arenas (64 MiB-aligned heaps) from /proc/<pid>/smaps.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { useAgentServer } from "../support/AgentServer.js"
import { MockTurn } from "../support/MockModelServer.js"

const ARENA_ALIGNMENT = 64n * 1024n * 1024n

/** Resident KiB of each glibc thread arena: a writable anonymous mapping starting on a 64 MiB boundary. */
const arenaResidentKiB = (pid: number): Array<number> => {
  const arenas: Array<number> = []
  let inArena = false
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const mapping = /^([0-9a-f]+)-[0-9a-f]+ rw-p 00000000 00:00 0\s*$/.exec(line)
    if (mapping !== null) inArena = BigInt(`0x${mapping[1]}`) % ARENA_ALIGNMENT === 0n
    else if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inArena = false
    else if (inArena && line.startsWith("Rss:")) arenas.push(Number(/(\d+)/.exec(line)![1]))
  }
  return arenas
}

const REQUESTS = 300

describe("worker thread memory", () => {
  const start = useAgentServer()

  it.skipIf(process.platform !== "linux")(`no thread arena holds more than 4 MiB after ${REQUESTS} model requests`, async () => {
    const { server } = await start(Array.from({ length: REQUESTS }, (_, n) => MockTurn.message(`answer ${n}`)))
    for (let n = 0; n < REQUESTS; n++) {
      const answer = await server.request("tools/call", { name: "codex", arguments: { prompt: `task ${n}` } })
      expect(answer.result.content).toEqual([{ type: "text", text: `answer ${n}` }])
    }
    const arenas = arenaResidentKiB(server.child.pid!)
    expect(arenas.length).toBeGreaterThan(0)
    expect(Math.max(...arenas)).toBeLessThan(4096)
  }, 120_000)
})
