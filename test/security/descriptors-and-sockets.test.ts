/**
 * I6 (docs/security.md): a command inherits no descriptor but its stdio; no socket of any type reaches
 * a host socket path. End to end: the built server, a hostile mock model, real bubblewrap.
 *
 * Descriptors: the server is launched with a file, a directory and a connected Unix socket left open
 * on fds 40–42 (Node itself marks only 0–15 close-on-exec); in every sandbox mode the command must not
 * see them nor use them, and neither must the notify program; the server itself must hold no
 * descriptor a child could inherit.
 *
 * Sockets: the test listens on a Unix datagram and a Unix seqpacket socket (each at a path outside the
 * workspace and at an abstract name) and a Unix stream socket; a Python probe inside the sandbox tries
 * every way a socket it may create could reach them: datagram and raw (a datagram pair by another
 * name) socketpairs, with and without type flags, `sendto`, `connect`, `SCM_RIGHTS`, stream and
 * seqpacket pairs aimed elsewhere or bound to a listener's name, and the i386 syscalls (`socketcall`
 * and the direct ones) reached with `int 0x80`. The command's own stream and seqpacket pairs keep
 * working: descriptor passing between a stream pair's ends, messages between a process and its child.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process"
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { createConnection, createServer, type Server, type Socket } from "node:net"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { callCodex, listTree, runExec, type Stage, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { MockTurn } from "../support/MockModelServer.js"

const { makeStage, start } = useHostileStage()

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** Every way a command runs: each sandbox mode, and full access without bubblewrap (a plain spawn). */
const MODES = ["read-only", "workspace-write", "danger-full-access", "danger-full-access without bubblewrap"] as const

const waitUntil = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** What the command printed, from the tool output the model received. */
const commandOutput = (output: string): string => JSON.parse(output).output

/** A Unix stream listener outside the workspace that records every byte it receives. */
const streamListener = async (path: string) => {
  const received: Array<string> = []
  let connections = 0
  const server: Server = createServer((socket) => {
    connections++
    socket.setEncoding("utf8").on("data", (chunk: string) => received.push(chunk)).on("error", () => {})
  })
  await new Promise<void>((listening) => server.listen(path, listening))
  cleanups.push(() => server.close())
  return { received, connections: () => connections }
}

const connectTo = async (path: string): Promise<Socket> => {
  const socket = createConnection(path)
  await new Promise<void>((connected, failed) => socket.once("connect", connected).once("error", failed))
  cleanups.push(() => socket.destroy())
  return socket
}

