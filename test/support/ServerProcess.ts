/**
 * Spawns the built server (`dist/codex-effect.mjs`) and talks raw JSON-RPC to it: send lines,
 * make requests, and wait for the message you expect. Every wait has a timeout that fails loudly
 * with what did arrive, so a test never hangs and never sleeps.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { resolve } from "node:path"
import { makeTempDir } from "./TempDirs.ts"

export const SERVER_BIN = resolve(import.meta.dirname, "../../dist/codex-effect.mjs")

export type JsonRpcMessage = {
  readonly jsonrpc?: string
  readonly id?: string | number | null
  readonly method?: string
  readonly params?: any
  readonly result?: any
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown }
}

export interface SpawnOptions {
  /** CODEX_HOME for the server; a fresh temp dir when omitted. */
  readonly codexHome?: string
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string | undefined>
  readonly cwd?: string
  /** Another server binary and its arguments (the benchmarks run the reference this way). */
  readonly command?: { readonly file: string; readonly args: ReadonlyArray<string> }
  /** Descriptors the server inherits from its launcher, beyond stdio: child fd number -> this process's fd. */
  readonly inheritFds?: Readonly<Record<number, number>>
}

export { makeTempDir }

export class ServerProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly codexHome: string
  readonly messages: Array<JsonRpcMessage> = []
  stderr = ""
  private buffer = ""
  private nextId = 1000
  private waiters: Array<() => void> = []
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>

  constructor(options: SpawnOptions = {}) {
    this.codexHome = options.codexHome ?? makeTempDir("codex-home-")
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries({ ...process.env, OPENAI_API_KEY: undefined, ...options.env })) {
      if (value !== undefined) env[key] = value
    }
    env.CODEX_HOME = this.codexHome
    env.CODEX_EFFECT_LOG ??= "debug"
    const file = options.command?.file ?? process.execPath
    const args = options.command?.args ?? [SERVER_BIN, ...(options.args ?? ["mcp"])]
    const stdio: Array<"pipe" | "ignore" | number> = ["pipe", "pipe", "pipe"]
    for (const [target, fd] of Object.entries(options.inheritFds ?? {})) {
      while (stdio.length <= Number(target)) stdio.push("ignore")
      stdio[Number(target)] = fd
    }
    this.child = spawn(file, [...args], { env, cwd: options.cwd ?? process.cwd(), stdio }) as ChildProcessWithoutNullStreams
    this.exited = new Promise((done) => this.child.once("exit", (code, signal) => done({ code, signal })))
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (chunk: string) => this.onStdout(chunk))
    this.child.stderr.setEncoding("utf8")
    this.child.stderr.on("data", (chunk: string) => {
      this.stderr += chunk
      this.wake()
    })
    this.child.once("exit", () => this.wake())
  }

  private onStdout(chunk: string) {
    this.buffer += chunk
    let newline = this.buffer.indexOf("\n")
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline)
      this.buffer = this.buffer.slice(newline + 1)
      if (line.length > 0) {
        try {
          this.messages.push(JSON.parse(line))
        } catch {
          this.messages.push({ method: "<<non-JSON line on stdout>>", params: line })
        }
      }
      newline = this.buffer.indexOf("\n")
    }
    this.wake()
  }

  private wake() {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }

  sendLine(line: string) {
    this.child.stdin.write(line + "\n")
  }

  send(message: object) {
    this.sendLine(JSON.stringify({ jsonrpc: "2.0", ...message }))
  }

  /** Sends a request and waits for the response or error with its id. */
  async request(method: string, params?: unknown, timeoutMs = 10_000): Promise<JsonRpcMessage> {
    const id = this.nextId++
    this.send(params === undefined ? { id, method } : { id, method, params })
    return this.waitFor((m) => m.id === id && m.method === undefined, `answer to ${method} (id ${id})`, timeoutMs)
  }

  /** Waits for the first message (from the start of the session) that matches and was not consumed yet. */
  async waitFor(
    predicate: (message: JsonRpcMessage) => boolean,
    description: string,
    timeoutMs = 10_000
  ): Promise<JsonRpcMessage> {
    const deadline = Date.now() + timeoutMs
    let searchedUpTo = 0
    for (;;) {
      for (; searchedUpTo < this.messages.length; searchedUpTo++) {
        const message = this.messages[searchedUpTo]!
        if (!consumed.has(message) && predicate(message)) {
          consumed.add(message)
          return message
        }
      }
      const remaining = deadline - Date.now()
      if (remaining <= 0 || this.child.exitCode !== null) {
        throw new Error(
          `Timed out after ${timeoutMs} ms waiting for ${description}` +
            (this.child.exitCode !== null ? ` (server exited with ${this.child.exitCode})` : "") +
            `\nlast messages:\n${this.messages.slice(-8).map((m) => JSON.stringify(m).slice(0, 400)).join("\n")}` +
            `\nstderr tail:\n${this.stderr.slice(-2000)}`
        )
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, remaining)
        this.waiters.push(() => {
          clearTimeout(timer)
          wake()
        })
      })
    }
  }

  /** Waits until stderr (the server's log) contains `pattern`; fails loudly with the log after `timeoutMs`. */
  async waitForStderr(pattern: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const match = typeof pattern === "string"
        ? (this.stderr.includes(pattern) ? [pattern] : null)
        : pattern.exec(this.stderr)
      if (match !== null) return match[0]
      const remaining = deadline - Date.now()
      if (remaining <= 0 || this.child.exitCode !== null) {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${String(pattern)} on stderr\nstderr:\n${this.stderr.slice(-3000)}`)
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, remaining)
        this.waiters.push(() => {
          clearTimeout(timer)
          wake()
        })
      })
    }
  }

  waitForNotification(method: string, timeoutMs?: number) {
    return this.waitFor((m) => m.method === method && m.id === undefined, `notification ${method}`, timeoutMs)
  }

  waitForServerRequest(method: string, timeoutMs?: number) {
    return this.waitFor((m) => m.method === method && m.id !== undefined, `server request ${method}`, timeoutMs)
  }

  /** `initialize` + `notifications/initialized`, as every MCP client starts. */
  async initialize(protocolVersion = "2025-06-18") {
    const answer = await this.request("initialize", {
      protocolVersion,
      capabilities: { elicitation: {} },
      clientInfo: { name: "elicitation test", title: "Elicitation Test", version: "0.0.0" }
    })
    this.send({ method: "notifications/initialized" })
    return answer
  }

  /** Closes stdin and waits for the exit, failing loudly after `timeoutMs`. */
  async closeAndWait(timeoutMs = 5_000) {
    this.child.stdin.end()
    return this.waitForExit(timeoutMs)
  }

  async waitForExit(timeoutMs = 5_000) {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`server did not exit within ${timeoutMs} ms\nstderr:\n${this.stderr.slice(-2000)}`)), timeoutMs)
    })
    try {
      return await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL")
  }
}

const consumed = new WeakSet<JsonRpcMessage>()

/** Spawns a server; pair with `server.kill()` in `afterEach`. */
export const spawnServer = (options?: SpawnOptions) => new ServerProcess(options)
