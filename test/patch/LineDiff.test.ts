/**
 * `diffLines`: every edit script it produces turns the old lines into the new ones, it finds the
 * exact changes in large files with many scattered edits, and hard inputs (reversed files, total
 * rewrites, repetitive text) still give valid scripts.
 */
import { describe, expect, it } from "vitest"
import { DELETE, type DiffOp, diffLines, EQUAL, INSERT } from "../../src/agent/patch/LineDiff.js"
import { seededRandom } from "./fixtures.js"

/** Replays `ops` on `a`; throws if an EQUAL pairs different lines. */
const replay = (a: ReadonlyArray<string>, b: ReadonlyArray<string>, ops: ReadonlyArray<DiffOp>): Array<string> => {
  const out: Array<string> = []
  let i = 0
  let j = 0
  for (const op of ops) {
    if (op === EQUAL) {
      if (a[i] !== b[j]) throw new Error(`EQUAL pairs ${JSON.stringify(a[i])} with ${JSON.stringify(b[j])}`)
      out.push(a[i++]!)
      j++
    } else if (op === DELETE) {
      i++
    } else {
      out.push(b[j++]!)
    }
  }
  if (i !== a.length || j !== b.length) throw new Error(`script consumed ${i}/${a.length} old and ${j}/${b.length} new lines`)
  return out
}

const count = (ops: ReadonlyArray<DiffOp>, op: DiffOp) => ops.filter((o) => o === op).length

/** The length of the longest common subsequence, by dynamic programming (small inputs only). */
const lcsLength = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => {
  let previous = new Array<number>(b.length + 1).fill(0)
  for (const line of a) {
    const current = [0]
    for (let j = 0; j < b.length; j++) current.push(line === b[j] ? previous[j]! + 1 : Math.max(previous[j + 1]!, current[j]!))
    previous = current
  }
  return previous[b.length]!
}

describe("diffLines", () => {
  it.each<readonly [string, ReadonlyArray<string>, ReadonlyArray<string>, ReadonlyArray<DiffOp>]>([
    ["equal", ["a", "b"], ["a", "b"], [EQUAL, EQUAL]],
    ["both empty", [], [], []],
    ["all added", [], ["a"], [INSERT]],
    ["all removed", ["a"], [], [DELETE]],
    ["one line replaced", ["a", "b", "c"], ["a", "x", "c"], [EQUAL, DELETE, INSERT, EQUAL]],
    ["a block replaced, deletions first", ["a", "b", "c", "d"], ["a", "x", "y", "d"], [EQUAL, DELETE, DELETE, INSERT, INSERT, EQUAL]],
    ["an insertion between repeated lines", ["x", "x"], ["x", "y", "x"], [EQUAL, INSERT, EQUAL]]
  ])("%s", (_, a, b, ops) => {
    expect(diffLines(a, b)).toEqual(ops)
  })

  it.each(Array.from({ length: 40 }, (_, seed) => [seed]))("random edits replay exactly (seed %i)", (seed) => {
    const random = seededRandom(seed)
    // Small alphabets make repeated lines (Myers territory); large ones make unique lines (anchors).
    const alphabet = seed % 2 === 0 ? 4 : 1000
    const line = () => `l${Math.floor(random() * alphabet)}`
    const a = Array.from({ length: Math.floor(random() * 60) }, line)
    const b = [...a]
    for (let edits = Math.floor(random() * 10); edits > 0; edits--) {
      const at = Math.floor(random() * (b.length + 1))
      if (random() < 0.5 && b.length > 0) b.splice(at, 1)
      else b.splice(at, 0, line())
    }
    const ops = diffLines(a, b)
    expect(replay(a, b, ops)).toEqual(b)
    // Never worse than replacing everything, and never keeping more than a longest common subsequence.
    expect(count(ops, EQUAL)).toBeLessThanOrEqual(lcsLength(a, b))
    if (alphabet === 4) expect(count(ops, EQUAL)).toBe(lcsLength(a, b))
  })

  it("finds exactly the changed lines among 1,000 scattered edits in 20,000 lines", () => {
    const a = Array.from({ length: 20_000 }, (_, n) => `line ${n}`)
    const b = a.map((text, n) => (n % 20 === 10 ? `changed ${n}` : text))
    const ops = diffLines(a, b)
    expect(count(ops, DELETE)).toBe(1000)
    expect(count(ops, INSERT)).toBe(1000)
    expect(replay(a, b, ops)).toEqual(b)
  })

  it("handles a reversed file (no useful anchors) with a valid script", () => {
    const a = Array.from({ length: 5000 }, (_, n) => `line ${n}`)
    const b = [...a].reverse()
    expect(replay(a, b, diffLines(a, b))).toEqual(b)
  })

  it("turns a total rewrite into one delete block and one insert block", () => {
    const a = Array.from({ length: 20_000 }, (_, n) => `old ${n}`)
    const b = Array.from({ length: 20_000 }, (_, n) => `new ${n}`)
    const ops = diffLines(a, b)
    expect(ops.slice(0, 20_000).every((op) => op === DELETE)).toBe(true)
    expect(ops.slice(20_000).every((op) => op === INSERT)).toBe(true)
  })

  it("gives a valid script for large repetitive text", () => {
    const random = seededRandom(99)
    const a = Array.from({ length: 8000 }, () => ["}", "", "  return x", "{"][Math.floor(random() * 4)]!)
    const b = a.flatMap((text, n) => (n % 97 === 0 ? [] : n % 89 === 0 ? [text, "inserted"] : [text]))
    expect(replay(a, b, diffLines(a, b))).toEqual(b)
  })
})
