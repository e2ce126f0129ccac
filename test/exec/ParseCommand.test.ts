/**
 * The UI summary of a command (`parsed_cmd`): the common read / list / search / test
 * shapes, chains with helpers dropped, and the `unknown` fallback.
 */
import { assert, describe, it } from "@effect/vitest"
import { parseCommand } from "../../src/agent/exec/ParseCommand.js"
import type { ParsedCommand } from "../../src/rpc/Event.js"

describe("parseCommand", () => {
  it.each<[ReadonlyArray<string>, Array<ParsedCommand>]>([
    [["cat", "src/main.rs"], [{ type: "read", cmd: "cat src/main.rs", name: "main.rs" }]],
    [["head", "-n", "40", "a/b.txt"], [{ type: "read", cmd: "head -n 40 a/b.txt", name: "b.txt" }]],
    [["sed", "-n", "1,40p", "lib/x.ts"], [{ type: "read", cmd: "sed -n '1,40p' lib/x.ts", name: "x.ts" }]],
    [["bash", "-lc", "cat README.md | head -n 20"], [{ type: "read", cmd: "cat README.md", name: "README.md" }]],
    [["ls", "docs"], [{ type: "list_files", cmd: "ls docs", path: "docs" }]],
    [["bash", "-lc", "cd src && ls -la"], [{ type: "list_files", cmd: "ls -la" }]],
    [["rg", "--files", "src"], [{ type: "list_files", cmd: "rg --files src", path: "src" }]],
    [["find", "."], [{ type: "list_files", cmd: "find .", path: "." }]],
    [["find", ".", "-name", "*.ts"], [{ type: "search", cmd: "find . -name '*.ts'", query: "*.ts", path: "." }]],
    [["rg", "-n", "TODO", "src"], [{ type: "search", cmd: "rg -n TODO src", query: "TODO", path: "src" }]],
    [["rg", "-g", "*.ts", "needle"], [{ type: "search", cmd: "rg -g '*.ts' needle", query: "needle" }]],
    [["rg", "-e", "x"], [{ type: "search", cmd: "rg -e x", query: "x" }]],
    [["grep", "-rn", "foo", "."], [{ type: "search", cmd: "grep -rn foo .", query: "foo", path: "." }]],
    [["bash", "-lc", "rg foo | wc -l"], [{ type: "search", cmd: "rg foo", query: "foo" }]],
    [["cargo", "test"], [{ type: "test", cmd: "cargo test" }]],
    [["npm", "run", "lint"], [{ type: "lint", cmd: "npm run lint", tool: "npm run lint" }]],
    [["cargo", "fmt", "--all"], [{ type: "format", cmd: "cargo fmt --all", tool: "cargo fmt" }]],
    [["true"], [{ type: "noop", cmd: "true" }]],
    [["bash", "-lc", "ls && cargo test"], [{ type: "list_files", cmd: "ls" }, { type: "test", cmd: "cargo test" }]],
    [["python3", "x.py"], [{ type: "unknown", cmd: "python3 x.py" }]],
    [["cat", "a", "b"], [{ type: "unknown", cmd: "cat a b" }]],
    [["bash", "-lc", "echo $(whoami)"], [{ type: "unknown", cmd: "bash -lc 'echo $(whoami)'" }]],
    [["bash", "-lc", "head -n 3"], [{ type: "unknown", cmd: "head -n 3" }]],
    [[], [{ type: "unknown", cmd: "" }]]
  ])("%j", (argv, expected) => {
    assert.deepStrictEqual(parseCommand(argv), expected)
  })
})
