/**
 * Newline-delimited framing of an incoming byte stream (stdin for the stdio transport, any
 * `Stream<Uint8Array>` for others). A line longer than the cap is not buffered: its bytes are skipped up
 * to the next newline and reported once as `Oversized`, so a client cannot grow the server's memory by
 * never sending a newline (see docs/differences.md, Bounded resources).
 */
import { Stream } from "effect"

/** The default cap on one incoming line. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024

export type IncomingLine =
  | { readonly _tag: "Line"; readonly text: string }
  | { readonly _tag: "Oversized"; readonly bytes: number }

/** Cuts chunks into lines, keeping at most `maxBytes` of an unfinished line. */
class LineSplitter {
  private parts: Array<Uint8Array> = []
  private size = 0
  private skipping = false
  private skipped = 0

  constructor(private readonly maxBytes: number) {}

  /** The lines `chunk` completes. */
  push(chunk: Uint8Array): Array<IncomingLine> {
    const lines: Array<IncomingLine> = []
    let start = 0
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start)
      const end = newline === -1 ? chunk.length : newline
      const piece = chunk.subarray(start, end)
      if (this.skipping) {
        this.skipped += piece.length
      } else if (this.size + piece.length > this.maxBytes) {
        this.skipping = true
        this.skipped = this.size + piece.length
        this.parts = []
        this.size = 0
      } else if (piece.length > 0) {
        this.parts.push(piece)
        this.size += piece.length
      }
      if (newline === -1) break
      lines.push(this.takeLine())
      start = newline + 1
    }
    return lines
  }

  /** The unfinished line at the end of the input, if any. */
  end(): Array<IncomingLine> {
    return this.skipping || this.size > 0 ? [this.takeLine()] : []
  }

  private takeLine(): IncomingLine {
    if (this.skipping) {
      const bytes = this.skipped
      this.skipping = false
      this.skipped = 0
      return { _tag: "Oversized", bytes }
    }
    const text = Buffer.concat(this.parts, this.size).toString("utf8")
    this.parts = []
    this.size = 0
    return { _tag: "Line", text }
  }
}

/** The lines of `input` until it ends. A read error ends the stream like EOF (as in the reference). */
export const readLines = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  maxBytes: number = MAX_LINE_BYTES
): Stream.Stream<IncomingLine, never, R> =>
  Stream.suspend(() => {
    const splitter = new LineSplitter(maxBytes)
    return input.pipe(
      Stream.map((chunk) => splitter.push(chunk)),
      Stream.flattenIterable,
      Stream.concat(Stream.suspend(() => Stream.fromIterable(splitter.end()))),
      // After the lines already read; an unfinished line is dropped with the failed read.
      Stream.catch(() => Stream.empty)
    )
  })
