/**
 * The app-server's methods on the workspace rather than a thread, each over a service that does the file
 * or process work: `fuzzyFileSearch` (`FileSearch`), `config/value/write` and `config/batchWrite` (`ConfigWriter`) and
 * `command/exec` (`StandaloneCommands`).
 */
import { resolve } from "node:path"
import { Effect } from "effect"
import { InvalidRequest } from "effect/ai/McpSchema"
import { internalError, invalidRequest } from "../../rpc/JsonRpc.js"
import { Config } from "../../services/Config.js"
import { type ConfigWrite, ConfigWriter } from "../../services/ConfigWriter.js"
import { FileSearch } from "../../services/FileSearch.js"
import { StandaloneCommands } from "../../services/StandaloneCommands.js"
import type { AppServerHandlerMap } from "./AppServerRouter.js"
import { coreSandboxPolicy, sandboxPolicyOf } from "./SandboxPolicies.js"

type WorkspaceHandlerMap = Pick<AppServerHandlerMap, "fuzzyFileSearch" | "config/value/write" | "config/batchWrite" | "command/exec">

export const makeWorkspaceHandlers = Effect.gen(function*() {
  const config = yield* Config
  const fileSearch = yield* FileSearch
  const configWriter = yield* ConfigWriter
  const commands = yield* StandaloneCommands

  const writeConfig = (write: ConfigWrite) =>
    configWriter.write(write).pipe(
      Effect.mapError((error) =>
        error.reason === "configUnreadable" || error.reason === "writeFailed"
          ? internalError(error.message)
          : new InvalidRequest({ message: error.message, data: { config_write_error_code: error.reason } })
      ),
      Effect.map(({ filePath, version }) => ({ status: "ok" as const, version, filePath, overriddenMetadata: null }))
    )

  const handlers: WorkspaceHandlerMap = {
    "config/value/write": (params) =>
      writeConfig({
        edits: [{ keyPath: params.keyPath, value: params.value, mergeStrategy: params.mergeStrategy }],
        expectedVersion: params.expectedVersion ?? undefined,
        filePath: params.filePath ?? undefined
      }),

    // `reloadUserConfig` needs nothing: every conversation reads config.toml when it starts.
    "config/batchWrite": (params) =>
      writeConfig({ edits: params.edits, expectedVersion: params.expectedVersion ?? undefined, filePath: params.filePath ?? undefined }),

    "command/exec": (params) =>
      Effect.gen(function*() {
        if (params.command.length === 0) return yield* invalidRequest("command must not be empty")
        const unsupported = (["tty", "streamStdin", "streamStdoutStderr", "disableTimeout", "disableOutputCap"] as const)
          .filter((flag) => params[flag] === true)
        if (unsupported.length > 0) {
          return yield* invalidRequest(`command/exec: ${unsupported.join(", ")} not supported (a command outside a turn is buffered, with a timeout and a cap)`)
        }
        return yield* commands.run({
          argv: params.command,
          cwd: resolve(config.base.cwd, params.cwd ?? "."),
          policy: coreSandboxPolicy(params.sandboxPolicy ?? sandboxPolicyOf(config.base)),
          env: params.env ?? {},
          timeoutMs: params.timeoutMs ?? undefined,
          outputBytesCap: params.outputBytesCap ?? undefined
        }).pipe(Effect.mapError((error) => invalidRequest(error.message)))
      }),

    fuzzyFileSearch: (params) =>
      Effect.map(fileSearch.search(params.query, params.roots), (matches) => ({
        files: matches.map((match) => ({
          root: match.root,
          path: match.path,
          match_type: match.matchType,
          file_name: match.fileName,
          score: match.score,
          indices: match.indices
        }))
      }))
  }
  return handlers
})
