/**
 * The official Codex SDK (`@openai/codex-sdk`, pinned in scripts/install-test-peers.mjs, installed into
 * `.test-peers/` without its optional Codex binary) pointed at the built codex-effect through
 * `codexPathOverride`, against the mock model. `useExecSetup()` gives each test a mock model, a
 * CODEX_HOME whose config.toml points at it, a git repository to work in, and an SDK client; the
 * cleanup runs after each test.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { afterEach } from "vitest"
import { type MockModelServer, type MockTurn, mockConfigToml, startMockModelServer } from "./MockModelServer.js"
import { makeTempDir, SERVER_BIN } from "./ServerProcess.js"

const ROOT = resolve(import.meta.dirname, "../..")
const SDK_ENTRY = join(ROOT, ".test-peers/node_modules/@openai/codex-sdk/dist/index.js")

/** The parts of the SDK the tests use, as its index.d.ts declares them. */
export type ThreadEvent = { readonly type: string; readonly [key: string]: any }
export interface Turn {
  readonly items: ReadonlyArray<any>
  readonly finalResponse: string
  readonly usage: Record<string, number> | null
}
type Input = string | ReadonlyArray<{ type: "text"; text: string } | { type: "local_image"; path: string }>
interface TurnOptions {
  readonly outputSchema?: unknown
  readonly signal?: AbortSignal
}
export interface Thread {
  readonly id: string | null
  run(input: Input, options?: TurnOptions): Promise<Turn>
  runStreamed(input: Input, options?: TurnOptions): Promise<{ events: AsyncGenerator<ThreadEvent> }>
}
export interface ThreadOptions {
  readonly model?: string
  readonly sandboxMode?: "read-only" | "workspace-write" | "danger-full-access"
  readonly workingDirectory?: string
  readonly skipGitRepoCheck?: boolean
  readonly approvalPolicy?: "never" | "on-request" | "on-failure" | "untrusted"
  readonly additionalDirectories?: ReadonlyArray<string>
  readonly modelReasoningEffort?: "minimal" | "low" | "medium" | "high" | "xhigh" | "max"
  readonly networkAccessEnabled?: boolean
  readonly webSearchMode?: "disabled" | "cached" | "live"
}
export interface Codex {
  startThread(options?: ThreadOptions): Thread
  resumeThread(id: string, options?: ThreadOptions): Thread
}
interface CodexOptions {
  readonly codexPathOverride: string
  readonly baseUrl?: string
  readonly apiKey?: string
  readonly env?: Record<string, string>
}

/** The SDK's `Codex` class, installed on first use. */
export const loadCodexSdk = async (): Promise<new(options: CodexOptions) => Codex> => {
  if (!existsSync(SDK_ENTRY)) execFileSync(process.execPath, [join(ROOT, "scripts/install-test-peers.mjs")], { stdio: "inherit" })
  const sdk = await import(SDK_ENTRY)
  return sdk.Codex
}

/**
 * An executable for `codexPathOverride`: the built binary run by this Node (the bundle's shebang would
 * find whatever `node` is on PATH). It records its pid in `pidFile` first; `exec` keeps the pid.
 */
export const codexEffectExecutable = (pidFile: string) => {
  const dir = makeTempDir("codex-effect-bin-")
  const path = join(dir, "codex-effect")
  writeFileSync(path, `#!/bin/sh\necho $$ >> '${pidFile}'\nexec '${process.execPath}' '${SERVER_BIN}' "$@"\n`)
  chmodSync(path, 0o755)
  return path
}

export interface ExecSetup {
  readonly Codex: new(options: CodexOptions) => Codex
  readonly codex: Codex
  readonly model: MockModelServer
  readonly codexHome: string
  /** A git repository: the threads' working directory. */
  readonly work: string
  readonly executable: string
  /** The pids of every codex-effect process the SDK started, so far. */
  readonly pidFile: string
  /** The environment the SDK gives codex-effect. */
  readonly env: Record<string, string>
  /** Thread options with the work directory. */
  readonly thread: (options?: ThreadOptions) => ThreadOptions
}

export const useExecSetup = () => {
  const models: Array<MockModelServer> = []
  afterEach(async () => {
    for (const model of models.splice(0)) await model.close()
  })
  return async (turns: ReadonlyArray<MockTurn>, config: Parameters<typeof mockConfigToml>[1] = {}): Promise<ExecSetup> => {
    const Codex = await loadCodexSdk()
    const model = await startMockModelServer(turns)
    models.push(model)
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: "responses", ...config }))
    const work = makeTempDir("exec-work-")
    execFileSync("git", ["init", "-q", work])
    const tmp = join(makeTempDir("exec-tmp-"), "tmp")
    mkdirSync(tmp)
    const pidFile = join(makeTempDir("exec-pids-"), "pids")
    writeFileSync(pidFile, "")
    const executable = codexEffectExecutable(pidFile)
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", CODEX_HOME: codexHome, TMPDIR: tmp }
    if (process.env.NODE_COMPILE_CACHE !== undefined) env.NODE_COMPILE_CACHE = process.env.NODE_COMPILE_CACHE
    const codex = new Codex({ codexPathOverride: executable, env })
    return {
      Codex,
      codex,
      model,
      codexHome,
      work,
      executable,
      pidFile,
      env,
      thread: (options = {}) => ({ workingDirectory: work, ...options })
    }
  }
}

/** Every event of a streamed turn, in order. */
export const collect = async (events: AsyncGenerator<ThreadEvent>): Promise<Array<ThreadEvent>> => {
  const all: Array<ThreadEvent> = []
  for await (const event of events) all.push(event)
  return all
}
