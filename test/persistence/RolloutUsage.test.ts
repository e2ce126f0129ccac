/**
 * A rollout keeps the conversation's token counts so far: the last `token_count` line wins, whichever
 * program wrote it (our key order, or the Codex CLI's, with its extra fields), and the counts are not
 * history items.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import { createRollout, decodeRollout } from "../../src/persistence/Rollout.js"
import { makeTempDir } from "../support/TempDirs.js"

const home = makeTempDir("codex-rollout-usage-")
const meta = { id: "00000000-0000-4000-8000-000000000001", cwd: "/", model: "m", originator: "test", instructions: null }
const totals = (n: number) => ({ input_tokens: 10 * n, cached_input_tokens: 2 * n, output_tokens: 5 * n, reasoning_output_tokens: 0, total_tokens: 15 * n })

describe("rollout token counts", () => {
  it.effect("reads back the last total recorded, and no history item from it", () =>
    Effect.gen(function*() {
      const writer = createRollout(home, meta)
      writer.append([{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }])
      writer.recordUsage(totals(1))
      writer.recordUsage(totals(2))
      writer.close()
      const loaded = yield* decodeRollout(readFileSync(writer.path, "utf8"))
      expect(loaded!.usage).toEqual(totals(2))
      expect(loaded!.items).toHaveLength(1)
    }))

  it.effect("reads the Codex CLI's token_count lines (another key order, more fields, info null at times)", () =>
    Effect.gen(function*() {
      const lines = [
        JSON.stringify({ type: "session_meta", timestamp: "t", payload: { ...meta, timestamp: "t" } }),
        JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "token_count", info: { total_token_usage: { ...totals(3), cache_write_input_tokens: 0 }, last_token_usage: totals(1) } } }),
        JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "token_count", info: null, rate_limits: null } })
      ]
      const loaded = yield* decodeRollout(lines.join("\n") + "\n")
      expect(loaded!.usage).toEqual(totals(3))
    }))
})

describe("a rollout the Codex CLI wrote", () => {
  it.effect("loads: its session meta without model or instructions, the model from its turn_context, its items and counts", () =>
    Effect.gen(function*() {
      // Recorded from the Codex CLI 0.153.4 (`codex exec "say hi"` against a mock), its long texts shortened.
      const recorded = readFileSync(join(import.meta.dirname, "fixtures/codex-cli-0.153.4-rollout.jsonl"), "utf8")
      const loaded = yield* decodeRollout(recorded)
      expect(loaded!.meta).toMatchObject({ id: "01a25256-7e39-7143-ad61-5beecf6f0efa", cwd: "/tmp", model: "m" })
      const texts = loaded!.items.flatMap((item) => item.type === "message" ? item.content.map((part) => `${item.role}: ${"text" in part ? part.text : ""}`) : [])
      expect(texts).toContain("user: say hi")
      expect(texts).toContain("assistant: hi there")
      expect(loaded!.usage?.total_tokens).toBe(15)
    }))
})
