/**
 * The server's main loop: read lines from the input until it ends, hand each to the router, and on
 * EOF stop every request still running and flush what is left to write (DESIGN §4.8).
 */
import type { Readable } from "node:stream"
import { Effect, Stream } from "effect"
import { OutgoingSender } from "../services/OutgoingSender.js"
import { readLines } from "./LineReader.js"
import { Router } from "./Router.js"

export const serveStdio = Effect.fnUntraced(function*(input: Readable) {
  const router = yield* Router
  const sender = yield* OutgoingSender
  yield* Effect.logDebug("codex-effect server ready")
  yield* readLines(input).pipe(Stream.runForEach(router.handle))
  yield* Effect.logDebug("input closed; shutting down")
  yield* router.interruptAll
  yield* sender.flush
})
