/**
 * Reading untrusted paths: every kind of file that is not a regular file is refused before a byte
 * is read (and without blocking on a FIFO that has no writer), the size cap holds for files that
 * are too large, claim size 0, or grow, and both the async and the sync reader agree.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { readUntrustedFile, readUntrustedFileSync, type ReadLimit, UntrustedFileError } from "../../src/files/UntrustedFile.js"

const dir = mkdtempSync(join(tmpdir(), "codex-untrusted-file-"))
const fifo = join(dir, "fifo")
const socketPath = join(dir, "socket")
let socket: Server

beforeAll(async () => {
  execFileSync("mkfifo", [fifo])
  symlinkSync(fifo, join(dir, "link-to-fifo"))
  mkdirSync(join(dir, "directory"))
  writeFileSync(join(dir, "small.txt"), "hello\n")
  writeFileSync(join(dir, "huge.bin"), "")
  truncateSync(join(dir, "huge.bin"), 8 * 1024 * 1024 * 1024)
  socket = createServer()
  await new Promise<void>((resolve) => socket.listen(socketPath, resolve))
})

afterAll(async () => {
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})

describe("readUntrustedFile", () => {
  const limit: ReadLimit = { maxBytes: 1024 * 1024 }
  const both = (path: string, l: ReadLimit = limit) =>
    Effect.gen(function*() {
      const async = yield* readUntrustedFile(path, l).pipe(Effect.result)
      const sync = readUntrustedFileSync(path, l)
      return { async, sync }
    })
  const problemOf = (path: string, l?: ReadLimit) =>
    Effect.gen(function*() {
      const { async, sync } = yield* both(path, l)
      assert.isTrue(async._tag === "Failure", `${path} was read`)
      assert.instanceOf(sync, UntrustedFileError)
      const failure = async._tag === "Failure" ? async.failure : undefined
      expect(failure?.reason).toBe((sync as UntrustedFileError).reason)
      return failure!
    })

  it.effect.each([
    ["a FIFO without a writer", fifo, /a FIFO/],
    ["a symlink to a FIFO", join(dir, "link-to-fifo"), /a FIFO/],
    ["/dev/zero", "/dev/zero", /a character device/],
    ["/dev/null", "/dev/null", /a character device/],
    ["a directory", join(dir, "directory"), /is a directory/],
    ["a socket", socketPath, /not a regular file/]
  ] as const)("refuses %s", ([, path, reason]) =>
    Effect.gen(function*() {
      const failure = yield* problemOf(path)
      expect(failure.problem).toBe("not-a-file")
      expect(failure.reason).toMatch(reason)
    }))

  it.effect("refuses a file over the cap without reading it", () =>
    Effect.gen(function*() {
      const failure = yield* problemOf(join(dir, "huge.bin"))
      expect(failure.problem).toBe("too-large")
      expect(failure.message).toBe(`${join(dir, "huge.bin")}: larger than the 1 MiB limit`)
    }))

  it.effect("stops at the cap when a file claims size 0 and yields more (a /proc file)", () =>
    Effect.gen(function*() {
      // /proc/self/maps is a regular file of size 0 whose contents are generated as it is read.
      const failure = yield* problemOf("/proc/self/maps", { maxBytes: 16 })
      expect(failure.problem).toBe("too-large")
      const { async, sync } = yield* both("/proc/self/maps", { maxBytes: 16, oversize: "truncate" })
      assert.isTrue(async._tag === "Success")
      expect(async._tag === "Success" ? async.success.length : 0).toBe(16)
      expect((sync as Buffer).length).toBe(16)
    }))

  it.effect("reads a small regular file, and a missing one is `missing`", () =>
    Effect.gen(function*() {
      const { async, sync } = yield* both(join(dir, "small.txt"))
      expect(async._tag === "Success" ? async.success.toString() : "").toBe("hello\n")
      expect((sync as Buffer).toString()).toBe("hello\n")
      const missing = yield* problemOf(join(dir, "nope"))
      expect(missing.problem).toBe("missing")
    }))

})
