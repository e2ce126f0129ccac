/**
 * The server's main loop: read lines from the input until it ends, hand each to the router, and on
 * EOF stop every request still running and flush what is left to write (see docs/differences.md, Exit on EOF).
 *
 * Backpressure: a line is handled only when the outgoing queue has room, so a client that sends
 * requests but stops reading answers fills its pipe instead of the server's memory. Handlers that wait
 * on the client (approvals) never hold the loop, so the client's answers can always be handled.
 *
 * The input is read ahead of the handling (up to `READ_AHEAD_BYTES`) so that EOF is seen even while
 * handling waits for the client to read. After EOF, lines still waiting for room get a short grace
 * period and are then dropped, the sender stops waiting, and the final flush has a deadline: the
 * server exits within a second even when nobody reads its stdout.
 *
 * SIGTERM (an interrupt) drains the server instead: a new request is refused with an error, the requests
 * running get their answers (up to the drain timeout; then they are interrupted), and what is left to write
 * is flushed. The input is still read meanwhile, so a call that waits on its client (an approval) gets the
 * client's answer and ends, instead of waiting out the drain timeout.
 */
import { type Cause, Deferred, Duration, Effect, Queue, Stdio, Stream } from "effect"
import { settleCertificateLoading } from "../services/CertificateLoading.js"
import { internalError } from "../rpc/JsonRpc.js"
import { ByteBudget } from "../services/ByteBudget.js"
import { OutgoingSender } from "./OutgoingSender.js"
import { type DecodedLine, decodeLine, type IncomingLine, readLines } from "./LineReader.js"
import { DEFAULT_DRAIN_TIMEOUT_MS, Router } from "./Router.js"

/** Input read but not yet handled, at most (one longer line is still admitted alone). */
const READ_AHEAD_BYTES = 4 * 1024 * 1024
/** After EOF: how long a line may wait for room, and how long the final flush may wait for a reader. */
const SHUTDOWN_GRACE = Duration.millis(400)

const sizeOf = (line: IncomingLine) => line._tag === "Line" ? line.text.length : 0

/**
 * Where the NDJSON framing ends: a decoded line's message goes to the router, a blank line nowhere, and a line
 * that holds no message is answered with its error (id null; a parse error is also logged).
 */
export const routeLine = (router: Router["Service"], sender: OutgoingSender["Service"]) => (decoded: DecodedLine): Effect.Effect<void> => {
  switch (decoded._tag) {
    case "Message":
      return router.receive(decoded.message)
    case "Blank":
      return Effect.void
    case "Fault":
      return (decoded.error.code === -32700 ? Effect.logWarning(decoded.error.message) : Effect.void).pipe(
        Effect.andThen(sender.sendError(null, decoded.error))
      )
  }
}

const serve = Effect.fnUntraced(function*(options: { readonly drainTimeoutMs?: number | undefined }) {
  const stdio = yield* Stdio.Stdio
  const router = yield* Router
  const sender = yield* OutgoingSender
  const route = routeLine(router, sender)
  yield* Effect.logDebug("codex-effect server ready")

  const readAhead = new ByteBudget(READ_AHEAD_BYTES)
  const pending = yield* Queue.unbounded<IncomingLine, Cause.Done>()
  const inputEnded = yield* Deferred.make<void>()
  yield* readLines(stdio.stdin).pipe(
    Stream.runForEach((line) => readAhead.acquire(sizeOf(line)).pipe(Effect.andThen(Queue.offer(pending, line)))),
    Effect.andThen(Queue.end(pending)),
    Effect.ensuring(Deferred.succeed(inputEnded, undefined)),
    Effect.forkScoped
  )

  /** While draining: a request is refused, anything else (the client's answers, a cancel) is handled. */
  const handleDraining = (line: IncomingLine) => {
    const decoded = decodeLine(line)
    const refused = decoded._tag === "Message" && decoded.message._tag === "Request"
      ? sender.sendError(decoded.message.id, internalError("Server shutting down: it takes no new requests"))
      : route(decoded)
    return refused.pipe(Effect.andThen(Effect.sync(() => readAhead.release(sizeOf(line)))))
  }
  // Added after the reader, so it runs before the reader is interrupted: the drain still reads the input.
  yield* Effect.addFinalizer(() =>
    Effect.flatMap(router.running, (running) => running === 0 ? Effect.void : Effect.logInfo(`draining: ${running} requests to answer`)).pipe(
      Effect.andThen(router.awaitIdle),
      Effect.raceFirst(Stream.fromQueue(pending).pipe(Stream.runForEach(handleDraining), Effect.andThen(Effect.never))),
      Effect.interruptible,
      Effect.timeoutOption(options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS),
      Effect.tap((drained) =>
        drained._tag === "None" ? Effect.logWarning("drain timeout ran out; interrupting the requests still running") : Effect.void
      ),
      Effect.andThen(sender.flush.pipe(Effect.timeoutOption(SHUTDOWN_GRACE)))
    )
  )

  /**
   * After the first line's answer is written (`initialize`'s, in the client's eyes the start): the
   * certificates, and the router starts loading what later requests need.
   */
  let answeredFirst = false
  const afterFirstLine = Effect.suspend(() => {
    if (answeredFirst) return Effect.void
    answeredFirst = true
    return sender.flush.pipe(
      Effect.timeoutOption(SHUTDOWN_GRACE),
      Effect.andThen(Effect.sync(settleCertificateLoading)),
      Effect.andThen(router.afterFirstAnswer)
    )
  })

  /** Room in the outgoing queue; after EOF only for a grace period (false: give up). */
  const room = Effect.flatMap(sender.hasRoom, (now) =>
    now ? Effect.succeed(true) : sender.awaitRoom.pipe(
      Effect.as(true),
      Effect.raceFirst(Deferred.await(inputEnded).pipe(Effect.andThen(Effect.sleep(SHUTDOWN_GRACE)), Effect.as(false)))
    ))

  yield* Stream.fromQueue(pending).pipe(
    Stream.mapEffect((line) =>
      room.pipe(
        Effect.tap((hasRoom) =>
          hasRoom
            ? route(decodeLine(line)).pipe(
              Effect.andThen(Effect.sync(() => readAhead.release(sizeOf(line)))),
              Effect.andThen(afterFirstLine),
              // The handler just started runs up to its first wait (a quick one has queued its answer
              // by then), so the room checked before the next line counts it.
              Effect.andThen(Effect.yieldNow)
            )
            : Effect.logWarning("input closed while the client was not reading; dropping the requests left")
        )
      )
    ),
    Stream.takeWhile((hasRoom) => hasRoom),
    Stream.runDrain
  )
  yield* Effect.logDebug("input closed; shutting down")
  yield* sender.close
  yield* router.interruptAll
  yield* sender.flush.pipe(Effect.timeoutOption(SHUTDOWN_GRACE))
})

/** Serves the protocol on the `Stdio` service's stdin until it ends (stdout is the `OutgoingSender`'s). */
export const serveStdio = (options: { readonly drainTimeoutMs?: number | undefined } = {}) => Effect.scoped(serve(options))
