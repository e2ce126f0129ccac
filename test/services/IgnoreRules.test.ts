/** `.gitignore` pattern rules as git and the reference's walker read them, table-driven. */
import { describe, expect, it } from "vitest"
import { emptyChain, isIgnored, parseIgnoreFile, withFile } from "../../src/services/IgnoreRules.js"

const base = "/repo"
const ignored = (patterns: string, path: string, directory = false) =>
  isIgnored(withFile(emptyChain, "gitignore", parseIgnoreFile(base, patterns)), `${base}/${path}`, directory)

describe("IgnoreRules", () => {
  const cases: ReadonlyArray<readonly [string, string, boolean, boolean?]> = [
    ["*.log", "a.log", true],
    ["*.log", "deep/er/a.log", true],
    ["*.log", "a.logx", false],
    ["/top.txt", "top.txt", true],
    ["/top.txt", "sub/top.txt", false],
    ["sub/x.txt", "sub/x.txt", true],
    ["sub/x.txt", "other/sub/x.txt", false],
    ["build/", "build", true, true],
    ["build/", "build", false, false],
    ["**/cache", "a/b/cache", true, true],
    ["docs/**/*.md", "docs/a/b/c.md", true],
    ["docs/**/*.md", "docs/c.md", true],
    ["logs/**", "logs/a/b", true],
    ["a?c", "abc", true],
    ["a?c", "a/c", false],
    ["[abc].txt", "b.txt", true],
    ["[!abc].txt", "b.txt", false],
    ["[!abc].txt", "d.txt", true],
    ["\\#hash", "#hash", true],
    ["# comment", "# comment", false],
    ["trailing   ", "trailing", true],
    ["*.log\n!keep.log", "keep.log", false],
    ["!keep.log\n*.log", "keep.log", true],
    ["a.b", "axb", false]
  ]
  for (const [patterns, path, expected, directory] of cases) {
    it(`${JSON.stringify(patterns)} ${expected ? "ignores" : "keeps"} ${path}${directory ? "/" : ""}`, () => {
      expect(ignored(patterns, path, directory ?? false)).toBe(expected)
    })
  }

  it("a deeper file overrides a shallower one, and .ignore files override .gitignore files", () => {
    let chain = withFile(emptyChain, "gitignore", parseIgnoreFile("/repo", "*.log\n"))
    chain = withFile(chain, "gitignore", parseIgnoreFile("/repo/keep", "!*.log\n"))
    expect(isIgnored(chain, "/repo/a.log", false)).toBe(true)
    expect(isIgnored(chain, "/repo/keep/a.log", false)).toBe(false)
    chain = withFile(chain, "ignore", parseIgnoreFile("/repo", "keep/b.log\n"))
    expect(isIgnored(chain, "/repo/keep/b.log", false)).toBe(true)
    chain = withFile(chain, "exclude", parseIgnoreFile("/repo", "*.txt\n"))
    expect(isIgnored(chain, "/repo/keep/c.txt", false)).toBe(true)
    expect(isIgnored(chain, "/elsewhere/a.log", false)).toBe(false)
  })
})
