/**
 * The seccomp filter every read-only and workspace-write sandbox runs under: no socket can reach a
 * host socket path, io_uring cannot be set up, and the kernel keyrings cannot be reached.
 *
 * Why: a mount namespace cannot hide a socket. A read-only bind of `/` still lets a command connect
 * to any socket file it can see (`connect(2)` checks the socket's own permissions, not the mount's),
 * and behind those sockets are daemons that act outside the sandbox: the Docker daemon, systemd's
 * manager, D-Bus, an ssh-agent, the X server. Abstract sockets are reachable too whenever the network
 * namespace is shared. Only Unix-domain sockets have paths, and each way a command could hold one is
 * closed:
 * - `socket(AF_UNIX, …)` is refused, which also rules out listening and `accept`;
 * - `socketpair(2)` (always Unix-domain) is allowed only for `SOCK_STREAM` and `SOCK_SEQPACKET`,
 *   whatever their SOCK_CLOEXEC/SOCK_NONBLOCK flags: that is what pipes between a command and its own
 *   children need (Node's and Python's use stream pairs, Chromium's seqpacket ones). Neither can be
 *   aimed elsewhere: a connected stream socket refuses any destination in `sendto`/`sendmsg`
 *   (EISCONN), a seqpacket one drops it and delivers to its peer, and both refuse `connect`; a name
 *   `bind` gives either end cannot be listened on nor reached. A datagram pair (`SOCK_RAW` is one
 *   too) would `sendto` any host socket path, descriptors attached: it is refused;
 * - a descriptor received (`SCM_RIGHTS`) comes from a peer it already holds, and one taken with
 *   `pidfd_getfd` from a process of its own PID namespace, all of which run under this filter;
 * - an inherited one: a command inherits none (see `InheritedDescriptors`).
 * io_uring is refused because its operations (IORING_OP_SOCKET among them) do not pass through
 * seccomp. A 32-bit process reaches sockets through its own syscall numbers, which are filtered the
 * same way; `socketcall` keeps its arguments in memory seccomp cannot read, so its `socket` and
 * `socketpair` are refused whatever they ask for. The x32 ABI is off.
 * The keyrings are the server's own (a command shares its session keyring): `add_key`, `request_key`
 * and `keyctl` are refused so a command cannot read or plant the credentials kept there.
 *
 * The program is classic BPF as bubblewrap's `--seccomp FD` reads it: an array of 8-byte
 * `struct sock_filter`, little-endian on the hosts supported here (x86_64 and aarch64).
 */

const AF_UNIX = 1
const SOCK_STREAM = 1
const SOCK_SEQPACKET = 5
/** The flags `socket(2)` and `socketpair(2)` accept in the type argument, besides the type. */
const SOCK_FLAGS = 0x8_0000 | 0x800 // SOCK_CLOEXEC | SOCK_NONBLOCK
/** `socketcall(2)`'s first argument for `socket` and `socketpair`. */
const SYS_SOCKET = 1
const SYS_SOCKETPAIR = 8
const EACCES = 13
const ENOSYS = 38

const SECCOMP_RET_ALLOW = 0x7fff_0000
const SECCOMP_RET_ERRNO = 0x0005_0000

/** Offsets in `struct seccomp_data`: the syscall number, the audit arch, the low words of the first two arguments. */
const NR = 0
const ARCH = 4
const ARG0_LOW = 16
const ARG1_LOW = 24

/** Syscall numbers per ABI; `socketcall` exists only on i386. */
interface Abi {
  readonly auditArch: number
  readonly socket: number
  readonly socketpair: number
  readonly socketcall?: number
  readonly ioUring: ReadonlyArray<number>
  /** add_key, request_key, keyctl */
  readonly keyring: ReadonlyArray<number>
}

const IO_URING = [425, 426, 427] // io_uring_setup, io_uring_enter, io_uring_register: the same on every ABI here
const X86_64: Abi = { auditArch: 0xc000_003e, socket: 41, socketpair: 53, ioUring: IO_URING, keyring: [248, 249, 250] }
const I386: Abi = {
  auditArch: 0x4000_0003,
  socket: 359,
  socketpair: 360,
  socketcall: 102,
  ioUring: IO_URING,
  keyring: [286, 287, 288]
}
const AARCH64: Abi = { auditArch: 0xc000_00b7, socket: 198, socketpair: 199, ioUring: IO_URING, keyring: [217, 218, 219] }
const ARM: Abi = { auditArch: 0x4000_0028, socket: 281, socketpair: 288, ioUring: IO_URING, keyring: [309, 310, 311] }
/** Syscall numbers with this bit set are the x32 ABI, which shares x86_64's audit arch. */
const X32_SYSCALL_BIT = 0x4000_0000

/** The native ABI and the compatibility ABI a host of `arch` (Node's `process.arch`) can run. */
const HOST_ABIS: Record<string, readonly [Abi, Abi]> = { x64: [X86_64, I386], arm64: [AARCH64, ARM] }

type Label = "allow" | "refuseSocket" | "refuseSyscall" | "checkDomain" | "checkPairType" | "checkSocketcall" | `abi${number}`

/** One BPF instruction; jumps name labels, resolved to forward offsets when the program is encoded. */
type Instruction =
  | { readonly op: "load"; readonly offset: number }
  | { readonly op: "and"; readonly mask: number }
  | { readonly op: "jumpIfEqual"; readonly value: number; readonly to: Label }
  | { readonly op: "jumpIfAtLeast"; readonly value: number; readonly to: Label }
  | { readonly op: "return"; readonly value: number }
  | { readonly op: "label"; readonly name: Label }

