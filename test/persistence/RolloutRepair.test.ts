/**
 * Reopening a rollout to append: a torn last line is ended first, so it stays a skipped fragment
 * and the next item is a line of its own; a whole last line that only lacks its newline is kept;
 * anything but a regular file is refused. Decoding a large rollout lets the event loop turn.
 */
import { execFileSync } from "node:child_process"
import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import type { ResponseItem } from "../../src/model/ResponseItem.js"
import { createRollout, decodeRollout, reopenRollout } from "../../src/persistence/Rollout.js"
import { makeTempDir } from "../support/TempDirs.js"

const home = makeTempDir("codex-rollout-repair-")

const say = (text: string): ResponseItem => ({ type: "message", role: "user", content: [{ type: "input_text", text }] })
const meta = { id: "00000000-0000-4000-8000-000000000000", cwd: "/", model: "m", originator: "test", instructions: null }
const texts = (path: string) =>
  Effect.runSync(decodeRollout(readFileSync(path, "utf8")))!.items.flatMap((item) =>
    item.type === "message" ? item.content.flatMap((part) => ("text" in part ? [part.text] : [])) : []
  )

const rolloutWith = (...items: ReadonlyArray<string>) => {
  const writer = createRollout(home, { ...meta, id: crypto.randomUUID() })
  writer.append(items.map(say))
  writer.close()
  return writer.path
}

describe("reopenRollout", () => {
  it("ends a torn last line before appending, so only the fragment is lost", () => {
    const path = rolloutWith("kept")
    appendFileSync(path, `{"type":"response_item","timestamp":"x","payload":{"type":"mess`)
    const writer = reopenRollout(path)
    writer.append([say("after the tear")])
    writer.close()
    expect(texts(path)).toEqual(["kept", "after the tear"])
  })

  it("keeps a whole last line that lacks only its newline", () => {
    const path = rolloutWith("kept")
    const whole = JSON.stringify({ type: "response_item", timestamp: "x", payload: say("no newline") })
    appendFileSync(path, whole)
    const writer = reopenRollout(path)
    writer.append([say("next")])
    writer.close()
    expect(texts(path)).toEqual(["kept", "no newline", "next"])
  })

  it("refuses a FIFO without waiting for a reader", () => {
    const fifo = join(home, "fifo.jsonl")
    execFileSync("mkfifo", [fifo])
    expect(() => reopenRollout(fifo)).toThrow(/not a regular file/)
  })
})

describe("decodeRollout", () => {
  it.effect("decodes a large rollout a slice at a time, letting the event loop turn meanwhile", () =>
    Effect.gen(function*() {
      const line = JSON.stringify({ type: "response_item", timestamp: "t", payload: say("x".repeat(4000)) })
      const contents = readFileSync(rolloutWith("first"), "utf8") + Array.from({ length: 8000 }, () => line).join("\n")
      let turns = 0
      let decoding = true
      const turn = () => {
        turns++
        if (decoding) setImmediate(turn)
      }
      setImmediate(turn)
      const loaded = yield* decodeRollout(contents).pipe(Effect.ensuring(Effect.sync(() => (decoding = false))))
      expect(loaded?.items).toHaveLength(8001)
      // ~32 MB in slices of 1 Mi characters: the loop turned between them.
      expect(turns).toBeGreaterThan(16)
    }))
})