describe("I6: a command inherits no descriptor but its stdio", () => {
  /** fds 40, 41, 42 of the server: a file outside, the directory outside, a socket to a host listener. */
  const launchWithDescriptors = async (stage: Stage) => {
    const listener = await streamListener(join(stage.root, "daemon.sock"))
    const socket = await connectTo(join(stage.root, "daemon.sock"))
    const file = openSync(join(stage.outside, "keep.txt"), "r+")
    const dir = openSync(stage.outside, "r")
    cleanups.push(() => [file, dir].forEach((fd) => closeSync(fd)))
    const socketFd = (socket as unknown as { _handle: { fd: number } })._handle.fd
    return { listener, socket, inheritFds: { 40: file, 41: dir, 42: socketFd } }
  }

  /** Lists its own descriptors, then tries each inherited one: write through it, reopen it, send on it. */
  const probe = [
    `echo fds:`,
    `ls /proc/$$/fd`,
    `for n in 40 41 42; do`,
    `  (echo escaped > /proc/$$/fd/$n/escaped) 2>/dev/null && echo "wrote through $n"`,
    `  (echo overwritten > /proc/$$/fd/$n) 2>/dev/null && echo "reopened $n"`,
    `  (echo "sent on $n" >&$n) 2>/dev/null && echo "used $n"`,
    `done`,
    `echo checked`
  ].join("\n")

  it.each(MODES)("under %s: not in the command's /proc/self/fd, not usable", async (mode) => {
    const stage = makeStage()
    const { listener, socket, inheritFds } = await launchWithDescriptors(stage)
    const noBwrap = mode.endsWith("without bubblewrap")
    const { server, model } = await start(stage, [MockTurn.shell(["bash", "-c", probe]), MockTurn.message("done")], {
      inheritFds,
      ...(noBwrap ? { extra: `codex_linux_sandbox_exe = "${join(stage.root, "no-bwrap")}"` } : {})
    })
    await callCodex(server, { sandbox: noBwrap ? "danger-full-access" : mode, "approval-policy": "never", cwd: stage.work })
    if (noBwrap) await waitUntil("the WARN that says so", () => server.stderr.includes("run without process containment"))

    expect(commandOutput(toolOutputs(model)[0]!)).toBe("fds:\n0\n1\n2\nchecked\n")
    expect(listTree(stage.outside)).toEqual(["keep.txt"])
    expect(readFileSync(join(stage.outside, "keep.txt"), "utf8")).toBe("untouched\n")
    // Whatever the command sent on the socket arrived before this line, on the same stream.
    socket.write("end\n")
    await waitUntil("the listener to read the end mark", () => listener.received.join("").includes("end\n"))
    expect(listener.received.join("")).toBe("end\n")
  })

  it.each(["read-only", "workspace-write"] as const)("under %s, in the exec face too: not in the command's /proc/self/fd, not usable", async (mode) => {
    const stage = makeStage()
    const { listener, socket, inheritFds } = await launchWithDescriptors(stage)
    const { status, stderr, model } = await runExec(stage, [MockTurn.shell(["bash", "-c", probe]), MockTurn.message("done")], ["-s", mode], { inheritFds })
    expect(status, stderr.slice(-2000)).toBe(0)
    expect(commandOutput(toolOutputs(model)[0]!)).toBe("fds:\n0\n1\n2\nchecked\n")
    expect(readFileSync(join(stage.outside, "keep.txt"), "utf8")).toBe("untouched\n")
    socket.write("end\n")
    await waitUntil("the listener to read the end mark", () => listener.received.join("").includes("end\n"))
    expect(listener.received.join("")).toBe("end\n")
  })

  it.each(MODES)("under %s: nor a certificate file Node reads on a thread of its own", async (mode) => {
    // NODE_EXTRA_CA_CERTS names a FIFO this test holds open for writing: whoever opens it to read the
    // certificates blocks in `read` with the descriptor open until the test lets go. Node reads them on
    // a thread of its own, without close-on-exec, once `tls` loads (the first model request): a command
    // started meanwhile would inherit the descriptor. The server must finish that read before it
    // starts anything (it does it once `initialize` is answered): the test lets go as soon as the
    // server holds the FIFO, and sends the tool call only after that.
    const stage = makeStage()
    const fifo = join(stage.root, "extra-ca.pem")
    execFileSync("mkfifo", [fifo])
    let writer: number | undefined = openSync(fifo, "r+")
    const release = () => {
      if (writer !== undefined) closeSync(writer)
      writer = undefined
    }
    cleanups.push(release)
    const holdsFifo = (pid: number) =>
      readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === fifo
        } catch {
          return false
        }
      })
    const noBwrap = mode.endsWith("without bubblewrap")
    let reading: Promise<void> | undefined
    try {
      const { model, server } = await start(stage, [MockTurn.shell(["bash", "-c", probe]), MockTurn.message("done")], {
        env: { NODE_EXTRA_CA_CERTS: fifo },
        spawned: (server) => {
          reading = waitUntil("the server to read the certificates before any request", () => holdsFifo(server.child.pid!))
          void reading.then(release, () => {})
        },
        ...(noBwrap ? { extra: `codex_linux_sandbox_exe = "${join(stage.root, "no-bwrap")}"` } : {})
      })
      await reading
      await callCodex(server, { sandbox: noBwrap ? "danger-full-access" : mode, "approval-policy": "never", cwd: stage.work })
      expect(commandOutput(toolOutputs(model)[0]!)).toBe("fds:\n0\n1\n2\nchecked\n")
    } finally {
      release()
    }
  })

  it("the notify program inherits none either, and the server holds no descriptor a child could inherit", async () => {
    const stage = makeStage()
    const { inheritFds } = await launchWithDescriptors(stage)
    const seen = join(stage.root, "notify-fds.txt")
    const notify = `ls /proc/$$/fd > ${seen}.tmp && mv ${seen}.tmp ${seen}`
    const { server } = await start(stage, [MockTurn.shell(["true"]), MockTurn.message("done")], {
      inheritFds,
      extra: `notify = ["bash", "-c", ${JSON.stringify(notify)}, "notify"]`
    })
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    await waitUntil("the notify program to run", () => existsSync(seen))
    expect(readFileSync(seen, "utf8")).toBe("0\n1\n2\n")

    // Every descriptor the server holds above stderr is close-on-exec (fdinfo's flags are octal).
    const pid = server.child.pid!
    const inheritable = readdirSync(`/proc/${pid}/fd`).map(Number).filter((fd) => {
      if (fd <= 2) return false
      try {
        const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))![1]!
        return (Number.parseInt(flags, 8) & 0o2_000_000) === 0
      } catch {
        return false
      }
    })
    expect(inheritable).toEqual([])
  })
})

