/**
 * The known-safe list (agent core §6.4) and the plain-script parser behind its `bash -lc` rule.
 */
import { assert, describe, it } from "@effect/vitest"
import { parsePlainScript } from "../../src/agent/exec/BashScript.js"
import { isKnownSafeCommand } from "../../src/agent/exec/SafeCommands.js"

describe("isKnownSafeCommand", () => {
  it.each<[ReadonlyArray<string>, boolean]>([
    [["ls", "-la"], true],
    [["cat", "file"], true],
    [["cd", "/"], true],
    [["which", "node"], true],
    [["wc", "-l", "x"], true],
    [["true"], true],
    [["git", "status"], true],
    [["git", "log", "-p"], true],
    [["git", "push"], false],
    [["git"], false],
    [["git", "-c", "core.pager=sh", "log"], false],
    [["find", ".", "-name", "x"], true],
    [["find", ".", "-delete"], false],
    [["find", ".", "-exec", "rm", "{}", ";"], false],
    [["find", ".", "-fprint", "out"], false],
    [["rg", "foo"], true],
    [["rg", "--pre", "cmd", "foo"], false],
    [["rg", "--pre=cmd", "foo"], false],
    [["rg", "--hostname-bin=x", "foo"], false],
    [["rg", "-z", "foo"], false],
    [["rg", "--search-zip", "foo"], false],
    [["sed", "-n", "1,5p", "file"], true],
    [["sed", "-n", "10p", "file"], true],
    [["sed", "-n", "1,5p"], false],
    [["sed", "-n", "1,5p", "file", "more"], false],
    [["sed", "-n", "1,5p", ""], false],
    [["sed", "-n", "p", "file"], false],
    [["sed", "-i", "s/a/b/", "file"], false],
    [["cargo", "check"], true],
    [["cargo", "build"], false],
    [["rm", "-rf", "/"], false],
    [["python3", "-c", "print(42)"], false],
    [[], false],
    [["bash", "-lc", "ls && pwd | wc -l"], true],
    [["bash", "-lc", "git status || echo 'no git'"], true],
    [["bash", "-lc", "echo \"a b\"; ls"], true],
    [["bash", "-lc", "ls\npwd\n"], true],
    [["bash", "-lc", "sed -n 1,5p file"], true],
    [["bash", "-lc", "ls;"], true],
    [["bash", "-lc", "ls > out.txt"], false],
    [["bash", "-lc", "echo $(rm -rf /)"], false],
    [["bash", "-lc", "ls `pwd`"], false],
    [["bash", "-lc", "ls; rm -rf x"], false],
    [["bash", "-lc", "ls\nrm -rf x"], false],
    [["bash", "-lc", "cat \"$HOME\""], false],
    [["bash", "-lc", "ls &"], false],
    [["bash", "-lc", "ls & rm x"], false],
    [["bash", "-lc", "(ls)"], false],
    [["bash", "-lc", "ls *.ts"], false],
    [["bash", "-lc", "FOO=1 ls"], false],
    [["bash", "-lc", "echo hi # rm"], false],
    [["bash", "-lc", "echo a\"b\""], false],
    [["bash", "-lc", "cat <<EOF"], false],
    [["bash", "-lc", "ls &&"], false],
    [["bash", "-lc", ""], false],
    [["bash", "-lc", "rm -rf /"], false],
    [["bash", "-c", "ls"], false],
    [["sh", "-lc", "ls"], false],
    [["bash", "-lc", "ls", "extra"], false]
  ])("%j → %s", (argv, safe) => {
    assert.strictEqual(isKnownSafeCommand(argv), safe)
  })
})

describe("parsePlainScript", () => {
  it.each<[string, Array<Array<string>> | undefined]>([
    ["ls", [["ls"]]],
    ["  ls   -la  ", [["ls", "-la"]]],
    ["rg -n 'a b' src | head -n 5 && echo \"done!x\"", undefined],
    ["rg -n 'a b' src | head -n 5 && echo \"done\"", [["rg", "-n", "a b", "src"], ["head", "-n", "5"], ["echo", "done"]]],
    ["a || b; c\n\nd", [["a"], ["b"], ["c"], ["d"]]],
    ["echo ''", [["echo", ""]]],
    ["echo 'unterminated", undefined],
    ["| ls", undefined],
    ["ls || ", undefined],
    ["ls |& cat", undefined],
    ["case x in a) ;; esac", undefined],
    ["ls ~", undefined],
    ["echo {a,b}", undefined],
    ["'a'b", undefined],
    ["", undefined],
    ["\n;\n", undefined]
  ])("%j → %j", (script, expected) => {
    assert.deepStrictEqual(parsePlainScript(script), expected)
  })
})
