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
  /** The log is `log[head..]`; evicted events before `head` are cut off in bulk, not one shift at a time. */
  private log: Array<LoggedEvent> = []
  private head = 0
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
    while (this.bytes > this.maxBytes && this.log.length - this.head > 1) {
      this.bytes -= this.log[this.head++]!.data.length
    }
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head)
      this.head = 0
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
    return Stream.suspend(() => {
      const generation = ++this.generation
      this.wake()
      let cursor = lastEventId ?? this.delivered
      const next: Effect.Effect<Uint8Array | undefined> = Effect.suspend(() => {
        if (this.closed || generation !== this.generation) return Effect.succeed(undefined)
        // Ids are consecutive, so the events after `cursor` start at a computed index.
        const first = this.log[this.head]?.id ?? this.nextId
        const pending = this.log.slice(this.head + Math.max(0, cursor + 1 - first))
        if (pending.length === 0) return Effect.andThen(Deferred.await(this.changed), next)
        cursor = pending.at(-1)!.id
        this.delivered = Math.max(this.delivered, cursor)
        return Effect.succeed(Buffer.concat(pending.map((event) => sseEvent(event.data, event.id))))
      })
      this.streams++
      return Stream.make(STREAM_OPENED).pipe(
        Stream.concat(Stream.fromEffectRepeat(next).pipe(Stream.takeWhile((chunk): chunk is Uint8Array => chunk !== undefined))),
        Stream.ensuring(Effect.sync(() => this.streams--))
      )
    })
  }

  private wake() {
    const changed = this.changed
    this.changed = Deferred.makeUnsafe<void>()
    Deferred.doneUnsafe(changed, Effect.void)
  }
}
