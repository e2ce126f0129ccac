/**
 * A command's output held within a fixed memory budget: the first `headBytes` and the last
 * `tailBytes`, with a line saying how much was dropped in between. Every byte is still counted, so
 * the total is known even after gigabytes went by, while memory stays at the budget (plus one chunk).
 */
export class BoundedOutput {
  private readonly head: Array<Buffer> = []
  private headSize = 0
  private readonly tail: Array<Buffer> = []
  private tailSize = 0
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
    if (this.headSize < this.headBytes) {
      const take = Math.min(this.headBytes - this.headSize, rest.length)
      // Copies: the caller may reuse or keep its chunk.
      this.head.push(Buffer.from(rest.subarray(0, take)))
      this.headSize += take
      rest = rest.subarray(take)
    }
    if (rest.length === 0 || this.tailBytes === 0) {
      this.dropped += rest.length
      return
    }
    if (rest.length >= this.tailBytes) {
      // The chunk alone fills the tail: everything held there before is dropped.
      this.dropped += this.tailSize + rest.length - this.tailBytes
      this.tail.length = 0
      this.tail.push(Buffer.from(rest.subarray(rest.length - this.tailBytes)))
      this.tailSize = this.tailBytes
      return
    }
    this.tail.push(Buffer.from(rest))
    this.tailSize += rest.length
    while (this.tailSize > this.tailBytes) {
      const first = this.tail[0]!
      const excess = this.tailSize - this.tailBytes
      if (first.length <= excess) {
        this.tail.shift()
        this.tailSize -= first.length
        this.dropped += first.length
      } else {
        this.tail[0] = first.subarray(excess)
        this.tailSize -= excess
        this.dropped += excess
      }
    }
  }

  /** The kept bytes as (lossy) UTF-8, with `[... N bytes omitted ...]` where the middle was dropped. */
  text(): string {
    const head = Buffer.concat(this.head).toString("utf8")
    const tail = Buffer.concat(this.tail).toString("utf8")
    return this.dropped === 0 ? head + tail : `${head}\n[... ${this.dropped} bytes omitted ...]\n${tail}`
  }
}