const abiSection = (abi: Abi, checkX32: boolean): Array<Instruction> => [
  { op: "load", offset: NR },
  ...(checkX32 ? [{ op: "jumpIfAtLeast", value: X32_SYSCALL_BIT, to: "refuseSyscall" } as const] : []),
  { op: "jumpIfEqual", value: abi.socket, to: "checkDomain" },
  { op: "jumpIfEqual", value: abi.socketpair, to: "checkPairType" },
  ...(abi.socketcall === undefined ? [] : [{ op: "jumpIfEqual", value: abi.socketcall, to: "checkSocketcall" } as const]),
  ...[...abi.ioUring, ...abi.keyring].map((nr) => ({ op: "jumpIfEqual", value: nr, to: "refuseSyscall" }) as const),
  { op: "return", value: SECCOMP_RET_ALLOW }
]

const program = ([native, compat]: readonly [Abi, Abi]): Array<Instruction> => [
  { op: "load", offset: ARCH },
  { op: "jumpIfEqual", value: native.auditArch, to: "abi0" },
  { op: "jumpIfEqual", value: compat.auditArch, to: "abi1" },
  // No other ABI can run on this host.
  { op: "return", value: SECCOMP_RET_ALLOW },
  { op: "label", name: "abi0" },
  ...abiSection(native, native === X86_64),
  { op: "label", name: "abi1" },
  ...abiSection(compat, false),
  { op: "label", name: "checkDomain" },
  { op: "load", offset: ARG0_LOW },
  { op: "jumpIfEqual", value: AF_UNIX, to: "refuseSocket" },
  { op: "return", value: SECCOMP_RET_ALLOW },
  // Every socketpair is Unix-domain: only the connected types pass, whatever their flags.
  { op: "label", name: "checkPairType" },
  { op: "load", offset: ARG1_LOW },
  { op: "and", mask: ~SOCK_FLAGS },
  { op: "jumpIfEqual", value: SOCK_STREAM, to: "allow" },
  { op: "jumpIfEqual", value: SOCK_SEQPACKET, to: "allow" },
  { op: "return", value: SECCOMP_RET_ERRNO | EACCES },
  // The arguments are in memory seccomp cannot read: every socket or pair a 32-bit process makes this way is refused.
  { op: "label", name: "checkSocketcall" },
  { op: "load", offset: ARG0_LOW },
  { op: "jumpIfEqual", value: SYS_SOCKET, to: "refuseSocket" },
  { op: "jumpIfEqual", value: SYS_SOCKETPAIR, to: "refuseSocket" },
  { op: "label", name: "allow" },
  { op: "return", value: SECCOMP_RET_ALLOW },
  { op: "label", name: "refuseSocket" },
  { op: "return", value: SECCOMP_RET_ERRNO | EACCES },
  { op: "label", name: "refuseSyscall" },
  { op: "return", value: SECCOMP_RET_ERRNO | ENOSYS }
]

const BPF_LD_W_ABS = 0x20
const BPF_ALU_AND_K = 0x54
const BPF_JEQ_K = 0x15
const BPF_JGE_K = 0x35
const BPF_RET_K = 0x06

/** Encodes the program: label positions first, then each instruction with its forward jump offsets. */
const encode = (instructions: ReadonlyArray<Instruction>): Uint8Array => {
  const code = instructions.filter((instruction) => instruction.op !== "label")
  const positions = new Map<Label, number>()
  let index = 0
  for (const instruction of instructions) {
    if (instruction.op === "label") positions.set(instruction.name, index)
    else index++
  }
  const bytes = Buffer.alloc(code.length * 8)
  code.forEach((instruction, at) => {
    const view = { code: 0, jumpTrue: 0, value: 0 }
    switch (instruction.op) {
      case "load":
        Object.assign(view, { code: BPF_LD_W_ABS, value: instruction.offset })
        break
      case "and":
        Object.assign(view, { code: BPF_ALU_AND_K, value: instruction.mask })
        break
      case "return":
        Object.assign(view, { code: BPF_RET_K, value: instruction.value })
        break
      default: {
        const offset = positions.get(instruction.to)! - at - 1
        if (offset < 0 || offset > 255) throw new Error(`seccomp program: jump to ${instruction.to} out of range`)
        Object.assign(view, {
          code: instruction.op === "jumpIfEqual" ? BPF_JEQ_K : BPF_JGE_K,
          jumpTrue: offset,
          value: instruction.value
        })
      }
    }
    bytes.writeUInt16LE(view.code, at * 8)
    bytes.writeUInt8(view.jumpTrue, at * 8 + 2)
    bytes.writeUInt8(0, at * 8 + 3) // jump-if-false: fall through to the next instruction
    bytes.writeUInt32LE(view.value >>> 0, at * 8 + 4)
  })
  return bytes
}

const filters = new Map<string, Uint8Array | undefined>()

/**
 * The filter for a host of `arch`, or undefined on a host this module has no syscall table for (the
 * sandbox then runs without it).
 */
export const unixSocketFilter = (arch: string = process.arch): Uint8Array | undefined => {
  if (!filters.has(arch)) {
    const abis = HOST_ABIS[arch]
    filters.set(arch, abis === undefined ? undefined : encode(program(abis)))
  }
  return filters.get(arch)
}
