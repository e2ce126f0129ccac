/**
 * Line diffs as unified-diff hunks (`@@ -a,b +c,d @@`), from a Myers shortest edit script. Used for
 * the `unified_diff` of a patch's changes (1 line of context, as the reference shows them) and for
 * the turn's git-style diff (3 lines).
 */

type Edit = { readonly op: " " | "-" | "+"; readonly line: string }

/**
 * The shortest edit script from `a` to `b` (Myers, O((N+M)·D) time). For backtracking only the
 * window of V that step d can read (diagonals -d-1..d+1) is kept, so memory is O(D²), not O((N+M)·D).
 */
const editScript = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): Array<Edit> => {
  const n = a.length
  const m = b.length
  const max = n + m
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Array<Int32Array> = []
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2))
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) break outer
    }
  }
  const edits: Array<Edit> = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const window = trace[d]!
    /** V[k] as it was when step d started; the window starts at diagonal -d-1. */
    const at = (k: number) => window[k + d + 1]!
    const k = x - y
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1
    const prevX = at(prevK)
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      edits.push({ op: " ", line: a[--x]! })
      y--
    }
    if (d > 0) {
      if (x === prevX) edits.push({ op: "+", line: b[--y]! })
      else edits.push({ op: "-", line: a[--x]! })
    }
  }
  return edits.reverse()
}

/** `start,count` as diff prints it: `start` alone for one line, the line before for none. */
const range = (start: number, count: number) =>
  count === 1 ? `${start}` : count === 0 ? `${start - 1},0` : `${start},${count}`

/** Hunks only (no file headers); `""` when the texts are equal. Lines are compared without their newline. */
export const unifiedDiffHunks = (oldText: string, newText: string, context: number): string => {
  const split = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"))
  const edits = editScript(split(oldText), split(newText))
  const changed = edits.map((edit, index) => (edit.op === " " ? -1 : index)).filter((index) => index >= 0)
  if (changed.length === 0) return ""
  let out = ""
  let i = 0
  while (i < changed.length) {
    let start = Math.max(0, changed[i]! - context)
    let end = Math.min(edits.length, changed[i]! + context + 1)
    while (i + 1 < changed.length && changed[i + 1]! - context <= end) {
      i++
      end = Math.min(edits.length, changed[i]! + context + 1)
    }
    let oldStart = 1
    let newStart = 1
    for (let e = 0; e < start; e++) {
      if (edits[e]!.op !== "+") oldStart++
      if (edits[e]!.op !== "-") newStart++
    }
    const slice = edits.slice(start, end)
    const oldCount = slice.filter((edit) => edit.op !== "+").length
    const newCount = slice.filter((edit) => edit.op !== "-").length
    out += `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n`
    for (const edit of slice) out += `${edit.op}${edit.line}\n`
    start = end
    i++
  }
  return out
}
