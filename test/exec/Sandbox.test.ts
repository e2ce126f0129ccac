/**
 * The bubblewrap sandbox: the argv it is given per policy, finding and probing bwrap (and the fix
 * named when it is missing or broken), and real sandboxed commands — writes allowed only in the
 * writable roots, every write refused under read-only, no network unless allowed, the whole sandbox
 * killed on timeout, and never a silent unsandboxed run.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { type CommandSandbox, runCommand } from "../../src/agent/exec/CommandRunner.js"
import { bwrapArgs, findBwrap } from "../../src/agent/exec/Sandbox.js"
import type { SandboxPolicy } from "../../src/rpc/Enums.js"
import { makeTempDir } from "../support/TempDirs.js"
import { eventually, processesWith, tempDir, testEnv } from "./support.js"

/** `keyctl`'s syscall number on this host, where the test knows it. */
const KEYCTL = ({ x64: 250, arm64: 219 } as Record<string, number | undefined>)[process.arch]
const hasPython = spawnSync("python3", ["--version"]).status === 0

/** The writable bind targets in a bwrap argv (bound by descriptor: `--bind-fd FD DEST`). */
const binds = (args: ReadonlyArray<string>) => args.flatMap((arg, i) => (arg === "--bind-fd" ? [args[i + 2]!] : []))
/** The read-only bind targets in a bwrap argv (`--ro-bind SRC DEST`, `--ro-bind-fd FD DEST`). */
const roBinds = (args: ReadonlyArray<string>) =>
  args.flatMap((arg, i) => (arg === "--ro-bind" || arg === "--ro-bind-fd" ? [args[i + 2]!] : []))

