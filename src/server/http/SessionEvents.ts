/**
 * The server-to-client messages of one HTTP session that are not answers to a POST (notifications and
 * our own requests, such as elicitations), delivered on the session's GET stream as server-sent events.
 *
 * Every message gets an increasing event id and stays in a log bounded in bytes, so a client whose
 * stream dropped reconnects with `Last-Event-ID` and receives what it missed (while it is still in the
 * log). Messages sent while no stream is open wait in the log for the next one. One stream at a time:
 * a new GET replaces the previous stream.
 */
import { Deferred, Effect, Stream } from "effect"

/** The default bound on the replay log (in UTF-16 code units, ~bytes). */
export const REPLAY_LOG_BYTES = 4 * 1024 * 1024

interface LoggedEvent {
  readonly id: number
  readonly data: string
}

const encoder = new TextEncoder()

/**
 * An SSE comment sent first on every stream: it makes the response's headers go out at once, so a client
 * waiting for them is not held until the first message.
 */
export const STREAM_OPENED = encoder.encode(": stream opened\n\n")

/** One server-sent event carrying a JSON-RPC message. */
export const sseEvent = (data: string, id?: number) =>
  encoder.encode(`${id === undefined ? "" : `id: ${id}\n`}event: message\ndata: ${data}\n\n`)

export class SessionEvents {
  private log: Array<LoggedEvent> = []
  private bytes = 0
  private nextId = 1
  /** The highest id written to a stream without a `Last-Event-ID`; a fresh stream starts after it. */
  private delivered = 0
  private changed = Deferred.makeUnsafe<void>()
  /** Bumped by every new stream and by `close`, which ends the streams opened before. */
  private generation = 0
  private closed = false
  private streams = 0

  constructor(private readonly maxBytes: number = REPLAY_LOG_BYTES) {}

  /** Appends one message (a JSON-RPC line without its newline). */
  push(data: string): void {
    if (this.closed) return
    this.log.push({ id: this.nextId++, data })
    this.bytes += data.length
    while (this.bytes > this.maxBytes && this.log.length > 1) {
      this.bytes -= this.log.shift()!.data.length
    }
    this.wake()
  }

  /** Whether a client is reading a stream of this session right now. */
  get hasReader(): boolean {
    return this.streams > 0
  }

  /** Ends every stream; later messages are dropped. */
  close(): void {
    this.closed = true
    this.generation++
    this.wake()
  }

  /**
   * The stream for a new GET: events after `lastEventId` when the client resumes, else the ones no
   * stream has carried yet, then live events until a newer stream opens or the session closes.
   */
  open(lastEventId: number | undefined): Stream.Stream<Uint8Array> {
    const generation = ++this.generation
    this.wake()
    let cursor = lastEventId ?? this.delivered
    const next: Effect.Effect<Uint8Array | undefined> = Effect.suspend(() => {
      if (generation !== this.generation) return Effect.succeed(undefined)
      const pending = this.log.filter((event) => event.id > cursor)
      if (pending.length === 0) return Effect.andThen(Deferred.await(this.changed), next)
      cursor = pending.at(-1)!.id
      this.delivered = Math.max(this.delivered, cursor)
      const parts = pending.map((event) => sseEvent(event.data, event.id))
      return Effect.succeed(Buffer.concat(parts))
    })
    return Stream.make(STREAM_OPENED).pipe(
      Stream.concat(Stream.fromEffectRepeat(next).pipe(Stream.takeWhile((chunk): chunk is Uint8Array => chunk !== undefined))),
      Stream.onStart(Effect.sync(() => this.streams++)),
      Stream.ensuring(Effect.sync(() => this.streams--))
    )
  }

  private wake() {
    const changed = this.changed
    this.changed = Deferred.makeUnsafe<void>()
    Deferred.doneUnsafe(changed, Effect.void)
  }
}
