/**
 * The MCP SDK's `Transport` over a child process's stdin/stdout, like the SDK's own stdio transport, except
 * that the server runs in its own process group, so closing kills everything it started (a server launched
 * through `npx` or a shell script is several processes), and the tail of its stderr is kept to explain a
 * failed start or a crash.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"

/** How much of a server's stderr is kept: enough for a stack trace's head, never a flood. */
const STDERR_TAIL_BYTES = 4096

/** One stdout message may not grow past this: a server that never ends a line cannot grow memory without bound. */
export const MAX_MCP_MESSAGE_BYTES = 16 * 1024 * 1024

export interface StdioServerProcess {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
}

const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // the group is already gone
  }
}

export class ProcessGroupStdioTransport implements Transport {
  onclose?: (() => void) | undefined
  onerror?: ((error: Error) => void) | undefined
  onmessage?: ((message: JSONRPCMessage) => void) | undefined

  private child: ChildProcess | undefined
  /** Settles when the process has exited and its pipes are closed (or it never started). */
  private exited: Promise<void> = Promise.resolve()
  private readonly readBuffer = new ReadBuffer({ maxBufferSize: MAX_MCP_MESSAGE_BYTES })
  private stderr = ""

  constructor(private readonly server: StdioServerProcess) {}

  /** The server's process id (also its process group id), once started. */
  get pid(): number | undefined {
    return this.child?.pid
  }

  /** The last few KiB the server wrote to stderr, trimmed. */
  stderrTail(): string {
    return this.stderr.trim()
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.server.command, [...this.server.args], {
        cwd: this.server.cwd,
        env: this.server.env,
        stdio: ["pipe", "pipe", "pipe"],
        detached: true
      })
      this.child = child
      let markExited = () => {}
      this.exited = new Promise((settle) => {
        markExited = settle
      })
      child.once("error", (error) => {
        reject(error)
        if (child.pid === undefined) markExited()
        this.onerror?.(error)
      })
      child.once("spawn", () => resolve())
      child.once("close", () => {
        markExited()
        // Whatever the server left running in its group goes with it.
        killGroup(child, "SIGKILL")
        if (this.child === child) this.child = undefined
        this.onclose?.()
      })
      child.stdin?.on("error", (error) => this.onerror?.(error))
      child.stderr?.on("data", (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES)
      })
      child.stdout?.on("data", (chunk: Buffer) => {
        try {
          this.readBuffer.append(chunk)
        } catch (error) {
          this.onerror?.(error instanceof Error ? error : new Error(String(error)))
          void this.close()
          return
        }
        this.readMessages()
      })
    })
  }

  private readMessages() {
    for (;;) {
      let message: JSONRPCMessage | null
      try {
        message = this.readBuffer.readMessage()
      } catch (error) {
        // A line that is not a JSON-RPC message is skipped, as the SDK's own transport does.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)))
        continue
      }
      if (message === null) break
      this.onmessage?.(message)
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin
      if (stdin === undefined || stdin === null || stdin.destroyed) return reject(new Error("the server is not running"))
      if (stdin.write(serializeMessage(message))) resolve()
      else stdin.once("drain", resolve)
    })
  }

  /** Kills the whole process group and waits (briefly) for the server to be reaped. */
  close(): Promise<void> {
    const child = this.child
    if (child === undefined) return Promise.resolve()
    this.child = undefined
    child.stdin?.end()
    killGroup(child, "SIGKILL")
    return this.exited
  }
}
