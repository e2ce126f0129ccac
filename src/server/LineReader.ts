/**
 * Newline-delimited framing of the incoming byte stream. A line longer than the cap is not buffered:
 * its bytes are skipped up to the next newline and reported once as `Oversized`, so a client cannot
 * grow the server's memory by never sending a newline (see docs/differences.md, Bounded resources).
 */
import type { Readable } from "node:stream"
import { Stream } from "effect"

/** The default cap on one incoming line. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024

export type IncomingLine =
  | { readonly _tag: "Line"; readonly text: string }
  | { readonly _tag: "Oversized"; readonly bytes: number }

async function* splitLines(input: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<IncomingLine> {
  let parts: Array<Buffer> = []
  let size = 0
  let skipping = false
  let skipped = 0

  for await (const chunk of input) {
    let start = 0
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start)
      const end = newline === -1 ? chunk.length : newline
      const piece = chunk.subarray(start, end)
      if (skipping) {
        skipped += piece.length
      } else if (size + piece.length > maxBytes) {
        skipping = true
        skipped = size + piece.length
        parts = []
        size = 0
      } else if (piece.length > 0) {
        parts.push(piece)
        size += piece.length
      }
      if (newline === -1) break
      if (skipping) {
        yield { _tag: "Oversized", bytes: skipped }
        skipping = false
        skipped = 0
      } else {
        const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)).toString("utf8")
        parts = []
        size = 0
        yield { _tag: "Line", text }
      }
      start = newline + 1
    }
  }
  if (skipping) yield { _tag: "Oversized", bytes: skipped }
  else if (size > 0) yield { _tag: "Line", text: Buffer.concat(parts, size).toString("utf8") }
}

/** The lines of `input` until it ends. A read error ends the stream like EOF (as in the reference). */
export const readLines = (input: Readable, maxBytes: number = MAX_LINE_BYTES): Stream.Stream<IncomingLine> =>
  Stream.fromAsyncIterable(splitLines(input, maxBytes), () => undefined).pipe(
    Stream.catch(() => Stream.empty)
  )
