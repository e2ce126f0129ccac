/**
 * Reading a POST body within bounds, before any of it is buffered: one body is at most
 * `MAX_BODY_BYTES` (a declared `Content-Length` over it is refused at once, a chunked body as soon as it
 * passes it), and the large bodies being read and parsed at the same time share `IN_FLIGHT_BODY_BYTES`.
 * A large body waits for room (its bytes stay in the client's socket meanwhile, where TCP holds them
 * back) and is refused with 503 if none frees up in `BODY_WAIT`; once it has room it must arrive within
 * `BODY_READ_DEADLINE` (else 408), so a client trickling one in cannot hold the budget for long. Small
 * bodies, what every ordinary request is, never wait: a flood of large ones cannot stall other clients.
 */
import { ByteSize, Duration, Effect, Option, Semaphore } from "effect"
import { HttpIncomingMessage, type HttpServerRequest } from "effect/http"
import { MAX_LINE_BYTES } from "../LineReader.js"

/** One message: the same cap as a stdio line. */
export const MAX_BODY_BYTES = MAX_LINE_BYTES
/** Bodies up to this size are read at once, outside the shared budget. */
export const SMALL_BODY_BYTES = 256 * 1024
/** The large bodies held at once (raw, as text and parsed: memory is a small multiple of this). */
export const IN_FLIGHT_BODY_BYTES = MAX_BODY_BYTES
/** How long a large body waits for room in the budget before it is refused. */
export const BODY_WAIT = Duration.seconds(30)
/** How long a large body may take to arrive once it has room: a client trickling one in cannot hold the budget. */
export const BODY_READ_DEADLINE = Duration.seconds(30)

export type BodyOutcome<A> =
  | { readonly _tag: "Read"; readonly value: A }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Busy" }
  | { readonly _tag: "TooSlow" }
  | { readonly _tag: "Unreadable" }

/** The budget large bodies share, one per HTTP server. */
export const makeBodyBudget = () => Semaphore.makeUnsafe(IN_FLIGHT_BODY_BYTES)

/**
 * The body of `request`, read within the caps and turned into `A` by `parse` while its bytes are still
 * counted in the budget (parsing is when a body costs the most memory).
 */
export const readBody = <A>(
  request: HttpServerRequest.HttpServerRequest,
  budget: Semaphore.Semaphore,
  parse: (text: string) => A
): Effect.Effect<BodyOutcome<A>> => {
  const declared = request.headers["content-length"]
  const length = declared === undefined ? undefined : Number(declared)
  if (length !== undefined && !(length <= MAX_BODY_BYTES)) return Effect.succeed({ _tag: "TooLarge" })
  const read = request.text.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(MAX_BODY_BYTES)),
    Effect.map((text): BodyOutcome<A> => ({ _tag: "Read", value: parse(text) })),
    Effect.catch((error) =>
      Effect.succeed<BodyOutcome<A>>(
        error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge" ? { _tag: "TooLarge" } : { _tag: "Unreadable" }
      )
    )
  )
  // A chunked body declares nothing: it may grow to the cap, so it reserves the cap.
  const reserved = length ?? MAX_BODY_BYTES
  if (reserved <= SMALL_BODY_BYTES) return read
  return Effect.scoped(Effect.gen(function*() {
    const room = yield* Effect.timeoutOption(budget.takeScoped(reserved), BODY_WAIT)
    if (Option.isNone(room)) return { _tag: "Busy" } as const
    return yield* read.pipe(Effect.timeoutOrElse({ duration: BODY_READ_DEADLINE, orElse: () => Effect.succeed({ _tag: "TooSlow" } as const) }))
  }))
}
