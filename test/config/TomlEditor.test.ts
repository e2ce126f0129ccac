/**
 * The in-place TOML editor behind `config/value/write`: the same bytes as the reference's editor for the
 * writes measured on it (fixtures/config-write-reference.jsonl: each line a config.toml, one
 * `config/value/write` sent to `codex app-server` 0.153.4 with CODEX_HOME in a temp dir, and the file it left;
 * the `generated-*` lines are documents like the ones below where our bytes and the reference's agree), and,
 * over many generated documents full of comments, a write changes that key and nothing else.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parse } from "smol-toml"
import { describe, expect, it } from "vitest"
import { isPrefix, scanToml } from "../../src/config/TomlDocument.js"
import { sameValue, withoutEmptyTables, withValueAt, writeTomlValue } from "../../src/config/TomlEditor.js"
import { isJsonTable } from "../../src/config/TomlValueText.js"
import { splitKeyPath } from "../../src/services/ConfigWriter.js"

interface ReferenceCase {
  readonly name: string
  readonly before: string
  readonly keyPath: string
  readonly value: unknown
  readonly mergeStrategy: "replace" | "upsert"
  readonly after: string | null
  readonly error: string | null
}

const referenceCases: Array<ReferenceCase> = readFileSync(join(import.meta.dirname, "fixtures/config-write-reference.jsonl"), "utf8")
  .split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))

// Where the reference turns an edited inline table into a `[table]` (losing its comment), we keep it inline.
const keptInline = (c: ReferenceCase) => c.name === "inline"
// Errors of config validation (not of the editor) are the ConfigWriter's, checked end to end.
const editorError = (c: ReferenceCase) => c.error !== null && (c.error.startsWith("invalid value") || c.error.startsWith("cannot set value"))

describe("writeTomlValue against the reference", () => {
  for (const [index, c] of referenceCases.entries()) {
    if (keptInline(c) || (c.after === null && !editorError(c))) continue
    it(`${c.name} #${index}: ${c.keyPath} = ${JSON.stringify(c.value)} (${c.mergeStrategy})`, () => {
      const path = splitKeyPath(c.keyPath)!
      if (c.after === null) {
        expect(() => writeTomlValue(c.before, path, c.value, c.mergeStrategy)).toThrow(c.error!)
      } else {
        expect(writeTomlValue(c.before, path, c.value, c.mergeStrategy)).toBe(c.after)
      }
    })
  }
})

describe("writeTomlValue", () => {
  it("edits inside an inline table in place and keeps the line's comment", () => {
    const before = "model = \"a\"\nsandbox_workspace_write = { network_access = false, writable_roots = [\"/x\"] } # keep\n"
    expect(writeTomlValue(before, ["sandbox_workspace_write", "network_access"], true, "replace"))
      .toBe("model = \"a\"\nsandbox_workspace_write = { network_access = true, writable_roots = [\"/x\"] } # keep\n")
    expect(writeTomlValue(before, ["sandbox_workspace_write", "writable_roots"], null, "replace"))
      .toBe("model = \"a\"\nsandbox_workspace_write = { network_access = false } # keep\n")
  })

  it("leaves multi-line strings, multi-line arrays, quoted keys and array tables around the written key alone", () => {
    const before = [
      "# head",
      "instructions = \"\"\"",
      "a = 1",
      "[not.a.table]",
      "\"\"\"",
      "literal = '''",
      "b = 2 # not a comment",
      "'''",
      "list = [",
      "  \"x\", # one",
      "  [1, 2], # [nested]",
      "]",
      "\"quoted.key\" = 'v' # c",
      "",
      "[[agents]]",
      "name = \"a\"",
      "",
      "[mcp_servers.\"my.server\"] # s",
      "command = \"c\"",
      ""
    ].join("\n")
    const after = writeTomlValue(before, ["model"], "m", "replace")
    expect(after).toBe(before.replace("\"quoted.key\" = 'v' # c\n", "\"quoted.key\" = 'v' # c\nmodel = \"m\"\n"))
    expect(writeTomlValue(before, ["mcp_servers", "my.server", "command"], "d", "replace")).toBe(before.replace("command = \"c\"", "command = \"d\""))
    expect(writeTomlValue(before, ["quoted.key"], 2, "replace")).toBe(before.replace("\"quoted.key\" = 'v'", "\"quoted.key\" = 2"))
    expect(writeTomlValue(before, ["list"], null, "replace")).not.toContain("nested")
  })

  it("answers as the reference where a generated document found a gap: null under a value, a dotted table replaced whole", () => {
    expect(writeTomlValue("e_1 = -7 # c\n", ["e_1", "gamma"], null, "replace")).toBe("e_1 = -7 # c\n")
    expect(writeTomlValue("# c0\na = 1\ne_1.x = 3.5 # c3\n# c4\n", ["e_1"], { k: { deep: true } }, "replace"))
      .toBe("# c0\na = 1\n\n[e_1]\n\n[e_1.k]\ndeep = true\n# c4\n")
  })

  it("keeps a byte order mark and writes into a document that starts with one", () => {
    expect(writeTomlValue("\uFEFF# c\nmodel = \"a\"\n", ["model"], "b", "replace")).toBe("\uFEFF# c\nmodel = \"b\"\n")
    expect(writeTomlValue("\uFEFFmodel = \"a\"\n", ["model"], null, "replace")).toBe("\uFEFF")
    expect(writeTomlValue("\uFEFF[t]\nk = 1\n", ["model"], "m", "replace")).toBe("\uFEFFmodel = \"m\"\n[t]\nk = 1\n")
  })

  it("refuses a path through a value and a value TOML cannot hold", () => {
    expect(() => writeTomlValue("model = \"a\"\n", ["model", "x"], 1, "replace")).toThrow("cannot set value on non-table parent")
    expect(() => writeTomlValue("", ["x"], [null], "replace")).toThrow("expected any valid TOML value")
    expect(() => writeTomlValue("", ["x"], 1e19, "replace")).toThrow("too large")
  })

  it("splits key paths as the reference: quoted parts may hold dots, empty parts are refused", () => {
    expect(splitKeyPath("mcp_servers.\"my.server\".command")).toEqual(["mcp_servers", "my.server", "command"])
    expect(splitKeyPath("a..b")).toBeUndefined()
    expect(splitKeyPath("a.")).toBeUndefined()
    expect(splitKeyPath("baz unknown")).toEqual(["baz unknown"])
  })
})

/** A small deterministic generator (mulberry32), so a failing document can be replayed from its seed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const KEYS = ["alpha", "beta", "gamma", "de-lta", "e_1", "has space", "dot.ted", "ünï"]
const VALUES = [
  "1", "-7", "3.5", "true", "\"text # not a comment\"", "'lit'", "\"\"\"\nmulti\n[x]\nline\"\"\"", "'''\nraw = 1\n'''",
  "[1, 2, 3]", "[\n  \"a\", # c\n  \"b\",\n]", "{ x = 1, y = \"}\" }", "[]", "1979-05-27T07:32:00Z"
]

const generate = (next: () => number) => {
  const pick = <A>(items: ReadonlyArray<A>) => items[Math.floor(next() * items.length)]!
  const simpleKey = () => {
    const k = pick(KEYS)
    return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)
  }
  const key = () => (next() < 0.2 ? `${simpleKey()} . ${simpleKey()}` : simpleKey())
  const lines: Array<string> = []
  const comments: Array<string> = []
  const comment = () => {
    const text = `# comment ${comments.length} ${pick(["", "[fake]", "x = 1", "\"q\""])}`
    comments.push(text)
    return text
  }
  const body = () => {
    const used = new Set<string>()
    for (let i = Math.floor(next() * 5); i > 0; i--) {
      const k = key()
      if (used.has(k)) continue
      used.add(k)
      if (next() < 0.4) lines.push(comment())
      if (next() < 0.3) lines.push("")
      lines.push(`${k} = ${pick(VALUES)}${next() < 0.4 ? ` ${comment()}` : ""}`)
    }
  }
  body()
  const tables = new Set<string>()
  for (let i = Math.floor(next() * 4); i > 0; i--) {
    const name = next() < 0.5 ? `t${Math.floor(next() * 3)}` : `t${Math.floor(next() * 3)}.${simpleKey()}`
    if (tables.has(name)) continue
    tables.add(name)
    lines.push("")
    if (next() < 0.5) lines.push(comment())
    lines.push(`[${name}]${next() < 0.3 ? ` ${comment()}` : ""}`)
    body()
  }
  if (next() < 0.5) lines.push(comment())
  return { text: `${lines.join("\n")}\n`, comments }
}

const WRITTEN: ReadonlyArray<unknown> = [7, "new # value", "two\nlines", "back\\slash", ["a", 1], { k: 1 }, { k: { deep: true } }, null, false]

const merge = (into: unknown, from: unknown): unknown => {
  if (!isJsonTable(into) || !isJsonTable(from)) return from
  const result: Record<string, unknown> = { ...into }
  for (const [key, value] of Object.entries(from)) result[key] = merge(result[key], value)
  return result
}

const valueAt = (table: unknown, path: ReadonlyArray<string>) =>
  path.reduce<unknown>((value, key) => (isJsonTable(value) ? value[key] : undefined), table)

describe("writeTomlValue over generated documents", () => {
  it("changes only the written key and keeps every comment not attached to what is removed, for 3,000 documents", () => {
    let checked = 0
    for (let seed = 1; seed <= 3000; seed++) {
      const next = random(seed)
      const { text, comments } = generate(next)
      let before: Record<string, unknown>
      try {
        before = parse(text)
      } catch {
        continue // a generated document that defines a table twice: not TOML, not a case
      }
      const existing = Object.keys(before)
      const path = next() < 0.5 && existing.length > 0
        ? [existing[Math.floor(next() * existing.length)]!, ...(next() < 0.5 ? [KEYS[Math.floor(next() * KEYS.length)]!] : [])]
        : [`t${Math.floor(next() * 4)}`, KEYS[Math.floor(next() * KEYS.length)]!]
      const value = WRITTEN[Math.floor(next() * WRITTEN.length)]
      const strategy = next() < 0.5 ? "replace" : "upsert"
      const context = () => `seed ${seed}: ${path.join(".")} = ${JSON.stringify(value)} (${strategy})\n${text}\n---\n${after}`
      let after = ""
      try {
        after = writeTomlValue(text, path, value, strategy)
      } catch (error) {
        // Only a path through a value may be refused.
        expect(String(error), context()).toContain("non-table parent")
        continue
      }
      const old = valueAt(before, path)
      const expected = value === null
        ? (old === undefined ? before : withValueAt(before, path, undefined))
        : withValueAt(before, path, strategy === "upsert" ? merge(old, value) : value)
      expect(sameValue(withoutEmptyTables(parse(after)), withoutEmptyTables(expected)), context()).toBe(true)
      // The comments of statements under the written path may go with them; every other one stays, in order.
      const document = scanToml(text)
      const removable = new Set(comments.filter((comment) => {
        const at = text.indexOf(comment)
        return document.statements.some((st) => isPrefix(path, st.path) && st.prefixStart <= at && at < st.end)
      }))
      let from = 0
      for (const comment of comments) {
        if (removable.has(comment)) continue
        const at = after.indexOf(comment, from)
        expect(at, `${comment} kept, ${context()}`).toBeGreaterThanOrEqual(0)
        from = at + comment.length
      }
      checked++
    }
    expect(checked).toBeGreaterThan(1500)
  })
})