/** Runs inside the sandbox: one line per attempt, `<name> ok` or `<name> <errno name>`. */
const SOCKET_PROBE = String.raw`
import array, ctypes, errno, os, platform, socket, struct, sys
dgram, abstract, stream = sys.argv[1], "\0" + sys.argv[2], sys.argv[3]
seqpacket, seqpacket_abstract = sys.argv[4], "\0" + sys.argv[5]
U, DGRAM, STREAM, SEQPACKET = socket.AF_UNIX, socket.SOCK_DGRAM, socket.SOCK_STREAM, socket.SOCK_SEQPACKET
FLAGS = socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK
def attempt(name, run):
    try:
        run()
        print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode.get(e.errno, e.errno))
def pair(kind):
    return socket.socketpair(U, kind)
def rights():
    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [os.open("/", os.O_RDONLY)]))]
def connect_then_send(kind, to):
    a, _ = pair(kind)
    a.connect(to)
    a.send(b"connected")
def orphaned(kind, how):
    a, b = pair(kind)
    b.close() if how == "closed" else a.shutdown(socket.SHUT_RDWR)
    return a
def own_pair():
    a, b = pair(STREAM | FLAGS)
    a.sendmsg([b"x"], rights())
    message, ancillary, _, _ = b.recvmsg(1, socket.CMSG_SPACE(4))
    assert message == b"x" and len(ancillary) == 1
def seqpacket_aimed(to, kind=SEQPACKET, ancillary=()):
    # A seqpacket pair drops the destination: the message reaches the pair's other end, nowhere else.
    a, b = pair(kind)
    a.sendmsg([b"aimed"], list(ancillary), 0, to)
    message, received, _, _ = b.recvmsg(16, socket.CMSG_SPACE(4))
    assert message == b"aimed" and len(received) == len(ancillary)
def own_seqpacket_pair():
    a, b = pair(SEQPACKET | socket.SOCK_CLOEXEC)
    if os.fork() == 0:
        a.close()
        b.send(b"ping")
        os._exit(0 if b.recv(16) == b"pong" else 1)
    b.close()
    assert a.recv(16) == b"ping"
    a.send(b"pong")
    assert os.waitstatus_to_exitcode(os.wait()[1]) == 0
attempt("dgram-sendto", lambda: pair(DGRAM)[0].sendto(b"sendto", dgram))
attempt("dgram-flags-sendto", lambda: pair(DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK)[0].sendto(b"flags", dgram))
attempt("dgram-abstract", lambda: pair(DGRAM)[0].sendto(b"abstract", abstract))
attempt("dgram-rights", lambda: pair(DGRAM)[0].sendmsg([b"rights"], rights(), 0, dgram))
attempt("dgram-connect", lambda: connect_then_send(DGRAM, dgram))
attempt("raw-sendto", lambda: pair(socket.SOCK_RAW)[0].sendto(b"raw", dgram))
attempt("seqpacket-sendto", lambda: seqpacket_aimed(dgram))
attempt("seqpacket-flags-sendto", lambda: seqpacket_aimed(seqpacket, SEQPACKET | FLAGS))
attempt("seqpacket-abstract", lambda: seqpacket_aimed(seqpacket_abstract))
attempt("seqpacket-rights", lambda: seqpacket_aimed(abstract, ancillary=rights()))
attempt("seqpacket-connect", lambda: connect_then_send(SEQPACKET, seqpacket))
attempt("seqpacket-connect-abstract", lambda: connect_then_send(SEQPACKET | FLAGS, seqpacket_abstract))
attempt("seqpacket-peer-closed-connect", lambda: orphaned(SEQPACKET, "closed").connect(seqpacket))
attempt("seqpacket-shut-down-sendto", lambda: orphaned(SEQPACKET, "shutdown").sendto(b"shut", dgram))
attempt("seqpacket-bind-taken", lambda: pair(SEQPACKET)[0].bind(seqpacket))
attempt("seqpacket-bind-abstract-taken", lambda: pair(SEQPACKET)[0].bind(seqpacket_abstract))
attempt("stream-connect", lambda: connect_then_send(STREAM, stream))
attempt("stream-sendto", lambda: pair(STREAM)[0].sendto(b"stream", dgram))
attempt("stream-rights", lambda: pair(STREAM)[0].sendmsg([b"rights"], rights(), 0, dgram))
attempt("stream-peer-closed-connect", lambda: orphaned(STREAM, "closed").connect(stream))
attempt("stream-shut-down-sendto", lambda: orphaned(STREAM, "shutdown").sendto(b"shut", dgram))
attempt("own-stream-pair", own_pair)
attempt("own-seqpacket-pair", own_seqpacket_pair)
sys.stdout.flush()
# The i386 ABI from this 64-bit process: int 0x80 with 32-bit pointers (MAP_32BIT), in a child in
# case the kernel has no 32-bit support.
if platform.machine() == "x86_64" and os.fork() == 0:
    libc = ctypes.CDLL(None)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    page = libc.mmap(None, 4096, 7, 0x62, -1, 0)
    def int80(name, nr, b, c, d, s):
        # push rbx; push rsi; mov eax/ebx/ecx/edx/esi; int 0x80; pop rsi; pop rbx; ret
        regs = b"".join(op + struct.pack("<I", v) for op, v in zip([b"\xb8", b"\xbb", b"\xb9", b"\xba", b"\xbe"], [nr, b, c, d, s]))
        code = b"\x53\x56" + regs + b"\xcd\x80\x5e\x5b\xc3"
        ctypes.memmove(page, code, len(code))
        r = ctypes.CFUNCTYPE(ctypes.c_int)(page)()
        print(name, "ok" if r >= 0 else errno.errorcode.get(-r, -r))
    ctypes.memmove(page + 1024, struct.pack("<IIII", U, DGRAM, 0, page + 2048), 16)
    int80("i386-socketcall-dgram-pair", 102, 8, page + 1024, 0, 0)
    ctypes.memmove(page + 1536, struct.pack("<IIII", U, SEQPACKET, 0, page + 2048), 16)
    int80("i386-socketcall-seqpacket-pair", 102, 8, page + 1536, 0, 0)
    int80("i386-dgram-pair", 360, U, DGRAM, 0, page + 2048)
    int80("i386-stream-pair", 360, U, STREAM, 0, page + 2048)
    int80("i386-seqpacket-pair", 360, U, SEQPACKET | socket.SOCK_CLOEXEC, 0, page + 2048)
    sys.stdout.flush()
    os._exit(0)
elif platform.machine() == "x86_64" and os.WIFSIGNALED(os.wait()[1]):
    print("i386 unavailable")
`

