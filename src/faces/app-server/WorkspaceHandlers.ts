/**
 * The app-server's methods on the workspace rather than a thread, each over a service that does the file
 * work: `fuzzyFileSearch` (`FileSearch`), `config/value/write` and `config/batchWrite` (`ConfigWriter`).
 */
import { Effect } from "effect"
import { InvalidRequest } from "effect/ai/McpSchema"
import { internalError } from "../../rpc/JsonRpc.js"
import { type ConfigWrite, ConfigWriter } from "../../services/ConfigWriter.js"
import { FileSearch } from "../../services/FileSearch.js"
import type { AppServerHandlerMap } from "./AppServerRouter.js"

type WorkspaceHandlerMap = Pick<AppServerHandlerMap, "fuzzyFileSearch" | "config/value/write" | "config/batchWrite">

export const makeWorkspaceHandlers = Effect.gen(function*() {
  const fileSearch = yield* FileSearch
  const configWriter = yield* ConfigWriter

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
