/** The streamed request body: the same JSON as serialising the whole body, each history item encoded once. */
import { assert, describe, it } from "@effect/vitest"
import { jsonBodyParts, SLAB_BYTES } from "../../src/model/RequestBodyParts.js"

const text = (parts: ReadonlyArray<Uint8Array>) => new TextDecoder().decode(Buffer.concat(parts))
const same = (item: object) => item

describe("jsonBodyParts", () => {
  it("concatenates to the JSON of the body with the array last, items as written by toWire", () => {
    const items = [{ n: 1, drop: "x" }, { n: 2, drop: "y" }, { n: 3, text: "quote \" and \u2028 and é" }]
    const body = { model: "m", input: "replaced", stream: true, tools: [{ type: "function" }] }
    const toWire = ({ drop: _drop, ...rest }: Record<string, unknown>) => rest
    const parts = jsonBodyParts(body, "input", items, toWire)
    assert.deepStrictEqual(JSON.parse(text(parts)), { ...body, input: items.map(toWire) })
    assert.strictEqual(text(parts), JSON.stringify({ model: "m", stream: true, tools: [{ type: "function" }], input: items.map(toWire) }))
  })

  it("an empty array and a body with nothing else are still valid JSON", () => {
    assert.deepStrictEqual(JSON.parse(text(jsonBodyParts({ model: "m" }, "input", [], same))), { model: "m", input: [] })
    assert.deepStrictEqual(JSON.parse(text(jsonBodyParts({}, "input", [{ a: 1 }], same))), { input: [{ a: 1 }] })
  })

  it("encodes each item once: a later request reuses the bytes of the items it resends", () => {
    const history = [{ turn: 1 }, { turn: 2 }]
    let encoded = 0
    const toWire = (item: object) => {
      encoded++
      return item
    }
    jsonBodyParts({ model: "m" }, "input", history, toWire)
    const second = jsonBodyParts({ model: "m" }, "input", [...history, { turn: 3 }], toWire)
    assert.strictEqual(encoded, 3)
    assert.deepStrictEqual(JSON.parse(text(second)).input, [{ turn: 1 }, { turn: 2 }, { turn: 3 }])
  })

  it("a request copies nothing: its parts are views of the slabs earlier requests sent, plus the new items' bytes", () => {
    const history: Array<object> = []
    const sentBuffers = new Set<ArrayBufferLike>()
    let newBytes = 0
    for (let turn = 0; turn < 200; turn++) {
      history.push({ role: "user", text: `${turn} `.padEnd(2048, "é") }, { role: "assistant", text: `${turn} `.padEnd(2048, "x") })
      const parts = jsonBodyParts({ model: "m", instructions: "be brief" }, "input", history, same)
      assert.deepStrictEqual(JSON.parse(text(parts)).input, history)
      // The history's bytes come in slab-sized parts (after the first few, smaller ones), not one part per item.
      assert.isAtMost(parts.length, Math.ceil(parts.reduce((sum, part) => sum + part.length, 0) / SLAB_BYTES) + 6)
      for (const part of parts.slice(1, -1)) {
        if (!sentBuffers.has(part.buffer)) newBytes += part.buffer.byteLength
        sentBuffers.add(part.buffer)
      }
    }
    // ~6 KiB of JSON a turn (é is two bytes): the slabs hold each byte once (less than 2 slabs of slack).
    const historyBytes = Buffer.byteLength(JSON.stringify(history))
    assert.isAtMost(newBytes, historyBytes + 2 * SLAB_BYTES)
  })

  it("the bytes handed to a request never change, whatever later requests send", () => {
    const a = { n: 1 }
    const b = { n: 2 }
    const first = jsonBodyParts({ model: "m" }, "input", [a, b], same)
    const before = text(first)
    // A rollback, a repaired call and a compaction: each history parts from the last one sent.
    const rolledBack = jsonBodyParts({ model: "m" }, "input", [a, { n: "other" }], same)
    const longer = jsonBodyParts({ model: "m" }, "input", [a, { n: "other" }, { n: 3 }], same)
    const compacted = jsonBodyParts({ model: "m" }, "input", [{ summary: "s" }], same)
    assert.strictEqual(text(first), before)
    assert.deepStrictEqual(JSON.parse(text(rolledBack)).input, [{ n: 1 }, { n: "other" }])
    assert.deepStrictEqual(JSON.parse(text(longer)).input, [{ n: 1 }, { n: "other" }, { n: 3 }])
    assert.deepStrictEqual(JSON.parse(text(compacted)).input, [{ summary: "s" }])
    // The first history goes on from where it was: its log was not overwritten by the others.
    assert.deepStrictEqual(JSON.parse(text(jsonBodyParts({ model: "m" }, "input", [a, b, { n: 4 }], same))).input, [{ n: 1 }, { n: 2 }, { n: 4 }])
    assert.strictEqual(text(first), before)
  })

  it("items larger than a slab, and multi-byte characters at slab edges, come out whole", () => {
    const history: Array<object> = []
    for (let n = 0; n < 12; n++) {
      // Odd lengths of 2-, 3- and 4-byte characters, so slab edges fall inside characters.
      history.push({ text: "é".repeat(7_001 * n + 1) + "€".repeat(13_003) + "😀".repeat(5_003 + n) })
      assert.deepStrictEqual(JSON.parse(text(jsonBodyParts({ model: "m" }, "input", history, same))).input, history)
    }
  })

  it("the head (instructions, tools) is encoded again only when it changes", () => {
    const history = [{ n: 1 }]
    const first = jsonBodyParts({ model: "m", instructions: "x".repeat(10_000) }, "input", history, same)
    const second = jsonBodyParts({ model: "m", instructions: "x".repeat(10_000) }, "input", [...history, { n: 2 }], same)
    const changed = jsonBodyParts({ model: "m2", instructions: "y" }, "input", [...history, { n: 2 }], same)
    assert.strictEqual(second[0], first[0])
    assert.deepStrictEqual(JSON.parse(text(changed)), { model: "m2", instructions: "y", input: [{ n: 1 }, { n: 2 }] })
  })
})