describe("bwrapArgs", () => {
  const cwd = tempDir()
  const extra = tempDir()
  const tmpdir = tempDir()
  const env = { TMPDIR: tmpdir, HOME: "/nonexistent-home" }

  it("read-only: the whole filesystem read-only, fresh /dev and /proc, no network, nothing writable", () => {
    const args = bwrapArgs({ policy: { mode: "read-only" }, workspace: cwd, env }, cwd)
    assert.deepStrictEqual(args, [
      "--die-with-parent", "--unshare-pid", "--cap-drop", "ALL", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
      "--unshare-net", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
      "--seccomp", "3",
      "--chdir", cwd
    ])
  })

  it("workspace-write: binds the workspace, writable roots, /tmp and $TMPDIR, broadest first", () => {
    const args = bwrapArgs({ policy: { mode: "workspace-write", writable_roots: [extra] }, workspace: cwd, env }, cwd)
    assert.includeMembers(args, ["--unshare-net", "--ro-bind"])
    const bound = binds(args)
    assert.sameMembers(bound, [cwd, extra, "/tmp", tmpdir])
    assert.deepStrictEqual(bound, [...bound].sort((a, b) => a.length - b.length))
    assert.isBelow(args.indexOf("--ro-bind"), args.indexOf("--bind-fd"))
    assert.deepStrictEqual(args.slice(-2), ["--chdir", cwd])
  })

  it("workspace-write: the start directory never becomes writable, only the workspace", () => {
    const elsewhere = tempDir()
    const policy: SandboxPolicy = { mode: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true }
    for (const start of ["/", elsewhere, join(cwd, "..")]) {
      const args = bwrapArgs({ policy, workspace: cwd, env }, start)
      assert.deepStrictEqual(binds(args), [cwd])
      assert.deepStrictEqual(args.slice(-2), ["--chdir", start])
    }
  })

  it("workspace-write: exclusions, network access, missing roots", () => {
    const policy: SandboxPolicy = {
      mode: "workspace-write",
      writable_roots: [join(extra, "does-not-exist")],
      network_access: true,
      exclude_slash_tmp: true,
      exclude_tmpdir_env_var: true
    }
    const args = bwrapArgs({ policy, workspace: cwd, env }, cwd)
    assert.notInclude(args, "--unshare-net")
    assert.deepStrictEqual(binds(args), [cwd])
  })

  it("workspace-write: each root's .git bound read-only after the writable binds", () => {
    const repo = tempDir()
    mkdirSync(join(repo, ".git"))
    const args = bwrapArgs({ policy: { mode: "workspace-write", exclude_slash_tmp: true }, workspace: repo, env: {} }, repo)
    assert.isAbove(args.lastIndexOf("--ro-bind-fd"), args.indexOf("--bind-fd"))
    assert.deepStrictEqual(roBinds(args), ["/", join(repo, ".git")])
  })

  it("hides CODEX_HOME behind an empty read-only tmpfs in every mode; a missing one is created first", () => {
    const home = tempDir()
    for (const mode of ["read-only", "workspace-write", "danger-full-access"] as const) {
      const args = bwrapArgs({ policy: { mode }, workspace: cwd, codexHome: home, env }, cwd)
      const at = args.indexOf("--tmpfs")
      assert.deepStrictEqual(args.slice(at, at + 4), ["--tmpfs", home, "--remount-ro", home], mode)
      assert.strictEqual(args.filter((arg) => arg === "--tmpfs").length, 1)
    }
    const missing = join(home, "missing", "home")
    const args = bwrapArgs({ policy: { mode: "read-only" }, workspace: cwd, codexHome: missing }, cwd)
    assert.isTrue(existsSync(missing))
    const at = args.indexOf("--tmpfs")
    assert.deepStrictEqual(args.slice(at, at + 4), ["--tmpfs", missing, "--remount-ro", missing])
  })

  it("CODEX_HOME deep inside a writable root: every directory between them is pinned among the roots' binds, broadest first", () => {
    const root = tempDir()
    const home = join(root, "x", "b", "home")
    const repo = join(root, "x", "repo")
    mkdirSync(home, { recursive: true })
    mkdirSync(join(repo, ".git"), { recursive: true })
    const args = bwrapArgs({ policy: { mode: "workspace-write", writable_roots: [root] }, workspace: repo, codexHome: home, env }, repo)
    // A bind covers what was mounted below it: the pin of `x` comes before the workspace's bind and its .git.
    const order = [root, join(root, "x"), join(root, "x", "b"), repo].map((dir) => binds(args).indexOf(dir))
    assert.deepStrictEqual(order, [...order].sort((a, b) => a - b))
    assert.notInclude(order, -1)
    assert.isBelow(args.lastIndexOf(join(root, "x", "b")), args.indexOf(join(repo, ".git")))
    assert.isBelow(args.indexOf(join(repo, ".git")), args.indexOf("--tmpfs"))
    // Nothing writable means nothing to pin.
    assert.deepStrictEqual(binds(bwrapArgs({ policy: { mode: "read-only" }, workspace: cwd, codexHome: home, env }, cwd)), [])
  })

  it("a workspace inside CODEX_HOME stays visible: all of CODEX_HOME read-only, its secrets hidden", () => {
    const home = tempDir()
    mkdirSync(join(home, "sessions"))
    mkdirSync(join(home, "project"))
    writeFileSync(join(home, "auth.json"), "{}")
    writeFileSync(join(home, ".env"), "KEY=1")
    writeFileSync(join(home, "config.toml"), "")
    const secrets = [
      "--ro-bind", "/dev/null", join(home, "auth.json"),
      "--ro-bind", "/dev/null", join(home, ".env"),
      "--tmpfs", join(home, "sessions"), "--remount-ro", join(home, "sessions")
    ]
    for (const workspace of [home, join(home, "project")]) {
      const sandboxed = bwrapArgs({ policy: { mode: "read-only" }, workspace, codexHome: home }, workspace)
      const at = sandboxed.indexOf(home) - 1
      assert.deepStrictEqual(sandboxed.slice(at, at + 3 + secrets.length), ["--ro-bind", home, home, ...secrets])
      // Let out of the sandbox: the secrets still hidden, the config read-only, the rest writable.
      const full = bwrapArgs({ policy: { mode: "danger-full-access" }, workspace, codexHome: home }, workspace)
      assert.deepStrictEqual(full.slice(full.indexOf("/proc", 6) + 1, full.indexOf("--chdir")), [
        ...secrets,
        "--ro-bind", join(home, "config.toml"), join(home, "config.toml")
      ])
    }
  })

  it("a writable root below CODEX_HOME is bound writable again over it, with its .git read-only; not one in the server's entries", () => {
    const home = tempDir()
    const project = join(home, "project")
    mkdirSync(join(project, ".git"), { recursive: true })
    mkdirSync(join(home, "sessions"))
    const policy = { mode: "workspace-write", exclude_slash_tmp: true, writable_roots: [join(home, "sessions")] } as const
    const args = bwrapArgs({ policy, workspace: project, codexHome: home, env: {} }, project)
    const tail = args.slice(args.lastIndexOf(home), args.indexOf("--seccomp"))
    assert.deepStrictEqual(tail, [
      home,
      "--tmpfs", join(home, "sessions"), "--remount-ro", join(home, "sessions"),
      "--bind", project, project,
      "--ro-bind", join(project, ".git"), join(project, ".git")
    ])
  })

  it("danger-full-access: only a PID namespace around the real root (read-write, devices, network)", () => {
    const args = bwrapArgs({ policy: { mode: "danger-full-access" }, workspace: cwd }, "/")
    assert.deepStrictEqual(args, [
      "--die-with-parent", "--unshare-pid", "--dev-bind", "/", "/", "--proc", "/proc", "--chdir", "/"
    ])
  })
})

