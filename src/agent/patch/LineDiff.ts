/**
 * A line diff (the edit script from one list of lines to another) that stays fast on large files
 * with many scattered changes. Common prefixes and suffixes are stripped, lines that occur exactly
 * once on both sides anchor the rest (patience diff), and what lies between anchors is diffed with
 * Myers' shortest-edit-script algorithm. Ranges too costly for Myers, or a total work budget spent,
 * become a plain "delete these, insert those" block, which is still a correct diff.
 */

export const EQUAL = 0
export const DELETE = 1
export const INSERT = 2
export type DiffOp = typeof EQUAL | typeof DELETE | typeof INSERT

/** Edit distance beyond which a range is not searched further (the trace grows with its square). */
const MAX_MYERS_DISTANCE = 2048

interface Range {
  readonly aLo: number
  readonly aHi: number
  readonly bLo: number
  readonly bHi: number
}

/** A pending piece of the output, in order: a range to diff, or equal lines to emit. */
type Task = { readonly range: Range } | { readonly equal: number }

class EditScript {
  readonly ops: Array<DiffOp> = []
  /** Comparisons left before every remaining range falls back to a delete/insert block. */
  budget: number

  constructor(readonly a: Int32Array, readonly b: Int32Array) {
    this.budget = 64 * (a.length + b.length) + 1_000_000
  }

  emit(op: DiffOp, count: number) {
    for (let i = 0; i < count; i++) this.ops.push(op)
  }

  replaceBlock({ aLo, aHi, bLo, bHi }: Range) {
    this.emit(DELETE, aHi - aLo)
    this.emit(INSERT, bHi - bLo)
  }
}

/** Lines as integers, equal lines getting the same number, so comparisons are cheap. */
const intern = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): [Int32Array, Int32Array] => {
  const ids = new Map<string, number>()
  const idOf = (line: string) => {
    let id = ids.get(line)
    if (id === undefined) ids.set(line, (id = ids.size))
    return id
  }
  return [Int32Array.from(a, idOf), Int32Array.from(b, idOf)]
}

/** Pairs (i, j) of lines unique in both ranges, then the longest run of them in order on both sides. */
const uniqueAnchors = (script: EditScript, { aLo, aHi, bLo, bHi }: Range): Array<readonly [number, number]> => {
  const { a, b } = script
  const inA = new Map<number, number>()
  for (let i = aLo; i < aHi; i++) inA.set(a[i]!, (inA.get(a[i]!) ?? 0) + 1)
  const inB = new Map<number, number>()
  for (let j = bLo; j < bHi; j++) {
    const id = b[j]!
    if (inA.get(id) === 1) inB.set(id, inB.has(id) ? -1 : j)
  }
  const pairs: Array<readonly [number, number]> = []
  for (let i = aLo; i < aHi; i++) {
    const j = inA.get(a[i]!) === 1 ? inB.get(a[i]!) : undefined
    if (j !== undefined && j >= 0) pairs.push([i, j])
  }
  script.budget -= 2 * (aHi - aLo) + (bHi - bLo)
  // Longest increasing subsequence of j (patience sorting).
  const tails: Array<number> = []
  const previous = new Int32Array(pairs.length).fill(-1)
  for (let p = 0; p < pairs.length; p++) {
    const j = pairs[p]![1]
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (pairs[tails[mid]!]![1] < j) lo = mid + 1
      else hi = mid
    }
    if (lo > 0) previous[p] = tails[lo - 1]!
    tails[lo] = p
  }
  const chain: Array<readonly [number, number]> = []
  for (let p = tails.length > 0 ? tails[tails.length - 1]! : -1; p >= 0; p = previous[p]!) chain.push(pairs[p]!)
  return chain.reverse()
}

/** Myers' greedy algorithm with a trace of the frontier for backtracking (O((N+M)·D) time, O(D²) space). */
const myers = (script: EditScript, range: Range) => {
  const { a, b } = script
  const { aLo, bLo } = range
  const n = range.aHi - aLo
  const m = range.bHi - bLo
  const limit = Math.min(n + m, MAX_MYERS_DISTANCE)
  const offset = limit + 1
  const v = new Int32Array(2 * limit + 3)
  const trace: Array<Int32Array> = []
  let distance = -1
  search: for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2))
    script.budget -= 2 * d + 1
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) {
        distance = d
        break search
      }
    }
  }
  if (distance < 0) return script.replaceBlock(range)
  const reversed: Array<DiffOp> = []
  let x = n
  let y = m
  for (let d = distance; d >= 0; d--) {
    const window = trace[d]!
    /** The frontier on diagonal k before step d (the window starts at diagonal -d-1). */
    const at = (k: number) => window[k + d + 1]!
    const k = x - y
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1
    const prevX = at(prevK)
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      reversed.push(EQUAL)
      x--
      y--
    }
    if (d > 0) {
      if (x === prevX) {
        reversed.push(INSERT)
        y--
      } else {
        reversed.push(DELETE)
        x--
      }
    }
  }
  for (let i = reversed.length - 1; i >= 0; i--) script.ops.push(reversed[i]!)
}

const diffRange = (script: EditScript, range: Range, pending: Array<Task>) => {
  const { a, b } = script
  let { aLo, aHi, bLo, bHi } = range
  const start = aLo
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
    aLo++
    bLo++
  }
  script.emit(EQUAL, aLo - start)
  const end = aHi
  while (aHi > aLo && bHi > bLo && a[aHi - 1] === b[bHi - 1]) {
    aHi--
    bHi--
  }
  // Tasks run last-pushed first, so the suffix goes on before what precedes it.
  if (end > aHi) pending.push({ equal: end - aHi })
  const middle = { aLo, aHi, bLo, bHi }
  if (aLo === aHi || bLo === bHi || script.budget <= 0) return script.replaceBlock(middle)
  const anchors = uniqueAnchors(script, middle)
  if (anchors.length === 0) return myers(script, middle)
  let nextA = aHi
  let nextB = bHi
  for (let p = anchors.length - 1; p >= 0; p--) {
    const [i, j] = anchors[p]!
    pending.push({ range: { aLo: i + 1, aHi: nextA, bLo: j + 1, bHi: nextB } })
    pending.push({ equal: 1 })
    nextA = i
    nextB = j
  }
  pending.push({ range: { aLo, aHi: nextA, bLo, bHi: nextB } })
}

/** Deletions before insertions inside every changed block, as diff tools print them. */
const deletionsFirst = (ops: Array<DiffOp>): Array<DiffOp> => {
  let i = 0
  while (i < ops.length) {
    if (ops[i] === EQUAL) {
      i++
      continue
    }
    let end = i
    let deletes = 0
    while (end < ops.length && ops[end] !== EQUAL) if (ops[end++] === DELETE) deletes++
    for (let p = i; p < end; p++) ops[p] = p - i < deletes ? DELETE : INSERT
    i = end
  }
  return ops
}

/**
 * The edit script turning `a` into `b`: EQUAL consumes a line of both, DELETE a line of `a`,
 * INSERT a line of `b`.
 */
export const diffLines = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): Array<DiffOp> => {
  const [ids, otherIds] = intern(a, b)
  const script = new EditScript(ids, otherIds)
  const pending: Array<Task> = [{ range: { aLo: 0, aHi: a.length, bLo: 0, bHi: b.length } }]
  for (let task = pending.pop(); task !== undefined; task = pending.pop()) {
    if ("equal" in task) script.emit(EQUAL, task.equal)
    else diffRange(script, task.range, pending)
  }
  return deletionsFirst(script.ops)
}
