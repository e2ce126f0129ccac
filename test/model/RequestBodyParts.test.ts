/** The streamed request body: the same JSON as serialising the whole body, each history item encoded once. */
import { assert, describe, it } from "@effect/vitest"
import { inChunks, jsonBodyParts } from "../../src/model/RequestBodyParts.js"

const text = (parts: ReadonlyArray<Uint8Array>) => new TextDecoder().decode(Buffer.concat(parts))

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
    assert.deepStrictEqual(JSON.parse(text(jsonBodyParts({ model: "m" }, "input", [], (item) => item))), { model: "m", input: [] })
    assert.deepStrictEqual(JSON.parse(text(jsonBodyParts({}, "input", [{ a: 1 }], (item) => item))), { input: [{ a: 1 }] })
  })

  it("encodes each item once: a later request reuses the bytes of the items it resends", () => {
    const history = [{ turn: 1 }, { turn: 2 }]
    let encoded = 0
    const toWire = (item: object) => {
      encoded++
      return item
    }
    const first = jsonBodyParts({ model: "m" }, "input", history, toWire)
    const second = jsonBodyParts({ model: "m" }, "input", [...history, { turn: 3 }], toWire)
    assert.strictEqual(encoded, 3)
    assert.strictEqual(second[1], first[1])
    assert.deepStrictEqual(JSON.parse(text(second)).input, [{ turn: 1 }, { turn: 2 }, { turn: 3 }])
  })

  it("inChunks copies the parts into chunks of the given size, the last one shorter, with the same bytes", () => {
    const parts = jsonBodyParts({ model: "m" }, "input", Array.from({ length: 50 }, (_, n) => ({ n, text: "é".repeat(n) })), (item) => item)
    const total = parts.reduce((sum, part) => sum + part.length, 0)
    const chunks = inChunks(parts, 100)
    assert.strictEqual(chunks.length, Math.ceil(total / 100))
    assert.deepStrictEqual(chunks.slice(0, -1).map((chunk) => chunk.length), chunks.slice(0, -1).map(() => 100))
    assert.strictEqual(text(chunks), text(parts))
    assert.strictEqual(text(inChunks(parts, 1 << 20)), text(parts))
    assert.strictEqual(inChunks(parts, 1 << 20).length, 1)
  })
})