describe("findBwrap", () => {
  it.live("finds a working bwrap on this machine (CI installs bubblewrap)", () =>
    Effect.gen(function*() {
      const path = yield* findBwrap()
      assert.match(path, /\/bwrap$/)
      assert.strictEqual(yield* findBwrap("bwrap"), path)
    }))

  it.live("a configured path that does not exist: SandboxUnavailable naming the path and the fix", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(findBwrap("/nonexistent/bwrap"))
      assert.strictEqual(error._tag, "SandboxUnavailable")
      assert.include(error.message, "/nonexistent/bwrap")
      assert.include(error.message, "apt-get install bubblewrap")
      assert.include(error.message, "sandbox_mode = \"danger-full-access\"")
    }))

  it.live("a name not on PATH: SandboxUnavailable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(findBwrap("no-such-bwrap-xyz"))
      assert.include(error.message, "`no-such-bwrap-xyz` was not found on PATH")
    }))

  it.live("a bwrap that cannot start a sandbox: SandboxUnavailable with its complaint", () =>
    Effect.gen(function*() {
      const fake = join(tempDir(), "bwrap")
      writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
      chmodSync(fake, 0o755)
      const error = yield* Effect.flip(findBwrap(fake))
      assert.include(error.message, "No permissions to create new namespace")
      assert.include(error.message, "danger-full-access")
    }))
})

