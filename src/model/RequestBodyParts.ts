/**
 * A JSON request body whose big array (the history resent with every request) is serialised one item at
 * a time and each item only once. History items never change, so each one's JSON bytes are kept beside
 * it (a `WeakMap`, dropped with the item) and every later request reuses them: a turn encodes only what
 * it added, instead of building and encoding the whole history as one string per request, which for a
 * long conversation is megabytes of garbage per turn.
 *
 * The parts are sent copied into 64 KiB chunks (`inChunks`): a stream of one part per item and comma costs
 * fetch a promise, a read and a socket write per part, ~2 KiB of garbage each (a 250-item history: 2.3 MB a
 * request, against 0.7 MB in chunks; the copy itself is the history's size, in a few short-lived buffers).
 */
const encoder = new TextEncoder()
const itemBytes = new WeakMap<object, Uint8Array<ArrayBuffer>>()
const COMMA = encoder.encode(",")
const CLOSE = encoder.encode("]}")

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
  const head = JSON.stringify(rest)
  const parts = [encoder.encode(`${head.slice(0, -1)}${head === "{}" ? "" : ","}${JSON.stringify(key)}:[`)]
  items.forEach((item, index) => {
    let bytes = itemBytes.get(item)
    if (bytes === undefined) {
      bytes = encoder.encode(JSON.stringify(toWire(item)))
      itemBytes.set(item, bytes)
    }
    if (index > 0) parts.push(COMMA)
    parts.push(bytes)
  })
  parts.push(CLOSE)
  return parts
}

/** Fetch writes each chunk of a streamed body to the socket in one call. */
export const BODY_CHUNK_BYTES = 64 * 1024

/** The bytes of `parts` copied into chunks of `size` bytes (the last one shorter). */
export const inChunks = (parts: ReadonlyArray<Uint8Array>, size: number): Array<Uint8Array<ArrayBuffer>> => {
  let remaining = parts.reduce((sum, part) => sum + part.length, 0)
  const chunks: Array<Uint8Array<ArrayBuffer>> = []
  let chunk = new Uint8Array(Math.min(size, remaining))
  let at = 0
  for (const part of parts) {
    let from = 0
    while (from < part.length) {
      const n = Math.min(chunk.length - at, part.length - from)
      chunk.set(n === part.length ? part : part.subarray(from, from + n), at)
      at += n
      from += n
      if (at === chunk.length) {
        chunks.push(chunk)
        remaining -= at
        chunk = new Uint8Array(Math.min(size, remaining))
        at = 0
      }
    }
  }
  return chunks
}