/**
 * Binds a datagram socket at `path` and at the abstract `name`, and listens on a seqpacket socket at
 * `seqpacket` and at the abstract `seqpacketName`; on stdin EOF prints what arrived, then `end`.
 */
const HOST_LISTENERS = String.raw`
import socket, sys
sockets, listeners = [], []
for address in (sys.argv[1], "\0" + sys.argv[2]):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(address)
    s.setblocking(False)
    sockets.append(s)
for address in (sys.argv[3], "\0" + sys.argv[4]):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(address)
    s.listen(8)
    s.setblocking(False)
    listeners.append(s)
print("ready", flush=True)
sys.stdin.read()
for s in sockets:
    while True:
        try:
            data, ancillary, _, _ = s.recvmsg(256, socket.CMSG_SPACE(64))
        except BlockingIOError:
            break
        print("received", data.decode(), len(ancillary))
for s in listeners:
    while True:
        try:
            s.accept()
        except BlockingIOError:
            break
        print("received a seqpacket connection")
print("end", flush=True)
`

const REFUSED = {
  "dgram-sendto": "EACCES",
  "dgram-flags-sendto": "EACCES",
  "dgram-abstract": "EACCES",
  "dgram-rights": "EACCES",
  "dgram-connect": "EACCES",
  "raw-sendto": "EACCES",
  "seqpacket-sendto": "ok",
  "seqpacket-flags-sendto": "ok",
  "seqpacket-abstract": "ok",
  "seqpacket-rights": "ok",
  "seqpacket-connect": "EISCONN",
  "seqpacket-connect-abstract": "EISCONN",
  "seqpacket-peer-closed-connect": "EISCONN",
  // Shut down, it sends nowhere, the address it names included.
  "seqpacket-shut-down-sendto": "EPIPE",
  "seqpacket-bind-taken": "EADDRINUSE",
  "seqpacket-bind-abstract-taken": "EADDRINUSE",
  "stream-connect": "EISCONN",
  "stream-sendto": "EISCONN",
  "stream-rights": "EISCONN",
  // Still connected for the kernel once its peer is gone or it is shut down: it cannot be aimed again.
  "stream-peer-closed-connect": "EISCONN",
  "stream-shut-down-sendto": "EISCONN",
  "own-stream-pair": "ok",
  "own-seqpacket-pair": "ok"
}
const REFUSED_I386 = {
  "i386-socketcall-dgram-pair": "EACCES",
  "i386-socketcall-seqpacket-pair": "EACCES",
  "i386-dgram-pair": "EACCES",
  "i386-stream-pair": "ok",
  "i386-seqpacket-pair": "ok"
}

