/**
 * Table tests for `seekSequence`: the four passes (exact, trailing
 * whitespace, trimmed, Unicode punctuation folded), the start index, EOF anchoring, the empty
 * pattern and a pattern longer than the file.
 */
import { describe, expect, it } from "vitest"
import { seekSequence } from "../../src/agent/patch/SeekSequence.js"

type Case = readonly [name: string, lines: ReadonlyArray<string>, pattern: ReadonlyArray<string>, start: number, eof: boolean, expected: number | undefined]

describe("seekSequence", () => {
  it.each<Case>([
    ["exact match at the start", ["a", "b", "c"], ["a", "b"], 0, false, 0],
    ["exact match in the middle", ["a", "b", "c", "d"], ["b", "c"], 0, false, 1],
    ["first of two exact matches", ["x", "y", "x", "y"], ["x", "y"], 0, false, 0],
    ["start index skips an earlier match", ["x", "y", "x", "y"], ["x", "y"], 1, false, 2],
    ["nothing at or after the start index", ["x", "y", "z"], ["x"], 1, false, undefined],
    ["no match at all", ["a", "b"], ["c"], 0, false, undefined],
    ["trailing whitespace in the file", ["a  ", "b\t"], ["a", "b"], 0, false, 0],
    ["trailing whitespace in the pattern", ["a", "b"], ["a ", "b  "], 0, false, 0],
    ["leading whitespace differs (trimmed pass)", ["    a", "\tb"], ["a", "  b"], 0, false, 0],
    ["an exact match wins over an earlier fuzzy one", ["  a", "a"], ["a"], 0, false, 1],
    ["a later whitespace-only match wins over an earlier Unicode one", ["x – y", "x - y "], ["x - y"], 0, false, 1],
    ["en dash in the file", ["x \u2013 y"], ["x - y"], 0, false, 0],
    ["em dash, minus sign and hyphen", ["\u2014\u2212\u2010"], ["---"], 0, false, 0],
    ["curly single quotes", ["it\u2019s \u2018ok\u2019"], ["it's 'ok'"], 0, false, 0],
    ["curly double quotes", ["say \u201Chi\u201D"], ["say \"hi\""], 0, false, 0],
    ["Unicode in the pattern, ASCII in the file", ["say \"hi\" - 'x'"], ["say \u201Chi\u201D \u2013 \u2018x\u2019"], 0, false, 0],
    ["non-breaking space", ["a\u00A0b"], ["a b"], 0, false, 0],
    ["narrow NBSP, em space and ideographic space", ["a\u202Fb\u2003c\u3000d"], ["a b c d"], 0, false, 0],
    ["a different character is not folded", ["a\u2026b"], ["a...b"], 0, false, undefined],
    ["EOF anchors at the last lines", ["x", "y", "x", "y"], ["x", "y"], 0, true, 2],
    ["EOF fails when the pattern is not at the end", ["x", "y", "z"], ["x", "y"], 0, true, undefined],
    ["EOF anchoring ignores the start index", ["a", "b", "c"], ["c"], 0, true, 2],
    ["EOF with fuzzy whitespace", ["a", "b  "], ["b"], 0, true, 1],
    ["empty pattern matches at the start index", ["a", "b"], [], 1, false, 1],
    ["empty pattern on an empty file", [], [], 0, false, 0],
    ["empty pattern with EOF still answers the start", ["a", "b"], [], 0, true, 0],
    ["pattern longer than the file", ["a"], ["a", "b"], 0, false, undefined],
    ["pattern longer than the file, EOF", ["a"], ["a", "a"], 0, true, undefined],
    ["pattern on an empty file", [], ["a"], 0, false, undefined],
    ["pattern as long as the file", ["a", "b"], ["a", "b"], 0, true, 0],
    ["empty lines match empty lines", ["a", "", "b"], ["", "b"], 0, false, 1]
  ])("%s", (_, lines, pattern, start, eof, expected) => {
    expect(seekSequence(lines, pattern, start, eof)).toBe(expected)
  })
})
