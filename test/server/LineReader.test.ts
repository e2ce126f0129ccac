/**
 * `readLines` framing with a small cap: lines across chunk boundaries, empty lines, a final line
 * without newline, CRLF, oversized lines (reported once, with their size, and followed by the next
 * line), multi-byte UTF-8 split across chunks, and a read error ending the stream like EOF.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { type IncomingLine, MAX_LINE_BYTES, readLines } from "../../src/server/LineReader.js"

const MAX = 16

const linesOf = (chunks: ReadonlyArray<string | Buffer>, maxBytes = MAX) =>
  readLines(Stream.fromIterable(chunks.map((chunk) => typeof chunk === "string" ? Buffer.from(chunk) : chunk)), maxBytes).pipe(
    Stream.runCollect
  )

const line = (text: string): IncomingLine => ({ _tag: "Line", text })
const oversized = (bytes: number): IncomingLine => ({ _tag: "Oversized", bytes })

/** Every byte of `text` as its own chunk. */
const byteByByte = (text: string) => [...Buffer.from(text)].map((byte) => Buffer.from([byte]))

describe("readLines", () => {
  const table: ReadonlyArray<readonly [string, ReadonlyArray<string | Buffer>, ReadonlyArray<IncomingLine>]> = [
    ["nothing", [], []],
    ["one line", ["a\n"], [line("a")]],
    ["several lines in one chunk", ["a\nb\nc\n"], [line("a"), line("b"), line("c")]],
    ["a line split across chunks", ["ab", "c\nde", "f\n"], [line("abc"), line("def")]],
    ["a newline alone in its chunk", ["abc", "\n", "d\n"], [line("abc"), line("d")]],
    ["a line delivered byte by byte", byteByByte("hello\nworld\n"), [line("hello"), line("world")]],
    ["empty lines are reported as empty", ["\n\na\n\n"], [line(""), line(""), line("a"), line("")]],
    ["a final line without newline", ["a\nlast"], [line("a"), line("last")]],
    ["a final line split across chunks without newline", ["a\nla", "st"], [line("a"), line("last")]],
    // Current behaviour: only \n separates lines; the \r stays in the text (JSON.parse treats it as whitespace).
    ["CRLF keeps the carriage return", ["a\r\nb\r\n"], [line("a\r"), line("b\r")]],
    ["a bare CR does not end a line", ["a\rb\n"], [line("a\rb")]],
    ["a line of exactly the cap", ["0123456789abcdef\n"], [line("0123456789abcdef")]],
    ["a line one byte over the cap, in one chunk", ["0123456789abcdefX\nok\n"], [oversized(17), line("ok")]],
    ["an oversized line across chunks is reported once with its total size", ["0123456789", "0123456789", "01234\nok\n"], [
      oversized(25),
      line("ok")
    ]],
    ["an oversized line that never ends", ["0123456789", "0123456789", "0123456789"], [oversized(30)]],
    ["an oversized line between normal ones", ["a\n", "x".repeat(40), "\nb\n"], [line("a"), oversized(40), line("b")]],
    ["two oversized lines in a row", ["x".repeat(20) + "\n" + "y".repeat(30) + "\n"], [oversized(20), oversized(30)]],
    ["an oversized line followed by an empty one", ["x".repeat(20) + "\n\n"], [oversized(20), line("")]],
    ["the cap counts bytes, not characters", ["ééééééééé\n"], [oversized(18)]],
    ["multi-byte characters up to the cap are kept", ["éééééééé\n"], [line("éééééééé")]]
  ]

  it.effect.each(table)("%s", ([_name, chunks, expected]) =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* linesOf(chunks), expected)
    }))

  it.effect("decodes UTF-8 split inside a character at every possible boundary", () =>
    Effect.gen(function*() {
      const text = "a€😀é"
      const bytes = Buffer.from(`${text}\n`)
      for (let cut = 1; cut < bytes.length; cut++) {
        const lines = yield* linesOf([bytes.subarray(0, cut), bytes.subarray(cut)])
        assert.deepStrictEqual(lines, [line(text)], `cut at byte ${cut}`)
      }
      assert.deepStrictEqual(yield* linesOf(byteByByte(`${text}\n`)), [line(text)])
    }))

  it.effect("keeps a line that is exactly the cap even when it arrives in pieces", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* linesOf(["01234567", "89abcdef", "\n"]), [line("0123456789abcdef")])
      assert.deepStrictEqual(yield* linesOf(["01234567", "89abcdef", "g\n"]), [oversized(17)])
    }))

  it.effect("ends like EOF on a read error, keeping the lines read before it", () =>
    Effect.gen(function*() {
      // The first read delivers two lines and part of a third; the next read fails.
      const input = Stream.make(Buffer.from("one\ntwo\npart")).pipe(Stream.concat(Stream.fail(new Error("EIO"))))
      assert.deepStrictEqual(yield* readLines(input, MAX).pipe(Stream.runCollect), [line("one"), line("two")])
    }))

  it("caps lines at 16 MiB by default", () => {
    assert.strictEqual(MAX_LINE_BYTES, 16 * 1024 * 1024)
  })
})
