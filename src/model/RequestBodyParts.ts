/**
 * A JSON request body whose big array (the history resent with every request) is encoded once per item.
 * History items never change, so a conversation's items are encoded into an append-only log of byte slabs
 * (`ItemLog`), kept beside the history (a `WeakMap` on its first item, dropped with it), and every later
 * request sends views of those slabs: a turn encodes only what it added, and a request allocates no copy
 * of the history at all, neither a whole-history string nor chunk buffers.
 *
 * Why slabs and not one buffer per item or a copy per request (docs/performance.md): a stream of one part
 * per item costs fetch a promise, a read and a socket write per part, and copying the parts into 64 KiB
 * chunks per request left megabytes of chunks per request waiting for a garbage collection and the malloc
 * heap fragmented by them. Views of 64 KiB slabs are the same few chunks with nothing copied.
 */
const encoder = new TextEncoder()
const COMMA = 0x2c
const CLOSE = encoder.encode("]}")

/** The slabs' size once a log has grown: fetch writes each chunk of a streamed body to the socket in one call. */
export const SLAB_BYTES = 64 * 1024
/** A log's first slab; each next one doubles up to `SLAB_BYTES`, so a short conversation keeps little. */
const FIRST_SLAB_BYTES = 4 * 1024

/**
 * The items of one history, each as JSON followed by a comma, in slabs written once and never changed
 * after: bytes already handed to a request stay valid while later items are appended behind them.
 */
class ItemLog {
  /** The items encoded so far, in order. */
  readonly items: Array<object>
  /** Where each item's JSON ends (before its comma), as an offset into the log. */
  readonly ends: Array<number>
  /** Filled slabs (views of exactly their written bytes), oldest first. */
  readonly sealed: Array<Uint8Array<ArrayBuffer>>
  /** Bytes in `sealed`. */
  private sealedBytes: number
  /** The slab being filled, which only this log writes to; `used` bytes of it are written. */
  private open: Uint8Array<ArrayBuffer> | undefined = undefined
  private used = 0
  private nextSlabBytes = FIRST_SLAB_BYTES
  /** The last head written before the array, and its bytes. */
  head: { readonly json: string; readonly bytes: Uint8Array<ArrayBuffer> } | undefined = undefined

  constructor(items: Array<object> = [], ends: Array<number> = [], sealed: Array<Uint8Array<ArrayBuffer>> = []) {
    this.items = items
    this.ends = ends
    this.sealed = sealed
    this.sealedBytes = sealed.reduce((sum, slab) => sum + slab.length, 0)
  }

  get length() {
    return this.sealedBytes + this.used
  }

  /** Appends `json` and a comma. */
  append(item: object, json: string) {
    let from = 0
    while (from < json.length) {
      // Room for any one character (at most 4 bytes): encodeInto never splits one, it stops before it.
      if (this.open === undefined || this.open.length - this.used < 4) this.nextSlab()
      const { read, written } = encoder.encodeInto(from === 0 ? json : json.slice(from), this.open!.subarray(this.used))
      this.used += written
      from += read
    }
    this.ends.push(this.length)
    if (this.open === undefined || this.used === this.open.length) this.nextSlab()
    this.open![this.used++] = COMMA
    this.items.push(item)
  }

  /** Seals the slab being filled and opens a new one. */
  private nextSlab() {
    if (this.open !== undefined && this.used > 0) {
      this.sealed.push(this.open.subarray(0, this.used))
      this.sealedBytes += this.used
    }
    this.open = new Uint8Array(this.nextSlabBytes)
    this.used = 0
    this.nextSlabBytes = Math.min(SLAB_BYTES, this.nextSlabBytes * 2)
  }

  /** Views of the log's bytes up to `end`. */
  private viewsUpTo(end: number): Array<Uint8Array<ArrayBuffer>> {
    const views: Array<Uint8Array<ArrayBuffer>> = []
    let at = 0
    for (const slab of this.open === undefined ? this.sealed : [...this.sealed, this.open.subarray(0, this.used)]) {
      if (at >= end) break
      views.push(at + slab.length <= end ? slab : slab.subarray(0, end - at))
      at += slab.length
    }
    return views
  }

  /** Views of the first `count` items' bytes, commas between them, none after the last. */
  bytesOf(count: number): Array<Uint8Array<ArrayBuffer>> {
    return count === 0 ? [] : this.viewsUpTo(this.ends[count - 1]!)
  }

  /** A new log that shares the bytes of this one's first `count` items (and their commas) and appends on its own. */
  prefix(count: number): ItemLog {
    const shared = count === 0 ? [] : this.viewsUpTo(this.ends[count - 1]! + 1)
    return new ItemLog(this.items.slice(0, count), this.ends.slice(0, count), shared)
  }
}

/** Each history's log, on its first item. */
const logs = new WeakMap<object, ItemLog>()

/** The log for `items`: the one kept for their first item, extended with what they add or cut where they part. */
const logFor = <Item extends object>(items: ReadonlyArray<Item>, toWire: (item: Item) => unknown): ItemLog => {
  const first = items[0]!
  let log = logs.get(first) ?? new ItemLog()
  let same = 0
  while (same < items.length && same < log.items.length && log.items[same] === items[same]) same++
  // A history that parts from the log (compaction, rollback, a repaired call, a fork) gets its own log
  // that shares the common prefix's bytes.
  if (same < log.items.length) log = log.prefix(same)
  for (let index = same; index < items.length; index++) log.append(items[index]!, JSON.stringify(toWire(items[index]!)))
  logs.set(first, log)
  return log
}

/**
 * `body` as JSON in parts, with `body[key]` replaced by `items`, each written as `toWire(item)`. The parts
 * concatenate to the same JSON as `JSON.stringify({ ...body, [key]: items.map(toWire) })` but with `key` last.
 */
export const jsonBodyParts = <Item extends object>(
  body: Record<string, unknown>,
  key: string,
  items: ReadonlyArray<Item>,
  toWire: (item: Item) => unknown
): Array<Uint8Array<ArrayBuffer>> => {
  const { [key]: _replaced, ...rest } = body
  const json = JSON.stringify(rest)
  const headJson = `${json.slice(0, -1)}${json === "{}" ? "" : ","}${JSON.stringify(key)}:[`
  if (items.length === 0) return [encoder.encode(headJson), CLOSE]
  const log = logFor(items, toWire)
  // The head (instructions, tools) is the same request after request: its bytes are kept too.
  if (log.head?.json !== headJson) log.head = { json: headJson, bytes: encoder.encode(headJson) }
  return [log.head.bytes, ...log.bytesOf(items.length), CLOSE]
}
