/**
 * A JSON request body whose big array (the history resent with every request) is serialised one item at
 * a time and each item only once. History items never change, so each one's JSON bytes are kept beside
 * it (a `WeakMap`, dropped with the item) and every later request reuses them: a turn encodes only what
 * it added, instead of building and encoding the whole history as one string per request, which for a
 * long conversation is megabytes of garbage per turn.
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
