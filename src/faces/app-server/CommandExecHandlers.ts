/**
 * `command/exec` and the methods that drive a command while it runs (`command/exec/write`, `/resize`,
 * `/terminate`), over `StandaloneCommands`. A command the client names with a `processId` can stream its
 * output as `command/exec/outputDelta`, read stdin the client writes, and run on a pseudo-terminal (an
 * IDE's terminal); the id is the connection's, and the command ends with the connection. Without a
 * `processId` the command is buffered: its output comes in the answer. Errors as the reference words them.
 */
import { resolve } from "node:path"
import { Deferred, Effect } from "effect"
import { invalidParams, invalidRequest, type JsonRpcError } from "../../rpc/JsonRpc.js"
import { OutgoingSender } from "../../server/OutgoingSender.js"
import { Config } from "../../services/Config.js"
import { type RunningCommand, StandaloneCommands } from "../../services/StandaloneCommands.js"
import type { AppServerHandlerMap } from "./AppServerRouter.js"
import * as P from "./Protocol.js"
import { coreSandboxPolicy, sandboxPolicyOf } from "./SandboxPolicies.js"

type CommandExecHandlerMap = Pick<AppServerHandlerMap, "command/exec" | "command/exec/write" | "command/exec/resize" | "command/exec/terminate">

/** A command started with a `processId`, from its request until its answer. */
interface ActiveCommand {
  /** The handle, once the command runs; failed when it never started. */
  readonly running: Deferred.Deferred<RunningCommand>
  readonly streamStdin: boolean
  readonly tty: boolean
}

export const makeCommandExecHandlers = Effect.gen(function*() {
  const config = (yield* Config).base
  const commands = yield* StandaloneCommands
  const sender = yield* OutgoingSender
  // Registered before the command starts, so a write sent right after `command/exec` finds it.
  const active = new Map<string, ActiveCommand>()

  const activeCommand = (processId: string): Effect.Effect<{ readonly entry: ActiveCommand; readonly running: RunningCommand }, JsonRpcError> => {
    const notActive = invalidRequest(`no active command/exec for process id ${JSON.stringify(processId)}`)
    const entry = active.get(processId)
    if (entry === undefined) return Effect.fail(notActive)
    return Deferred.await(entry.running).pipe(
      Effect.map((running) => ({ entry, running })),
      Effect.catchCause(() => Effect.fail(notActive))
    )
  }

  const handlers: CommandExecHandlerMap = {
    "command/exec": (params) =>
      Effect.gen(function*() {
        if (params.command.length === 0) return yield* invalidRequest("command must not be empty")
        if (params.timeoutMs != null && params.disableTimeout === true) {
          return yield* invalidParams("command/exec cannot set both timeoutMs and disableTimeout")
        }
        if (params.outputBytesCap != null && params.disableOutputCap === true) {
          return yield* invalidParams("command/exec cannot set both outputBytesCap and disableOutputCap")
        }
        const tty = params.tty === true
        if (params.size != null && !tty) return yield* invalidParams("command/exec size requires tty: true")
        const streamStdin = tty || params.streamStdin === true
        const streamOutput = tty || params.streamStdoutStderr === true
        const processId = params.processId ?? undefined
        if (processId === undefined && (streamStdin || streamOutput)) {
          return yield* invalidRequest("command/exec tty or streaming requires a client-supplied processId")
        }
        if (processId !== undefined && active.has(processId)) {
          return yield* invalidRequest(`duplicate active command/exec process id: ${JSON.stringify(processId)}`)
        }
        const running = yield* Deferred.make<RunningCommand>()
        if (processId !== undefined) active.set(processId, { running, streamStdin, tty })
        return yield* commands.run({
          argv: params.command,
          cwd: resolve(config.cwd, params.cwd ?? "."),
          policy: coreSandboxPolicy(params.sandboxPolicy ?? sandboxPolicyOf(config)),
          env: params.env ?? {},
          timeoutMs: params.disableTimeout === true ? "never" : params.timeoutMs ?? undefined,
          outputBytesCap: params.disableOutputCap === true ? "none" : params.outputBytesCap ?? undefined,
          tty: tty ? { size: params.size ?? undefined } : undefined,
          streamStdin,
          onOutput: streamOutput && processId !== undefined
            ? (stream, chunk, capReached) =>
              sender.notify(P.CommandExecOutputDelta, { processId, stream, deltaBase64: Buffer.from(chunk).toString("base64"), capReached })
            : undefined,
          onStarted: (command) => Deferred.succeed(running, command).pipe(Effect.asVoid)
        }).pipe(
          Effect.mapError((error) => invalidRequest(error.message)),
          Effect.onExit(() =>
            Effect.sync(() => {
              if (processId !== undefined && active.get(processId)?.running === running) active.delete(processId)
            }).pipe(Effect.andThen(Deferred.interrupt(running)))
          )
        )
      }),

    "command/exec/write": (params) =>
      Effect.gen(function*() {
        const { entry, running } = yield* activeCommand(params.processId)
        if (!entry.streamStdin) return yield* invalidRequest("stdin streaming is not enabled for this command/exec")
        const bytes = params.deltaBase64 == null ? new Uint8Array() : Buffer.from(params.deltaBase64, "base64")
        yield* running.write(bytes, params.closeStdin === true).pipe(Effect.mapError((error) => invalidRequest(error.message)))
        return {}
      }),

    "command/exec/resize": (params) =>
      Effect.gen(function*() {
        const { entry, running } = yield* activeCommand(params.processId)
        if (!entry.tty) return yield* invalidRequest("failed to resize PTY: process is not attached to a PTY")
        yield* running.resize(params.size).pipe(Effect.mapError((error) => invalidRequest(error.message)))
        return {}
      }),

    "command/exec/terminate": (params) =>
      Effect.gen(function*() {
        const { running } = yield* activeCommand(params.processId)
        yield* running.terminate
        return {}
      })
  }
  return handlers
})
