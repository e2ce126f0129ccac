/**
 * A command's output held within a fixed memory budget: the first `headBytes` and the last
 * `tailBytes`, with a line saying how much was dropped in between. Every byte is still counted, so
 * the total is known even after gigabytes went by. Both parts are single fixed buffers (the tail a
 * ring), so memory is the budget whatever the chunking: a million one-byte writes cost no more than
 * one big one.
 */
export class BoundedOutput {
  private head: Buffer | undefined
  private headSize = 0
  private tail: Buffer | undefined
  /** Bytes in the tail ring, and where the next byte goes. */
  private tailSize = 0
  private tailEnd = 0
  private dropped = 0

  constructor(readonly headBytes = 512 * 1024, readonly tailBytes = 512 * 1024) {}

  /** Every byte pushed, kept or not. */
  get totalBytes(): number {
    return this.headSize + this.tailSize + this.dropped
  }

  /** Bytes currently held (at most `headBytes + tailBytes`). */
  get retainedBytes(): number {
    return this.headSize + this.tailSize
  }

  /** Bytes dropped from the middle. */
  get omittedBytes(): number {
    return this.dropped
  }

  push(chunk: Uint8Array): void {
    let rest = chunk
    if (this.headSize < this.headBytes && rest.length > 0) {
      const take = Math.min(this.headBytes - this.headSize, rest.length)
      // Allocated on first use, at the budget or the first chunk's size, whichever is smaller.
      this.head = grow(this.head, this.headSize, this.headSize + take, this.headBytes)
      this.head.set(rest.subarray(0, take), this.headSize)
      this.headSize += take
      rest = rest.subarray(take)
    }
    if (rest.length === 0) return
    if (this.tailBytes === 0) {
      this.dropped += rest.length
      return
    }
    if (rest.length > this.tailBytes) {
      this.dropped += rest.length - this.tailBytes
      rest = rest.subarray(rest.length - this.tailBytes)
    }
    this.pushTail(rest)
  }

  private pushTail(bytes: Uint8Array): void {
    if (this.tailSize + bytes.length <= this.tailBytes && this.tailEnd === this.tailSize) {
      // Not yet wrapped: append, growing the buffer towards the budget.
      this.tail = grow(this.tail, this.tailSize, this.tailSize + bytes.length, this.tailBytes)
      this.tail.set(bytes, this.tailEnd)
      this.tailSize += bytes.length
      this.tailEnd = this.tailSize % this.tailBytes
      return
    }
    const ring = this.tail = grow(this.tail, this.tailSize, this.tailBytes, this.tailBytes)
    const overflow = Math.max(0, this.tailSize + bytes.length - this.tailBytes)
    this.dropped += overflow
    this.tailSize -= overflow
    const first = Math.min(bytes.length, this.tailBytes - this.tailEnd)
    ring.set(bytes.subarray(0, first), this.tailEnd)
    ring.set(bytes.subarray(first), 0)
    this.tailEnd = (this.tailEnd + bytes.length) % this.tailBytes
    this.tailSize += bytes.length
  }

  private tailContents(): Buffer {
    if (this.tail === undefined || this.tailSize === 0) return Buffer.alloc(0)
    const start = (this.tailEnd - this.tailSize + this.tailBytes) % this.tailBytes
    return start + this.tailSize <= this.tail.length
      ? this.tail.subarray(start, start + this.tailSize)
      : Buffer.concat([this.tail.subarray(start), this.tail.subarray(0, this.tailEnd)])
  }

  /** The kept bytes as (lossy) UTF-8, with `[... N bytes omitted ...]` where the middle was dropped. */
  text(): string {
    const head = this.head === undefined ? "" : this.head.toString("utf8", 0, this.headSize)
    const tail = this.tailContents().toString("utf8")
    return this.dropped === 0 ? head + tail : `${head}\n[... ${this.dropped} bytes omitted ...]\n${tail}`
  }
}

/** `buffer` with room for `needed` bytes (never more than `limit`), keeping its first `used` bytes. */
const grow = (buffer: Buffer | undefined, used: number, needed: number, limit: number): Buffer => {
  if (buffer !== undefined && buffer.length >= needed) return buffer
  const size = Math.min(limit, Math.max(needed, (buffer?.length ?? 0) * 2, 4096))
  const larger = Buffer.allocUnsafe(size)
  if (buffer !== undefined) buffer.copy(larger, 0, 0, used)
  return larger
}
