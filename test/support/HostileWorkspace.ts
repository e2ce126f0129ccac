/**
 * The stage for the hostile-model tests: one temp directory holding a workspace (`work`, the turn's
 * cwd), a directory that must never change (`outside`), a fake home with CODEX_HOME inside it, and the
 * built server spawned against a mock model that plays the attack. `/tmp` and `$TMPDIR` are excluded
 * from the writable roots, so the only writable directory is `work`. Everything is removed after
 * each test: the server killed, the mock closed, the temp directory deleted.
 *
 * `callCodex` runs one `codex` tool call to its end and answers every approval request it raises with
 * the given decision, so a test can say "the user denies everything" and count what was asked.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach } from "vitest"
import { type MockModelServer, type MockTurn, mockConfigToml, startMockModelServer } from "./MockModelServer.js"
import { type JsonRpcMessage, SERVER_BIN, type ServerProcess, spawnServer } from "./ServerProcess.js"

export interface Stage {
  /** The temp directory holding everything below. */
  readonly root: string
  /** The turn's cwd: the only writable root. */
  readonly work: string
  /** Must never change. */
  readonly outside: string
  /** `$HOME` of the server. */
  readonly home: string
  readonly codexHome: string
}

export interface StartOptions {
  /** More config.toml lines at the top level (before any table). */
  readonly extra?: string
  /** More `[sandbox_workspace_write]` lines. */
  readonly workspaceWrite?: string
  /** `[model_providers.mock_provider]` lines. */
  readonly provider?: string
  readonly env?: Record<string, string>
  /** CODEX_HOME, when not `<home>/.codex`. */
  readonly codexHome?: string
  /** Descriptors the server inherits beyond stdio (see `SpawnOptions.inheritFds`). */
  readonly inheritFds?: Readonly<Record<number, number>>
  /** Called with the server as soon as it is spawned, before it is initialized. */
  readonly spawned?: (server: ServerProcess) => void
}

export interface HostileServer {
  readonly server: ServerProcess
  readonly model: MockModelServer
}

/** The tree below `dir` as sorted relative paths (directories end with `/`). */
export const listTree = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => `${join(entry.parentPath, entry.name).slice(dir.length + 1)}${entry.isDirectory() ? "/" : ""}`)
    .sort()

export const git = (cwd: string, ...args: Array<string>) =>
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd, encoding: "utf8", stdio: "pipe" })

/** A git repository with one commit. */
export const makeRepo = (dir: string) => {
  mkdirSync(dir, { recursive: true })
  git(dir, "init", "-q", "-b", "main")
  writeFileSync(join(dir, "README.md"), "hello\n")
  git(dir, "add", ".")
  git(dir, "commit", "-q", "-m", "first")
}