describe("sandboxed commands", () => {
  const sandboxed = (policy: SandboxPolicy, cwd: string, script: string, timeoutMs = 10_000) =>
    Effect.gen(function*() {
      const sandbox: CommandSandbox = { bwrapPath: yield* findBwrap(), spec: { policy, workspace: cwd } }
      return yield* runCommand({ argv: ["bash", "-c", script], cwd, env: testEnv, timeoutMs, sandbox })
    })

  it.live("workspace-write: writes inside cwd and writable roots, not elsewhere", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const extra = tempDir()
      const outside = makeTempDir("codex-outside-", "/var/tmp")
      const policy: SandboxPolicy = { mode: "workspace-write", writable_roots: [extra] }
      const inside = yield* sandboxed(policy, cwd, `echo ok > inside.txt && echo ok > ${extra}/extra.txt`)
      assert.strictEqual(inside.exitCode, 0, inside.stderr)
      assert.isTrue(existsSync(join(cwd, "inside.txt")))
      assert.isTrue(existsSync(join(extra, "extra.txt")))
      const denied = yield* sandboxed(policy, cwd, `echo no > ${outside}/outside.txt`)
      assert.notStrictEqual(denied.exitCode, 0)
      assert.include(denied.stderr, "Read-only file system")
      assert.isFalse(existsSync(join(outside, "outside.txt")))
    }))

  it.live("workspace-write: .git stays read-only and CODEX_HOME is an empty, read-only directory", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      mkdirSync(join(cwd, ".git", "hooks"), { recursive: true })
      const codexHome = join(cwd, ".codex")
      mkdirSync(codexHome)
      writeFileSync(join(codexHome, "auth.json"), "secret")
      const spec = { policy: { mode: "workspace-write", exclude_slash_tmp: true } as const, workspace: cwd, codexHome }
      const script = "echo x > .git/hooks/pre-commit; ls -A .codex; echo y > .codex/new; echo ok > fine.txt"
      const result = yield* runCommand({
        argv: ["sh", "-c", script],
        cwd,
        env: testEnv,
        sandbox: { bwrapPath: yield* findBwrap(), spec }
      })
      assert.match(result.stderr, /\.git\/hooks\/pre-commit: Read-only file system/)
      assert.match(result.stderr, /\.codex\/new: Read-only file system/)
      assert.strictEqual(result.stdout, "")
      assert.isFalse(existsSync(join(cwd, ".git", "hooks", "pre-commit")))
      assert.isTrue(existsSync(join(cwd, "fine.txt")))
    }))

  it.live.skipIf(process.getuid?.() !== 0)("run by root: no capability, so no remount, unmount or mount gets out", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const outside = makeTempDir("codex-outside-", "/var/tmp")
      const codexHome = join(cwd, ".codex")
      mkdirSync(codexHome)
      writeFileSync(join(codexHome, "auth.json"), "secret")
      const script = [
        "grep CapEff /proc/self/status",
        `mount -o remount,rw / 2>/dev/null; mount -o remount,rw ${outside} 2>/dev/null`,
        `mount --bind ${cwd} ${outside} 2>/dev/null; umount ${codexHome} 2>/dev/null`,
        `touch ${outside}/escaped 2>/dev/null; cat ${codexHome}/auth.json 2>/dev/null; echo done`
      ].join("; ")
      for (const mode of ["read-only", "workspace-write"] as const) {
        const result = yield* runCommand({
          argv: ["bash", "-c", script],
          cwd,
          env: testEnv,
          sandbox: { bwrapPath: yield* findBwrap(), spec: { policy: { mode }, workspace: cwd, codexHome } }
        })
        assert.strictEqual(result.stdout, "CapEff:\t0000000000000000\ndone\n", `${mode}: ${result.stderr}`)
        assert.isFalse(existsSync(join(outside, "escaped")))
      }
    }))

  it.live("read-only: every write fails, /tmp included", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const token = `codex-ro-${process.pid}-${Date.now()}`
      const result = yield* sandboxed(
        { mode: "read-only" },
        cwd,
        `for f in here.txt /tmp/${token} /var/tmp/${token}; do touch "$f" 2>/dev/null && echo "wrote $f"; done; echo checked`
      )
      assert.strictEqual(result.stdout, "checked\n")
      assert.isFalse(existsSync(join(cwd, "here.txt")))
      assert.isFalse(existsSync(`/tmp/${token}`))
      assert.isFalse(existsSync(`/var/tmp/${token}`))
    }))

  it.live("no network unless the policy allows it", () =>
    Effect.gen(function*() {
      let connections = 0
      const server = createServer((socket) => {
        connections++
        socket.end("hello\n")
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening))),
        () => Effect.sync(() => server.close())
      )
      const port = (server.address() as { port: number }).port
      const script = `exec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3`
      const blocked = yield* sandboxed({ mode: "workspace-write" }, tempDir(), script)
      assert.notStrictEqual(blocked.exitCode, 0)
      assert.strictEqual(connections, 0)
      const allowed = yield* sandboxed({ mode: "workspace-write", network_access: true }, tempDir(), script)
      assert.strictEqual(allowed.stdout, "hello\n")
      assert.strictEqual(connections, 1)
    }).pipe(Effect.scoped))

  it.live("no Unix-domain socket in either mode, wherever it lives; a command's own pipes and socketpairs still work", () =>
    Effect.gen(function*() {
      const workspace = tempDir()
      const accepted: Array<string> = []
      const listen = (address: string) =>
        Effect.acquireRelease(
          Effect.promise(() =>
            new Promise<Server>((listening) => {
              const server = createServer((socket) => {
                accepted.push(address)
                socket.end("hello\n")
              })
              server.listen(address, () => listening(server))
            })
          ),
          (server) => Effect.sync(() => server.close())
        )
      // A daemon's socket outside the workspace, one inside the writable workspace, one abstract.
      const outside = join(tempDir(), "daemon.sock")
      const inside = join(workspace, "inside.sock")
      const abstract = `\0codex-sandbox-test-${process.pid}`
      for (const address of [outside, inside, abstract]) yield* listen(address)
      const connect = (address: string) =>
        `${process.execPath} -e 'require("net").connect(process.argv[1]).on("connect", () => console.log("connected"))` +
        `.on("error", (e) => console.log(e.code))' '${address.replace("\0", "\\0")}'`
      // Node's own child pipes are socketpairs: a command that runs children must keep working.
      const ownChildren = `${process.execPath} -e 'console.log(require("child_process").execSync("echo child").toString().trim())'`
      for (const policy of [{ mode: "read-only" }, { mode: "workspace-write", network_access: true }] as const) {
        const result = yield* sandboxed(
          policy,
          workspace,
          [connect(outside), connect(inside), connect(abstract.replace("\0", "\\0")), ownChildren].join("; ")
        )
        assert.strictEqual(result.stdout, "EACCES\nEACCES\nEACCES\nchild\n", `${policy.mode}: ${result.stderr}`)
      }
      assert.deepStrictEqual(accepted, [])
      // The filter reached bwrap through fd 3, which is closed before the command starts.
      const fd3 = yield* sandboxed({ mode: "read-only" }, workspace, "[ -e /proc/$$/fd/3 ] && echo open || echo closed")
      assert.strictEqual(fd3.stdout, "closed\n")
    }).pipe(Effect.scoped))

  it.live.skipIf(KEYCTL === undefined || !hasPython)("the kernel keyrings are out of reach in both modes, as they are not outside", () =>
    Effect.gen(function*() {
      // keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0): the session keyring the server shares.
      const script = `python3 -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); ` +
        `r = l.syscall(${KEYCTL}, 0, -3, 0); print("refused" if r < 0 and ctypes.get_errno() == 38 else "reached")'`
      for (const policy of [{ mode: "read-only" }, { mode: "workspace-write", network_access: true }] as const) {
        const result = yield* sandboxed(policy, tempDir(), script)
        assert.strictEqual(result.stdout, "refused\n", `${policy.mode}: ${result.stderr}`)
      }
      const unfiltered = yield* sandboxed({ mode: "danger-full-access" }, tempDir(), script)
      assert.strictEqual(unfiltered.stdout, "reached\n", unfiltered.stderr)
    }))

  it.live("danger-full-access keeps Unix-domain sockets", () =>
    Effect.gen(function*() {
      const address = join(tempDir(), "daemon.sock")
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<Server>((listening) => {
          const server = createServer((socket) => socket.end())
          server.listen(address, () => listening(server))
        })),
        (server) => Effect.sync(() => server.close())
      )
      const script = `${process.execPath} -e 'require("net").connect(process.argv[1]).on("connect", () => console.log("connected"))' '${address}'`
      const result = yield* sandboxed({ mode: "danger-full-access" }, tempDir(), script)
      assert.strictEqual(result.stdout, "connected\n", result.stderr)
    }).pipe(Effect.scoped))

  it.live("a timeout kills everything inside the sandbox", () =>
    Effect.gen(function*() {
      const token = `${40 + (process.pid % 1000) / 1000}`
      const running = () => processesWith(`sleep\0${token}`).length
      const fiber = yield* sandboxed({ mode: "read-only" }, tempDir(), `sleep ${token} & sleep ${token} & wait`, 3_000)
        .pipe(Effect.forkChild)
      yield* eventually(`both 'sleep ${token}' to start`, () => running() === 2)
      const result = yield* Fiber.join(fiber)
      assert.isTrue(result.timedOut)
      assert.strictEqual(result.exitCode, 124)
      yield* eventually(`every 'sleep ${token}' to die`, () => running() === 0)
    }))

  it.live("a missing program is an ExecError, not a sandbox denial", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(runCommand({
        argv: ["no-such-program-xyz"],
        cwd: tempDir(),
        env: testEnv,
        sandbox: { bwrapPath: yield* findBwrap(), spec: { policy: { mode: "read-only" }, workspace: "/" } }
      }))
      assert.strictEqual(error._tag, "ExecError")
    }))

  it.live("never runs unsandboxed when bwrap is missing", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const error = yield* Effect.flip(runCommand({
        argv: ["touch", "ran.txt"],
        cwd,
        env: testEnv,
        sandbox: { bwrapPath: "/nonexistent/bwrap", spec: { policy: { mode: "workspace-write" }, workspace: cwd } }
      }))
      assert.strictEqual(error._tag, "SandboxUnavailable")
      assert.isFalse(existsSync(join(cwd, "ran.txt")))
    }))
})
