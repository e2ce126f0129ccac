/**
 * What the model reads: the JSON envelope, duration rounding, the exact head +
 * elision + tail cut for long output (line limit, byte limit, multi-byte characters, CRLF), and the
 * bounded capture buffer the runner keeps output in.
 */
import { assert, describe, it } from "@effect/vitest"
import { BoundedOutput } from "../../src/agent/exec/BoundedOutput.js"
import { ExecModelText, formatExecOutputForModel, outputBudgetBytes, truncateForModel, truncateMiddleForModel } from "../../src/agent/exec/ModelOutput.js"

const numbered = (count: number, width = 0) => Array.from({ length: count }, (_, n) => `line ${n}`.padEnd(width, "."))

describe("formatExecOutputForModel", () => {
  it("wraps short output verbatim with exit code and duration", () => {
    assert.strictEqual(
      formatExecOutputForModel({ aggregatedOutput: "hi\n", exitCode: 0, durationMs: 1234 }),
      "{\"output\":\"hi\\n\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":1.2}}"
    )
  })

  it.each([[0, 0], [49, 0], [50, 0.1], [1250, 1.3], [10_000, 10], [61_049, 61]])("rounds %d ms to %d s", (ms, seconds) => {
    const parsed = JSON.parse(formatExecOutputForModel({ aggregatedOutput: "", exitCode: 1, durationMs: ms }))
    assert.deepStrictEqual(parsed.metadata, { exit_code: 1, duration_seconds: seconds })
  })

  it("says when the command timed out, before its output", () => {
    const parsed = JSON.parse(formatExecOutputForModel({ aggregatedOutput: "partial\n", exitCode: 124, durationMs: 500, timedOut: true }))
    assert.strictEqual(parsed.output, "command timed out after 500 milliseconds\npartial\n")
    assert.strictEqual(parsed.metadata.exit_code, 124)
  })

  it("has the reference's texts for commands that did not run", () => {
    assert.strictEqual(ExecModelText.rejectedByUser, "exec command rejected by user")
    assert.strictEqual(ExecModelText.rejected("no sandbox"), "exec command rejected: no sandbox")
    assert.strictEqual(ExecModelText.executionError("boom"), "execution error: boom")
    assert.strictEqual(ExecModelText.retryFailed("boom"), "retry failed: boom")
  })
})

describe("truncateMiddleForModel (exec_command, write_stdin)", () => {
  it("passes output within the budget through untouched", () => {
    assert.strictEqual(truncateMiddleForModel("short\n", 100), "short\n")
  })

  it("keeps the head and the tail of one long line, the removed tokens counted between them", () => {
    const text = `${"a".repeat(10_000)}\nEND\n`
    const cut = truncateMiddleForModel(text, 1000)
    assert.isTrue(cut.startsWith("a".repeat(500)))
    assert.isTrue(cut.endsWith(`${"a".repeat(495)}\nEND\n`))
    assert.include(cut, `…${Math.ceil((text.length - 1000) / 4)} tokens truncated…`)
  })

  it("cuts on character boundaries", () => {
    const cut = truncateMiddleForModel("é".repeat(1000), 101)
    assert.isFalse(cut.includes("\uFFFD"))
  })
})

