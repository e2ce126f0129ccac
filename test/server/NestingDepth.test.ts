/**
 * The nesting bound on params: measured without recursion (so any depth JSON.parse accepts can be
 * measured), the path names the field, and values at the limit pass.
 */
import { describe, expect, it } from "vitest"
import { describePath, MAX_PARAMS_DEPTH, pathBeyondDepth } from "../../src/server/NestingDepth.js"

const nested = (depth: number, leaf: unknown = 1): unknown => JSON.parse(`${'{"a":'.repeat(depth)}${JSON.stringify(leaf)}${"}".repeat(depth)}`)

describe("pathBeyondDepth", () => {
  it.each([
    ["a scalar", 42, undefined],
    ["an empty object", {}, undefined],
    ["objects exactly at the limit", nested(MAX_PARAMS_DEPTH), undefined],
    ["arrays and objects mixed at the limit", nested(MAX_PARAMS_DEPTH - 1, [1, 2]), undefined]
  ])("accepts %s", (_, value, expected) => {
    expect(pathBeyondDepth(value)).toBe(expected)
  })

  it("finds a value one level too deep, with its path", () => {
    const path = pathBeyondDepth({ arguments: { prompt: "x", config: nested(MAX_PARAMS_DEPTH) } })
    expect(path?.slice(0, 3)).toEqual(["arguments", "config", "a"])
    expect(describePath(path!)).toBe("arguments.config.a.a…")
  })

  it("measures 1,000,000 levels without overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`)
    expect(describePath(pathBeyondDepth(deep)!)).toBe("[0][0][0][0]…")
  })

  it("names short paths whole", () => {
    expect(describePath(["config", "x"])).toBe("config.x")
    expect(describePath([])).toBe("params")
  })
})