/** Registers the cleanup; returns `makeStage` and `start`. */
export const useHostileStage = () => {
  const dirs: Array<string> = []
  const running: Array<HostileServer> = []
  afterEach(async () => {
    for (const { server, model } of running.splice(0)) {
      server.kill()
      await server.waitForExit().catch(() => undefined)
      await model.close()
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  const makeStage = (): Stage => {
    const root = mkdtempSync(join(tmpdir(), "codex-hostile-"))
    dirs.push(root)
    const stage = { root, work: join(root, "work"), outside: join(root, "outside"), home: join(root, "home"), codexHome: join(root, "home", ".codex") }
    for (const dir of [stage.work, stage.outside, stage.codexHome]) mkdirSync(dir, { recursive: true })
    writeFileSync(join(stage.outside, "keep.txt"), "untouched\n")
    return stage
  }

  const start = async (stage: Stage, turns: ReadonlyArray<MockTurn>, options: StartOptions = {}): Promise<HostileServer> => {
    const model = await startMockModelServer(turns)
    const codexHome = options.codexHome ?? stage.codexHome
    mkdirSync(codexHome, { recursive: true })
    const workspaceWrite = `[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n${options.workspaceWrite ?? ""}`
    const config = mockConfigToml(model.url, {
      extra: `${options.extra ?? ""}\n${workspaceWrite}`,
      ...(options.provider !== undefined ? { provider: `request_max_retries = 0\nstream_max_retries = 0\n${options.provider}` } : {})
    })
    writeFileSync(join(codexHome, "config.toml"), config)
    const server = spawnServer({
      codexHome,
      env: { HOME: stage.home, ...options.env },
      ...(options.inheritFds !== undefined ? { inheritFds: options.inheritFds } : {})
    })
    running.push({ server, model })
    options.spawned?.(server)
    await server.initialize()
    return { server, model }
  }

  return { makeStage, start }
}

let nextCallId = 1

export interface CodexCall {
  readonly result: JsonRpcMessage
  /** The approval requests (elicitations) the call raised, in order. */
  readonly asked: ReadonlyArray<JsonRpcMessage>
  /** The `codex/event` messages of the call, as `msg` objects. */
  readonly events: ReadonlyArray<{ readonly type: string; readonly [key: string]: any }>
}

type Decision = "approved" | "approved_for_session" | "denied"

/**
 * One `codex` tool call, run to its result; the elicitations it raises are answered with `decisions`
 * in order (the last one repeats). `args` are the tool's arguments besides the prompt (`cwd`,
 * `sandbox`, `approval-policy`…).
 */
export const callCodex = async (
  server: ServerProcess,
  args: Record<string, unknown>,
  decisions: Decision | ReadonlyArray<Decision> = "denied",
  timeoutMs = 20_000
): Promise<CodexCall> => {
  const answers = typeof decisions === "string" ? [decisions] : decisions
  const id = `hostile-${nextCallId++}`
  server.send({ id, method: "tools/call", params: { name: "codex", arguments: { prompt: "do it", ...args } } })
  const asked: Array<JsonRpcMessage> = []
  for (;;) {
    const next = await server.waitFor(
      (m) => (m.id === id && m.method === undefined) || (m.method === "elicitation/create" && m.id !== undefined),
      `the result of ${id}, or an approval request`,
      timeoutMs
    )
    if (next.method === undefined) {
      const events = server.messages
        .filter((m) => m.method === "codex/event" && m.params?._meta?.requestId === id)
        .map((m) => m.params.msg)
      return { result: next, asked, events }
    }
    asked.push(next)
    server.send({ id: next.id!, result: { decision: answers[Math.min(asked.length, answers.length) - 1] } })
  }
}

/** The tool outputs the model received, in order, across all its requests and conversations (one per call id). */
export const toolOutputs = (model: MockModelServer): Array<string> => {
  const byCallId = new Map<string, string>()
  for (const request of model.requests) {
    const messages = (request.body.messages ?? []) as Array<{ role: string; content: string; tool_call_id?: string }>
    for (const m of messages) if (m.role === "tool" && !byCallId.has(m.tool_call_id!)) byCallId.set(m.tool_call_id!, m.content)
  }
  return [...byCallId.values()]
}

/**
 * `codex-effect exec` in `stage.work` under `workspace-write` + `never` against a mock model playing `turns`,
 * run to its exit (killed after 30 s: then the test fails).
 */
export const runExec = async (
  stage: Stage,
  turns: ReadonlyArray<MockTurn>,
  args: ReadonlyArray<string>,
  options: { readonly extra?: string; readonly inheritFds?: Readonly<Record<number, number>>; readonly env?: Record<string, string> } = {}
) => {
  const model = await startMockModelServer(turns)
  try {
    writeFileSync(
      join(stage.codexHome, "config.toml"),
      mockConfigToml(model.url, {
        sandboxMode: "workspace-write",
        approvalPolicy: "never",
        extra: `${options.extra ?? ""}\n[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true`
      })
    )
    const env = { ...process.env, OPENAI_API_KEY: undefined, CODEX_EFFECT_LOG: undefined, CODEX_HOME: stage.codexHome, HOME: stage.home, ...options.env }
    const exit = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      const stdio: Array<"pipe" | "ignore" | number> = ["pipe", "pipe", "pipe"]
      for (const [target, fd] of Object.entries(options.inheritFds ?? {})) {
        while (stdio.length <= Number(target)) stdio.push("ignore")
        stdio[Number(target)] = fd
      }
      const child = spawn(process.execPath, [SERVER_BIN, "exec", "--skip-git-repo-check", ...args, "do it"], { env, cwd: stage.work, stdio })
      let stderr = ""
      child.stderr!.on("data", (chunk) => (stderr += chunk))
      child.stdout!.resume()
      child.stdin!.end()
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        reject(new Error(`exec did not exit within 30 s\nstderr:\n${stderr.slice(-2000)}`))
      }, 30_000)
      child.once("close", (status) => {
        clearTimeout(timer)
        resolve({ status, stderr })
      })
    })
    return { ...exit, model }
  } finally {
    await model.close()
  }
}