describe("truncateForModel", () => {
  it("passes output within 256 lines and 10 KiB through untouched", () => {
    const text = `${numbered(256).join("\n")}\n`
    assert.strictEqual(truncateForModel(text), text)
  })

  it("keeps the first and last 128 lines around the elision line", () => {
    const lines = numbered(1000)
    const expected = `${lines.slice(0, 128).join("\n")}\n[... omitted 744 of 1000 lines ...]\n\n${lines.slice(872).join("\n")}`
    assert.strictEqual(truncateForModel(`${lines.join("\n")}\n`), expected)
  })

  it("counts lines as Rust's str::lines does (CRLF, no empty last line)", () => {
    const lines = numbered(300)
    const cut = truncateForModel(`${lines.join("\r\n")}\r\n`)
    assert.strictEqual(cut, `${lines.slice(0, 128).join("\n")}\n[... omitted 44 of 300 lines ...]\n\n${lines.slice(172).join("\n")}`)
  })

  it("cuts by bytes when few long lines exceed 10 KiB: head 5 KiB, tail fills the rest", () => {
    const lines = numbered(300, 100)
    const cut = truncateForModel(lines.join("\n"))
    const marker = "\n[... omitted 44 of 300 lines ...]\n\n"
    const head = lines.slice(0, 128).join("\n").slice(0, 5120)
    const tail = lines.slice(172).join("\n")
    assert.strictEqual(cut, head + marker + tail.slice(tail.length - (10_240 - 5120 - marker.length)))
    assert.strictEqual(Buffer.byteLength(cut), 10_240)
  })

  it("with fewer than 256 lines, the byte cut keeps only the head (nothing is left for the tail)", () => {
    const lines = numbered(100, 200)
    assert.strictEqual(truncateForModel(lines.join("\n")), `${lines.join("\n").slice(0, 5120)}\n[... omitted 0 of 100 lines ...]\n\n`)
  })

  it("cuts to tool_output_token_limit's budget (4 bytes a token) when one is set", () => {
    const lines = numbered(100, 200)
    const budget = outputBudgetBytes(250)
    assert.strictEqual(budget, 1000)
    assert.strictEqual(truncateForModel(lines.join("\n"), budget), `${lines.join("\n").slice(0, 500)}\n[... omitted 0 of 100 lines ...]\n\n`)
    assert.strictEqual(outputBudgetBytes(undefined), 10_240)
  })

  it("never splits a multi-byte character", () => {
    const lines = Array.from({ length: 300 }, () => "é".repeat(101))
    const cut = truncateForModel(lines.join("\n"))
    assert.notInclude(cut, "\uFFFD")
    assert.isAtMost(Buffer.byteLength(cut), 10_240)
    assert.isTrue(cut.startsWith("é") && cut.endsWith("é"))
  })
})

describe("BoundedOutput", () => {
  it("keeps head and tail within budget while counting every byte", () => {
    const output = new BoundedOutput(1024, 1024)
    for (let i = 0; i < 1000; i++) output.push(Buffer.alloc(1000, i < 500 ? 97 : 98))
    assert.strictEqual(output.totalBytes, 1_000_000)
    assert.strictEqual(output.retainedBytes, 2048)
    assert.strictEqual(output.omittedBytes, 1_000_000 - 2048)
    assert.strictEqual(output.text(), `${"a".repeat(1024)}\n[... ${1_000_000 - 2048} bytes omitted ...]\n${"b".repeat(1024)}`)
  })

  it("handles one chunk larger than the whole budget", () => {
    const output = new BoundedOutput(4, 4)
    output.push(Buffer.from("0123456789"))
    output.push(Buffer.from("ab"))
    assert.strictEqual(output.text(), "0123\n[... 4 bytes omitted ...]\n89ab")
    assert.strictEqual(output.retainedBytes, 8)
  })

  it("is exact while under budget", () => {
    const output = new BoundedOutput(4, 4)
    output.push(Buffer.from("abc"))
    output.push(Buffer.from("defgh"))
    assert.strictEqual(output.text(), "abcdefgh")
    assert.strictEqual(output.omittedBytes, 0)
  })

  it("keeps the same head and tail whatever the chunking (one-byte writes wrap the tail ring)", () => {
    const text = Array.from({ length: 5000 }, (_, i) => `${i},`).join("")
    const whole = new BoundedOutput(100, 100)
    whole.push(Buffer.from(text))
    const bytes = new BoundedOutput(100, 100)
    for (const byte of Buffer.from(text)) bytes.push(Uint8Array.of(byte))
    const uneven = new BoundedOutput(100, 100)
    for (let at = 0, size = 1; at < text.length; at += size, size = (size * 7) % 150 + 1) uneven.push(Buffer.from(text.slice(at, at + size)))
    const expected = `${text.slice(0, 100)}\n[... ${text.length - 200} bytes omitted ...]\n${text.slice(-100)}`
    for (const output of [whole, bytes, uneven]) {
      assert.strictEqual(output.text(), expected)
      assert.strictEqual(output.retainedBytes, 200)
    }
  })
})
