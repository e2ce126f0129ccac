/**
 * A JSON request body whose big array (the history resent with every request) is serialised a few items
 * at a time, as the body is read: a long conversation then costs no whole-history string or buffer per
 * request, and nothing is kept between requests, so the history items alone hold the conversation's text.
 * (Keeping each item's JSON bytes beside it to reuse them held every turn's text twice: measured in
 * docs/performance.md.)
 */
const encoder = new TextEncoder()

/** Items are encoded into chunks of about this many characters: few writes, no big string. */
const CHUNK_CHARS = 64 * 1024

/**
 * `body` as JSON in parts, with `body[key]` replaced by `items`, each written as `toWire(item)`. The parts
 * concatenate to the same JSON as `JSON.stringify({ ...body, [key]: items.map(toWire) })` but with `key` last.
 * The items are those of the call (a later change to the array does not reach the body); each is serialised
 * only when the reader gets to it.
 */
export const jsonBodyParts = <Item extends object>(
  body: Record<string, unknown>,
  key: string,
  items: ReadonlyArray<Item>,
  toWire: (item: Item) => unknown
): Iterable<Uint8Array<ArrayBuffer>> => {
  const { [key]: _replaced, ...rest } = body
  const head = JSON.stringify(rest)
  const open = `${head.slice(0, -1)}${head === "{}" ? "" : ","}${JSON.stringify(key)}:[`
  const snapshot = items.slice()
  return {
    *[Symbol.iterator]() {
      let pending = open
      for (let index = 0; index < snapshot.length; index++) {
        pending += `${index > 0 ? "," : ""}${JSON.stringify(toWire(snapshot[index]!))}`
        if (pending.length >= CHUNK_CHARS) {
          yield encoder.encode(pending)
          pending = ""
        }
      }
      yield encoder.encode(`${pending}]}`)
    }
  }
}