describe("I6: no socket of any type reaches a host socket path", () => {
  const listenHost = async (stage: Stage) => {
    const script = join(stage.root, "listener.py")
    writeFileSync(script, HOST_LISTENERS)
    const path = join(stage.root, "host-dgram.sock")
    const abstract = `codex-effect-i6-${process.pid}-${Date.now()}`
    const seqpacket = join(stage.root, "host-seqpacket.sock")
    const seqpacketAbstract = `${abstract}-seqpacket`
    const child: ChildProcessWithoutNullStreams = spawn("python3", [script, path, abstract, seqpacket, seqpacketAbstract])
    cleanups.push(() => child.kill("SIGKILL"))
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk))
    await waitUntil("the datagram listener", () => out.includes("ready\n"))
    const received = async () => {
      child.stdin.end()
      await waitUntil("the datagram listener to drain", () => out.includes("end\n"))
      return out.split("\n").filter((line) => line.startsWith("received"))
    }
    return { path, abstract, seqpacket, seqpacketAbstract, received }
  }

  for (const [mode, workspaceWrite] of [["read-only", ""], ["workspace-write", "network_access = true"]] as const) {
    it(`under ${mode}${workspaceWrite === "" ? "" : " with network access"}: every datagram and raw pair refused, stream and seqpacket pairs work but cannot be aimed elsewhere`, async () => {
      const stage = makeStage()
      const host = await listenHost(stage)
      const stream = await streamListener(join(stage.root, "host-stream.sock"))
      const probe = join(stage.root, "probe.py")
      writeFileSync(probe, SOCKET_PROBE)
      const { server, model } = await start(stage, [
        MockTurn.shell([
          "python3",
          probe,
          host.path,
          host.abstract,
          join(stage.root, "host-stream.sock"),
          host.seqpacket,
          host.seqpacketAbstract
        ]),
        MockTurn.message("done")
      ], { workspaceWrite })
      await callCodex(server, { sandbox: mode, "approval-policy": "never", cwd: stage.work })

      const lines = commandOutput(toolOutputs(model)[0]!).trim().split("\n")
      const results = Object.fromEntries(lines.map((line) => line.split(" ") as [string, string]))
      // A kernel without the i386 ABI kills the probe's `int 0x80` (nothing to reach there).
      const i386 = results.i386 === "unavailable" ? { i386: "unavailable" } : process.arch === "x64" ? REFUSED_I386 : {}
      // Abstract names live in a network namespace: without network access the sandbox has its own,
      // where the host's names do not exist (nothing to connect to, nothing taken).
      const abstractNames = workspaceWrite === "" ?
        { "seqpacket-connect-abstract": "ECONNREFUSED", "seqpacket-bind-abstract-taken": "ok" } :
        {}
      expect(results).toEqual({ ...REFUSED, ...abstractNames, ...i386 })
      expect(await host.received()).toEqual([])
      expect(stream.connections()).toBe(0)
    })
  }

  // The filter is what refuses the sockets: a process in the sandbox without it (bubblewrap's own init
  // is PID 1 there) could be made to open one for the command, through ptrace or /proc/1/mem.
  it("every process a command can see in its sandbox runs under the filter", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [
      MockTurn.shell(["bash", "-c", "sleep 5 & grep -h '^Seccomp:' /proc/[0-9]*/status | sort | uniq -c; kill %1"]),
      MockTurn.message("done")
    ])
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    // One line: how many processes (bubblewrap's init, bash, sleep, grep at least), all in filter mode 2.
    const [line, ...more] = commandOutput(toolOutputs(model)[0]!).trim().split("\n")
    expect(more).toEqual([])
    const [count, field, mode] = line!.trim().split(/\s+/)
    expect([field, mode]).toEqual(["Seccomp:", "2"])
    expect(Number(count)).toBeGreaterThanOrEqual(4)
  })
})
