/**
 * The runner against real processes: output streaming and ordering, exit codes, the environment,
 * timeouts and interruption killing the whole process group (grandchildren included), background jobs
 * not outliving the command, a 200 MiB flood kept within the capture budget, and start-up failures.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { runCommand } from "../../src/agent/exec/CommandRunner.js"
import { eventually, isAlive, pidFrom, tempDir, testEnv } from "./support.js"

const MiB = 1024 * 1024

describe("runCommand", () => {
  it.live("streams stdout and stderr in order and reports the exit code", () =>
    Effect.gen(function*() {
      const deltas: Array<[string, string]> = []
      const output = yield* runCommand({
        argv: ["bash", "-c", "for i in $(seq 1 300); do echo $i; echo e$i >&2; done; exit 3"],
        cwd: tempDir(),
        env: testEnv,
        onOutput: (stream, chunk) => Effect.sync(() => void deltas.push([stream, Buffer.from(chunk).toString()]))
      })
      const numbers = Array.from({ length: 300 }, (_, n) => n + 1)
      assert.strictEqual(output.exitCode, 3)
      assert.isFalse(output.timedOut)
      assert.strictEqual(output.stdout, numbers.map((n) => `${n}\n`).join(""))
      assert.strictEqual(output.stderr, numbers.map((n) => `e${n}\n`).join(""))
      const streamed = (stream: string) => deltas.filter(([name]) => name === stream).map(([, text]) => text).join("")
      assert.strictEqual(streamed("stdout"), output.stdout)
      assert.strictEqual(streamed("stderr"), output.stderr)
      assert.strictEqual(output.aggregatedOutput.length, output.stdout.length + output.stderr.length)
      assert.deepStrictEqual(output.captured.stdout, { totalBytes: output.stdout.length, retainedBytes: output.stdout.length })
    }))

  it.live("reports death by signal as 128 + n", () =>
    Effect.gen(function*() {
      const output = yield* runCommand({ argv: ["sh", "-c", "kill -TERM $$"], cwd: tempDir(), env: testEnv })
      assert.strictEqual(output.exitCode, 143)
    }))

  it.live("gives the command exactly the environment it is handed", () =>
    Effect.gen(function*() {
      const output = yield* runCommand({ argv: ["env"], cwd: tempDir(), env: { ...testEnv, FOO: "bar baz" } })
      assert.deepStrictEqual(output.stdout.trim().split("\n").sort(), [`FOO=bar baz`, `PATH=${testEnv.PATH}`])
    }))

  it.live("runs in cwd with stdin closed", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const output = yield* runCommand({ argv: ["sh", "-c", "pwd; cat; echo end"], cwd, env: testEnv })
      assert.strictEqual(output.stdout, `${cwd}\nend\n`)
    }))

  it.live("kills the whole process group on timeout, grandchildren included", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const output = yield* runCommand({
        argv: ["sh", "-c", `sleep 30 & echo $! > ${dir}/grandchild; echo started; wait`],
        cwd: dir,
        env: testEnv,
        timeoutMs: 500
      })
      assert.isTrue(output.timedOut)
      assert.strictEqual(output.exitCode, 124)
      assert.strictEqual(output.stdout, "started\n")
      const grandchild = Number(readFileSync(join(dir, "grandchild"), "utf8"))
      yield* eventually(`grandchild ${grandchild} to die`, () => !isAlive(grandchild))
    }))

  it.live("kills the whole process group when the effect is interrupted", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const fiber = yield* runCommand({
        argv: ["sh", "-c", `echo $$ > ${dir}/shell; sleep 30 & echo $! > ${dir}/grandchild; wait`],
        cwd: dir,
        env: testEnv,
        timeoutMs: 60_000
      }).pipe(Effect.forkChild)
      const shell = yield* pidFrom(join(dir, "shell"))
      const grandchild = yield* pidFrom(join(dir, "grandchild"))
      assert.isTrue(isAlive(grandchild))
      yield* Fiber.interrupt(fiber)
      yield* eventually(`shell ${shell} to die`, () => !isAlive(shell))
      yield* eventually(`grandchild ${grandchild} to die`, () => !isAlive(grandchild))
    }))

  it.live("does not leave background jobs running after the command exits", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      // The background `sleep` even keeps stdout open; the runner must neither wait for it nor leave it.
      const output = yield* runCommand({
        argv: ["sh", "-c", `sleep 30 & echo $! > ${dir}/background; echo done`],
        cwd: dir,
        env: testEnv,
        timeoutMs: 20_000
      })
      assert.isFalse(output.timedOut)
      assert.strictEqual(output.exitCode, 0)
      assert.strictEqual(output.stdout, "done\n")
      const background = Number(readFileSync(join(dir, "background"), "utf8"))
      yield* eventually(`background job ${background} to die`, () => !isAlive(background))
    }))

  it.live("keeps memory bounded when a command floods stdout (200 MiB)", () =>
    Effect.gen(function*() {
      let delivered = 0
      const rssBefore = process.memoryUsage().rss
      let rssPeak = rssBefore
      const output = yield* runCommand({
        argv: ["head", "-c", String(200 * MiB), "/dev/zero"],
        cwd: tempDir(),
        env: testEnv,
        timeoutMs: 120_000,
        onOutput: (_, chunk) =>
          Effect.sync(() => {
            delivered += chunk.length
            if (delivered % (16 * MiB) < chunk.length) rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
          })
      })
      assert.strictEqual(output.exitCode, 0)
      assert.strictEqual(delivered, 200 * MiB)
      assert.strictEqual(output.captured.stdout.totalBytes, 200 * MiB)
      assert.isAtMost(output.captured.stdout.retainedBytes, MiB / 4)
      assert.include(output.stdout, `[... ${200 * MiB - MiB / 4} bytes omitted ...]`)
      // Loose, on purpose: keeping the output (twice: per stream and aggregated) would cost 400+ MiB;
      // the budget is 768 KiB plus read buffers the garbage collector has not reclaimed yet.
      assert.isBelow(rssPeak - rssBefore, 256 * MiB)
    }))

  it.live("fails with ExecError when the program does not exist", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(runCommand({ argv: ["no-such-program-xyz"], cwd: tempDir(), env: testEnv }))
      assert.strictEqual(error._tag, "ExecError")
      assert.include(error.message, "no-such-program-xyz")
    }))

  it.live("fails with ExecError when the working directory does not exist", () =>
    Effect.gen(function*() {
      const cwd = join(tempDir(), "missing")
      const error = yield* Effect.flip(runCommand({ argv: ["true"], cwd, env: testEnv }))
      assert.strictEqual(error._tag, "ExecError")
      assert.include(error.message, cwd)
      assert.isFalse(existsSync(cwd))
    }))

  it.live("fails with ExecError for an empty command or an argument Node refuses", () =>
    Effect.gen(function*() {
      for (const argv of [[], [""], ["echo", "a\0b"]]) {
        const error = yield* Effect.flip(runCommand({ argv, cwd: tempDir(), env: testEnv }))
        assert.strictEqual(error._tag, "ExecError", JSON.stringify(argv))
      }
    }))
})
