/**
 * The per-event and per-body byte counters that cut a flooding model's stream before the SDK buffers
 * it: events end at a blank line with any of SSE's line ends, and only bytes of the current event count.
 */
import { assert, describe, it } from "@effect/vitest"
import { makeEventCounter } from "../../src/model/SseEventCap.js"

const bytes = (text: string) => new TextEncoder().encode(text)

describe("makeEventCounter", () => {
  it.each([
    { ends: "\n", name: "LF" },
    { ends: "\r\n", name: "CRLF" },
    { ends: "\r", name: "CR" }
  ])("many small events pass, one big event does not ($name)", ({ ends }) => {
    const over = makeEventCounter(16, 1024)
    for (let i = 0; i < 20; i++) assert.isUndefined(over(bytes(`data: ${"x".repeat(10)}${ends}${ends}`)))
    assert.strictEqual(over(bytes(`data: ${"y".repeat(6)}${ends}data: ${"z".repeat(6)}`)), "event")
  })

  it("counts an event across chunks, and the whole body", () => {
    const event = makeEventCounter(10, 1024)
    assert.isUndefined(event(bytes("data: 12")))
    assert.strictEqual(event(bytes("345")), "event")
    const body = makeEventCounter(1024, 50)
    assert.isUndefined(body(bytes("data: 1\n\n".repeat(5))))
    assert.strictEqual(body(bytes("data: 1\n\n".repeat(2))), "body")
  })
})
