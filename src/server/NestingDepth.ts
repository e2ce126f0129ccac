/**
 * How deep a client's JSON may nest. `JSON.parse` takes any depth, but much that comes after it
 * recurses (schema decoding, JSON → TOML, merging overrides, `JSON.stringify`), so a 10,000-deep
 * `config` would overflow the stack. Params are measured once, iteratively, before they are decoded,
 * and anything deeper than `MAX_PARAMS_DEPTH` is refused with the path to where it gets too deep.
 * The limit is serde_json's default, which the reference server applies to the same input.
 */

/** Nesting levels allowed in a request's params (objects and arrays each count one). */
export const MAX_PARAMS_DEPTH = 128

/** Path segments shown in an error: enough to name the field, not the thousands below it. */
const SHOWN_SEGMENTS = 4

interface Frame {
  readonly value: unknown
  readonly depth: number
  readonly key: string | number | undefined
  readonly parent: Frame | undefined
}

const pathOf = (frame: Frame): Array<string | number> => {
  const path: Array<string | number> = []
  for (let at: Frame | undefined = frame; at !== undefined; at = at.parent) if (at.key !== undefined) path.push(at.key)
  return path.reverse()
}

/** The path to the first value nested deeper than `maxDepth`, or undefined when `value` stays within it. */
export const pathBeyondDepth = (value: unknown, maxDepth: number = MAX_PARAMS_DEPTH): ReadonlyArray<string | number> | undefined => {
  const stack: Array<Frame> = [{ value, depth: 0, key: undefined, parent: undefined }]
  while (stack.length > 0) {
    const frame = stack.pop()!
    if (typeof frame.value !== "object" || frame.value === null) continue
    const depth = frame.depth + 1
    if (depth > maxDepth) return pathOf(frame)
    const entries: Iterable<readonly [string | number, unknown]> = Array.isArray(frame.value)
      ? frame.value.entries()
      : Object.entries(frame.value)
    for (const [key, child] of entries) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth, key, parent: frame })
    }
  }
  return undefined
}

/** `arguments.config.a.a…`: the first segments of a path, as an error names the field. */
export const describePath = (path: ReadonlyArray<string | number>): string => {
  const shown = path.slice(0, SHOWN_SEGMENTS).map((segment, index) =>
    typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${segment}`
  ).join("")
  return path.length > SHOWN_SEGMENTS ? `${shown}…` : shown === "" ? "params" : shown
}
