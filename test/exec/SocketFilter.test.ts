/**
 * The seccomp program itself, run by a classic BPF interpreter on every ABI it covers: the end-to-end
 * tests (test/security/descriptors-and-sockets.test.ts) reach only the host's own ABIs through the
 * kernel, and an aarch64 or arm mistake would pass them on x86_64. Each case is a `struct
 * seccomp_data` (syscall number, audit arch, the low words of the first two arguments) and the
 * verdict the kernel would act on.
 */
import { describe, expect, it } from "vitest"
import { unixSocketFilter } from "../../src/agent/exec/SocketFilter.js"

const ALLOW = "allow"
const EACCES = "EACCES"
const ENOSYS = "ENOSYS"

/** Runs the program on one call; only the instructions the encoder emits are known. */
const verdict = (program: Uint8Array, call: { nr: number; arch: number; args?: readonly [number, number] }) => {
  const bytes = Buffer.from(program)
  const data = Buffer.alloc(64)
  data.writeInt32LE(call.nr, 0)
  data.writeUInt32LE(call.arch, 4)
  data.writeUInt32LE((call.args?.[0] ?? 0) >>> 0, 16)
  data.writeUInt32LE((call.args?.[1] ?? 0) >>> 0, 24)
  let accumulator = 0
  for (let pc = 0; pc * 8 < bytes.length; pc++) {
    const [code, jumpTrue, jumpFalse, k] = [
      bytes.readUInt16LE(pc * 8),
      bytes.readUInt8(pc * 8 + 2),
      bytes.readUInt8(pc * 8 + 3),
      bytes.readUInt32LE(pc * 8 + 4)
    ]
    switch (code) {
      case 0x20:
        accumulator = data.readUInt32LE(k)
        break
      case 0x54:
        accumulator = (accumulator & k) >>> 0
        break
      case 0x15:
        pc += accumulator === k ? jumpTrue : jumpFalse
        break
      case 0x35:
        pc += accumulator >= k ? jumpTrue : jumpFalse
        break
      case 0x06:
        return k === 0x7fff_0000 ? ALLOW : k === (0x0005_0000 | 13) ? EACCES : k === (0x0005_0000 | 38) ? ENOSYS : k
      default:
        throw new Error(`unexpected BPF opcode ${code.toString(16)} at ${pc}`)
    }
  }
  throw new Error("the program ran off its end")
}

const AF_UNIX = 1
const AF_INET = 2
const [STREAM, DGRAM, RAW, SEQPACKET] = [1, 2, 3, 5]
const FLAGS = 0x8_0000 | 0x800

/** Each host's ABIs: audit arch, `socket` and `socketpair` numbers, and i386's `socketcall`. */
const HOSTS = {
  x64: [
    { name: "x86_64", arch: 0xc000_003e, socket: 41, socketpair: 53 },
    { name: "i386", arch: 0x4000_0003, socket: 359, socketpair: 360, socketcall: 102 }
  ],
  arm64: [
    { name: "aarch64", arch: 0xc000_00b7, socket: 198, socketpair: 199 },
    { name: "arm", arch: 0x4000_0028, socket: 281, socketpair: 288 }
  ]
} as const

describe("the seccomp socket filter", () => {
  for (const [host, abis] of Object.entries(HOSTS)) {
    const program = unixSocketFilter(host)!
    for (const abi of abis) {
      it(`${host}, ${abi.name}: stream and seqpacket pairs pass with any flags, other pairs and every AF_UNIX socket are refused`, () => {
        const pair = (type: number) => verdict(program, { nr: abi.socketpair, arch: abi.arch, args: [AF_UNIX, type] })
        const socket = (domain: number, type: number) =>
          verdict(program, { nr: abi.socket, arch: abi.arch, args: [domain, type] })
        expect([STREAM, STREAM | FLAGS, SEQPACKET, SEQPACKET | FLAGS, SEQPACKET | 0x80000].map(pair))
          .toEqual([ALLOW, ALLOW, ALLOW, ALLOW, ALLOW])
        expect([DGRAM, DGRAM | FLAGS, RAW, RAW | FLAGS, 4, 6, SEQPACKET | 0x100].map(pair))
          .toEqual([EACCES, EACCES, EACCES, EACCES, EACCES, EACCES, EACCES])
        expect([STREAM, DGRAM, SEQPACKET | FLAGS].map((type) => socket(AF_UNIX, type))).toEqual([EACCES, EACCES, EACCES])
        expect(socket(AF_INET, STREAM)).toBe(ALLOW)
        if ("socketcall" in abi) {
          // socketcall's arguments are in memory: its socket and socketpair are refused whatever they ask.
          expect([1, 8, 3].map((call) => verdict(program, { nr: abi.socketcall, arch: abi.arch, args: [call, 0] })))
            .toEqual([EACCES, EACCES, ALLOW])
        }
      })
    }
  }

  it("x32 calls, io_uring and the keyrings are refused as missing", () => {
    const x64 = unixSocketFilter("x64")!
    const arm64 = unixSocketFilter("arm64")!
    const x86_64 = (nr: number) => verdict(x64, { nr, arch: 0xc000_003e })
    expect([0x4000_0000 | 53, 425, 426, 427, 248, 249, 250].map(x86_64)).toEqual(Array(7).fill(ENOSYS))
    expect([425, 217, 218, 219].map((nr) => verdict(arm64, { nr, arch: 0xc000_00b7 }))).toEqual(Array(4).fill(ENOSYS))
  })

  it("an unknown host has no filter", () => {
    expect(unixSocketFilter("riscv64")).toBeUndefined()
  })
})
