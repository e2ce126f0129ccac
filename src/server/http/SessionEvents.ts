/**
 * One resumable stream of server-sent events of an HTTP session: the session's GET stream (notifications
 * and our requests not tied to a POST), or the stream of one POSTed request (its notifications, our
 * requests about it, then its answer, the last event).
 *
 * Every message gets an increasing event id, unique in the session (the stream's prefix, then a number),
 * and stays in a log bounded in bytes, so a client whose stream dropped reconnects with `Last-Event-ID`
 * and receives what it missed (while it is still in the log). Messages sent while no stream is open wait
 * in the log for the next one. One reader at a time: a new one replaces the previous. Each stream opens
 * with a priming event (an id, a `retry:` field and empty data) so a client can resume it before any
 * message arrived, and idle streams carry keep-alive comments so proxies do not cut them.
 */
import { Deferred, Duration, Effect, Stream } from "effect"

/** The default bound on the replay log (in UTF-16 code units, ~bytes). */
export const REPLAY_LOG_BYTES = 4 * 1024 * 1024

/** How long a client waits before reconnecting a dropped stream (the `retry:` field). */
export const RECONNECT_DELAY_MS = 1_000

/** How often an idle stream carries a comment. */
export const KEEP_ALIVE_INTERVAL = Duration.seconds(15)

interface LoggedEvent {
  readonly id: number
  readonly data: string
}

const encoder = new TextEncoder()

const KEEP_ALIVE = encoder.encode(": keep-alive\n\n")

/** The event a stream opens with: its headers go out at once, and its id is where a resumption starts. */
export const primingEvent = (id: string) => encoder.encode(`id: ${id}\nretry: ${RECONNECT_DELAY_MS}\ndata:\n\n`)

/** One server-sent event carrying a JSON-RPC message. */
export const sseEvent = (data: string, id?: string) =>
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
  private lastReaderLeft = Date.now()
  /** The id of the last event of a request's stream (its answer), once it is logged. */
  private finalId: number | undefined
  /** Whether the last event has been written to a reader. */
  private finalDelivered = false

  constructor(
    private readonly maxBytes: number = REPLAY_LOG_BYTES,
    /** Prepended to every event id: the streams of one session keep their ids apart. */
    readonly idPrefix: string = "",
    /** Called once the last event has been written to a reader (the stream is done). */
    private readonly onDone: () => void = () => {}
  ) {}

  /** Appends one message (a JSON-RPC line without its newline). */
  push(data: string): void {
    this.append(data, false)
  }

  /** Since when no reader has had this stream (epoch ms); undefined while one reads it. */
  get readerlessSince(): number | undefined {
    return this.streams > 0 ? undefined : this.lastReaderLeft
  }

  /** Appends the stream's last message: once it is delivered, the stream ends. */
  finish(data: string): void {
    this.append(data, true)
  }

  private append(data: string, final: boolean): void {
    if (this.closed || this.finalId !== undefined) return
    // Set before waking the readers: one may run at once and must see the end.
    if (final) this.finalId = this.nextId
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

  /** Whether the last message has been appended. */
  get isFinished(): boolean {
    return this.finalId !== undefined
  }

  /** Whether a client is reading this stream right now. */
  get hasReader(): boolean {
    return this.streams > 0
  }

  /** Ends every stream; later messages are dropped. */
  close(): void {
    this.closed = true
    this.generation++
    this.wake()
  }

  /** The number in an event id of this stream, or undefined when the id is another stream's. */
  parseId(eventId: string): number | undefined {
    if (!eventId.startsWith(this.idPrefix)) return undefined
    const rest = eventId.slice(this.idPrefix.length)
    return /^\d+$/.test(rest) ? Number(rest) : undefined
  }

  /**
   * A stream for a new reader: events after `lastEventId` when the client resumes, else the ones no
   * stream has carried yet, then live events until the last one is delivered, a newer reader comes or
   * the log closes.
   */
  open(lastEventId: number | undefined): Stream.Stream<Uint8Array> {
    return Stream.suspend(() => {
      const generation = ++this.generation
      this.wake()
      let cursor = lastEventId ?? this.delivered
      const idle = Effect.as(Effect.sleep(KEEP_ALIVE_INTERVAL), KEEP_ALIVE)
      const next: Effect.Effect<Uint8Array | undefined> = Effect.suspend(() => {
        if (this.closed || generation !== this.generation) return Effect.succeed(undefined)
        if (this.finalId !== undefined && cursor >= this.finalId) {
          if (!this.finalDelivered) {
            this.finalDelivered = true
            this.onDone()
          }
          return Effect.succeed(undefined)
        }
        // Ids are consecutive, so the events after `cursor` start at a computed index.
        const first = this.log[this.head]?.id ?? this.nextId
        const pending = this.log.slice(this.head + Math.max(0, cursor + 1 - first))
        if (pending.length === 0) return Effect.raceFirst(Effect.andThen(Deferred.await(this.changed), next), idle)
        cursor = pending.at(-1)!.id
        this.delivered = Math.max(this.delivered, cursor)
        return Effect.succeed(Buffer.concat(pending.map((event) => sseEvent(event.data, `${this.idPrefix}${event.id}`))))
      })
      this.streams++
      return Stream.make(primingEvent(`${this.idPrefix}${cursor}`)).pipe(
        Stream.concat(Stream.fromEffectRepeat(next).pipe(Stream.takeWhile((chunk): chunk is Uint8Array => chunk !== undefined))),
        Stream.ensuring(Effect.sync(() => {
          this.streams--
          this.lastReaderLeft = Date.now()
        }))
      )
    })
  }

  private wake() {
    const changed = this.changed
    this.changed = Deferred.makeUnsafe<void>()
    Deferred.doneUnsafe(changed, Effect.void)
  }
}
