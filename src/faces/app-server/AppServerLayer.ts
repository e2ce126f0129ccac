/**
 * `codex-effect app-server`: the v2 face on the stdio loop. The loop, the single writer and the agent are
 * the MCP server's; the router, the handlers and the framing are this face's.
 */
import { Effect, Layer, type LogLevel, References } from "effect"
import { stderrLoggerLayer } from "../../server/Logging.js"
import { agentLayer } from "../../server/ServerLayer.js"
import { serveStdio } from "../../server/StdioServer.js"
import type { CodexLayerOptions } from "../../services/CodexLayer.js"
import { ConfigWriter } from "../../services/ConfigWriter.js"
import { FileSearch } from "../../services/FileSearch.js"
import { ReviewPrompts } from "../../services/ReviewPrompts.js"
import { StandaloneCommands } from "../../services/StandaloneCommands.js"
import { ThreadNames } from "../../services/ThreadNames.js"
import * as AppServerHandlers from "./AppServerHandlers.js"
import * as AppServerRouter from "./AppServerRouter.js"
import * as AppServerFraming from "./Framing.js"
import { AppServerThreads } from "./Threads.js"

export interface AppServerOptions extends CodexLayerOptions {
  readonly stderrLogLevel: LogLevel.LogLevel
}

/** Everything `serveAppServer` needs but the platform (stdin, stdout, files, processes). */
export const appServerLayer = (options: AppServerOptions) =>
  AppServerRouter.layer.pipe(
    Layer.provide(AppServerHandlers.layer),
    Layer.provide(AppServerThreads.layer),
    Layer.provide(Layer.mergeAll(FileSearch.layer, ConfigWriter.layer, StandaloneCommands.layer, ThreadNames.layer, ReviewPrompts.layer)),
    Layer.provide(agentLayer(options)),
    Layer.provideMerge(AppServerFraming.layer),
    Layer.provide(Layer.mergeAll(
      stderrLoggerLayer(options.stderrLogLevel),
      Layer.succeed(References.MinimumLogLevel, options.stderrLogLevel)
    ))
  )

/** Serves app-server v2 on stdin/stdout until stdin ends. */
export const serveAppServer = (options: AppServerOptions) => serveStdio().pipe(Effect.provide(appServerLayer(options)))
