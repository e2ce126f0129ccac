/**
 * `parseApplyPatchInvocation`: which shell calls are patches, the patch text they
 * carry, and the `cd <dir> &&` working directory; everything else is left to run as a command.
 */
import { describe, expect, it } from "vitest"
import { invocationCwd, parseApplyPatchInvocation } from "../../src/agent/patch/PatchInvocation.js"

const PATCH = "*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch"
const heredoc = (prefix: string, opener = "<<'EOF'", delimiter = "EOF", suffix = "\n") =>
  `${prefix}apply_patch ${opener}\n${PATCH}\n${delimiter}${suffix}`

describe("recognised invocations", () => {
  it.each<readonly [string, ReadonlyArray<string>, string, string | undefined]>([
    ["apply_patch with the patch as its argument", ["apply_patch", PATCH], PATCH, undefined],
    ["applypatch with the patch as its argument", ["applypatch", `${PATCH}\n`], `${PATCH}\n`, undefined],
    ["bash -lc with a quoted heredoc", ["bash", "-lc", heredoc("")], PATCH, undefined],
    ["bash -c", ["bash", "-c", heredoc("")], PATCH, undefined],
    ["sh -lc and zsh -lc", ["zsh", "-lc", heredoc("")], PATCH, undefined],
    ["a shell named by its full path", ["/bin/bash", "-lc", heredoc("")], PATCH, undefined],
    ["a double-quoted delimiter", ["bash", "-lc", heredoc("", "<<\"EOF\"")], PATCH, undefined],
    ["an unquoted delimiter", ["bash", "-lc", heredoc("", "<<EOF")], PATCH, undefined],
    ["another delimiter word", ["bash", "-lc", heredoc("", "<<'PATCH'", "PATCH")], PATCH, undefined],
    ["a space between << and the delimiter", ["bash", "-lc", heredoc("", "<< 'EOF'")], PATCH, undefined],
    ["applypatch in a heredoc", ["bash", "-lc", heredoc("").replace("apply_patch", "applypatch")], PATCH, undefined],
    ["leading and trailing whitespace in the script", ["bash", "-lc", `  \n${heredoc("")}\n\n`], PATCH, undefined],
    ["no newline after the delimiter", ["bash", "-lc", heredoc("", "<<'EOF'", "EOF", "")], PATCH, undefined],
    ["trailing blank lines in the body are dropped", ["bash", "-lc", `apply_patch <<'EOF'\n${PATCH}\n\n\nEOF`], PATCH, undefined],
    [
      "<<- strips leading tabs from the body and the delimiter line",
      ["bash", "-lc", `apply_patch <<-'EOF'\n\t*** Begin Patch\n\t*** Add File: foo\n\t+hi\n\t*** End Patch\n\tEOF`],
      PATCH,
      undefined
    ],
    ["cd <dir> && apply_patch", ["bash", "-lc", heredoc("cd sub/dir && ")], PATCH, "sub/dir"],
    ["cd with a single-quoted path", ["bash", "-lc", heredoc("cd 'foo bar' && ")], PATCH, "foo bar"],
    ["cd with a double-quoted path", ["bash", "-lc", heredoc("cd \"foo bar\" && ")], PATCH, "foo bar"],
    ["cd with an absolute path", ["bash", "-lc", heredoc("cd /abs/path && ")], PATCH, "/abs/path"]
  ])("%s", (_, argv, patch, workdir) => {
    expect(parseApplyPatchInvocation(argv)).toEqual({ patch, workdir })
  })
})

describe("not a patch: run as an ordinary command", () => {
  it.each<readonly [string, ReadonlyArray<string>]>([
    ["an unrelated command", ["ls", "-la"]],
    ["apply_patch with no argument", ["apply_patch"]],
    ["apply_patch with two arguments", ["apply_patch", "a", "b"]],
    ["a shell echoing the word", ["bash", "-lc", "echo apply_patch"]],
    ["a program whose name merely starts with apply_patch", ["bash", "-lc", heredoc("").replace("apply_patch", "apply_patcher")]],
    ["another command before it", ["bash", "-lc", heredoc("echo hi; ")]],
    ["another command chained before it", ["bash", "-lc", heredoc("echo foo && ")]],
    ["a command after the heredoc", ["bash", "-lc", heredoc("", "<<'EOF'", "EOF", "\necho done\n")]],
    ["cd joined with ;", ["bash", "-lc", heredoc("cd foo; ")]],
    ["cd joined with ||", ["bash", "-lc", heredoc("cd foo || ")]],
    ["cd piped", ["bash", "-lc", heredoc("cd foo | ")]],
    ["cd with two arguments", ["bash", "-lc", heredoc("cd foo bar && ")]],
    ["two cds", ["bash", "-lc", heredoc("cd foo && cd bar && ")]],
    ["cd with an expansion", ["bash", "-lc", heredoc("cd \"$HOME\" && ")]],
    ["apply_patch with an argument before the heredoc", ["bash", "-lc", heredoc("").replace("apply_patch ", "apply_patch foo ")]],
    ["a heredoc that never ends", ["bash", "-lc", `apply_patch <<'EOF'\n${PATCH}\n`]],
    ["the patch piped in instead of a heredoc", ["bash", "-lc", `echo '${PATCH}' | apply_patch`]],
    ["an unknown shell", ["fish", "-c", heredoc("")]],
    ["an unknown shell flag", ["bash", "-x", heredoc("")]],
    ["the raw patch as the command", [PATCH]]
  ])("%s", (_, argv) => {
    expect(parseApplyPatchInvocation(argv)).toBeUndefined()
  })
})

describe("invocationCwd", () => {
  it.each<readonly [string | undefined, string]>([
    [undefined, "/work/repo"],
    ["sub", "/work/repo/sub"],
    ["../other", "/work/other"],
    ["/abs", "/abs"]
  ])("workdir %s → %s", (workdir, expected) => {
    expect(invocationCwd({ patch: PATCH, workdir }, "/work/repo")).toBe(expected)
  })
})
