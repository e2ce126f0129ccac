import { describe, expect, it } from "vitest"
import { makeSlackCheck, MAX_LIVE_BYTES } from "../../src/services/TurnEndCollection.js"

/** An old generation that grows by what the test says and drops to `live` when collected. */
const fakeGeneration = (live: number) => {
  let used = live
  let collections = 0
  return {
    generation: { used: () => used, collect: () => void (collections++, used = live) },
    grow: (bytes: number) => void (used += bytes),
    setUsed: (bytes: number) => void (used = bytes),
    collections: () => collections
  }
}

const MiB = 1024 * 1024

describe("the old generation's slack between turns", () => {
  it("collects once the old generation holds more than the slack above its low mark, then starts again from what is left", () => {
    const heap = fakeGeneration(10 * MiB)
    const check = makeSlackCheck(heap.generation, 2 * MiB)
    expect(check()).toEqual({ collected: false })
    heap.grow(2 * MiB)
    expect(check()).toEqual({ collected: false })
    heap.grow(1)
    expect(check()).toEqual({ collected: true, before: 12 * MiB + 1, after: 10 * MiB })
    expect(heap.collections()).toBe(1)
    heap.grow(MiB)
    expect(check()).toEqual({ collected: false })
    expect(heap.collections()).toBe(1)
  })

  it("counts from V8's own collections too: a drop it did not cause lowers the mark", () => {
    const heap = fakeGeneration(10 * MiB)
    const check = makeSlackCheck(heap.generation, 2 * MiB)
    heap.setUsed(16 * MiB)
    check() // over the first mark (16 - 16 = 0): nothing yet
    heap.setUsed(11 * MiB) // V8 collected by itself
    expect(check()).toEqual({ collected: false })
    heap.setUsed(13 * MiB + 1)
    expect(check()).toMatchObject({ collected: true, before: 13 * MiB + 1 })
  })

  it("leaves a heap past MAX_LIVE_BYTES of live data to V8: a forced collection there would pause the server too long", () => {
    const heap = fakeGeneration(MAX_LIVE_BYTES + 1)
    const check = makeSlackCheck(heap.generation, 2 * MiB)
    check()
    heap.grow(64 * MiB)
    expect(check()).toEqual({ collected: false })
    expect(heap.collections()).toBe(0)
  })
})
