/**
 * `shlexJoin` against Rust shlex 1.3 `try_join`: every expected string below was worked
 * out from shlex's chunking rules (unquoted > single > double for the longest prefix, `^` only right
 * after an opening single quote, non-ASCII always quoted, NUL falls back to a raw join).
 */
import { assert, describe, it } from "@effect/vitest"
import { shlexJoin } from "../../src/agent/exec/ShellQuote.js"

describe("shlexJoin", () => {
  it.each<[ReadonlyArray<string>, string]>([
    [["git", "init"], "git init"],
    [["bash", "-lc", "echo hi"], "bash -lc 'echo hi'"],
    [[], ""],
    [[""], "''"],
    [["a", "", "b"], "a '' b"],
    [["@foo:bar/baz.txt+_-]"], "@foo:bar/baz.txt+_-]"],
    [["it's"], "\"it's\""],
    [["'"], "\"'\""],
    [["a\"b"], "'a\"b'"],
    [["'\""], "\"'\\\"\""],
    [["a$b"], "'a$b'"],
    [["`ls`"], "'`ls`'"],
    [["!"], "'!'"],
    [["hello world!"], "'hello world!'"],
    [["\\"], "\"\\\\\""],
    [["a\\b"], "\"a\\\\b\""],
    [["a\\'b"], "\"a\\\\'b\""],
    // A word no single style can hold is cut into chunks, each in the best style for it.
    [["a'b$c"], "\"a'b\"'$c'"],
    [["it's $5"], "\"it's \"'$5'"],
    [["\\$"], "\"\\\\\"'$'"],
    [["$'"], "'$'\"'\""],
    [["^"], "'^'"],
    [["^x"], "'^x'"],
    [["x^y"], "x'^y'"],
    [["a^b^c"], "a'^b''^c'"],
    [["héllo"], "'héllo'"],
    [["日本"], "'日本'"],
    [["a\nb"], "'a\nb'"],
    [["a,b", "{c}", "x=y", "~/x", "*.ts"], "'a,b' '{c}' 'x=y' '~/x' '*.ts'"],
    [["--flag=value"], "'--flag=value'"],
    [["python3", "-c", "print(42)"], "python3 -c 'print(42)'"],
    // A NUL cannot be quoted: the reference falls back to joining the raw words.
    [["foo\0bar", "x y"], "foo\0bar x y"]
  ])("%j → %s", (argv, expected) => {
    assert.strictEqual(shlexJoin(argv), expected)
  })
})
