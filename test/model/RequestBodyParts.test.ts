/** The streamed request body: the same JSON as serialising the whole body, items serialised as it is read, nothing kept. */
import { assert, describe, it } from "@effect/vitest"
import { jsonBodyParts } from "../../src/model/RequestBodyParts.js"

const text = (parts: Iterable<Uint8Array>) => new TextDecoder().decode(Buffer.concat([...parts]))

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

  it("serialises items only as the body is read, from the array as it was, and keeps nothing for later requests", () => {
    const history = [{ turn: 1 }, { turn: 2 }]
    let encoded = 0
    const toWire = (item: object) => {
      encoded++
      return item
    }
    const parts = jsonBodyParts({ model: "m" }, "input", history, toWire)
    history.push({ turn: 3 })
    assert.strictEqual(encoded, 0)
    assert.deepStrictEqual(JSON.parse(text(parts)).input, [{ turn: 1 }, { turn: 2 }])
    assert.strictEqual(encoded, 2)
    // A second request serialises its items again: no bytes were kept beside the history.
    assert.deepStrictEqual(JSON.parse(text(jsonBodyParts({ model: "m" }, "input", history, toWire))).input, history)
    assert.strictEqual(encoded, 5)
  })

  it("a long history comes in chunks, none much bigger than 64 KiB", () => {
    const history = Array.from({ length: 200 }, (_, turn) => ({ turn, text: "x".repeat(4096) }))
    const parts = [...jsonBodyParts({ model: "m" }, "input", history, (item) => item)]
    assert.isAbove(parts.length, 10)
    for (const part of parts) assert.isBelow(part.length, 64 * 1024 + 5000)
    assert.deepStrictEqual(JSON.parse(text(parts)).input, history)
  })
})
