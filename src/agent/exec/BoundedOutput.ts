/**
 * Keeps a command's output within a fixed memory budget: the first `headBytes` and the last
 * `tailBytes`, with a marker saying how much was dropped in between. Counting continues, so the
 * total is known even when gigabytes went by.
 */
export class BoundedOutput {
  private head: Array<Buffer> = []
  private headSize = 0
  private tail: Array<Buffer> = []
  private tailSize = 0
  private dropped = 0

  constructor(readonly headBytes = 512 * 1024, readonly tailBytes = 512 * 1024) {}

  /** Every byte seen, kept or not. */
  get totalBytes() {
    return this.headSize + this.tailSize + this.dropped
  }

  /** Bytes currently held. */
  get retainedBytes() {
    return this.headSize + this.tailSize
  }

  push(chunk: Uint8Array) {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.headSize < this.headBytes) {
      const take = Math.min(this.headBytes - this.headSize, bytes.length)
      this.head.push(Buffer.from(bytes.subarray(0, take)))
      this.headSize += take
      bytes = bytes.subarray(take)
    }
    if (bytes.length === 0) return
    this.tail.push(Buffer.from(bytes))
    this.tailSize += bytes.length
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

  text(): string {
    const head = Buffer.concat(this.head).toString("utf8")
    const tail = Buffer.concat(this.tail).toString("utf8")
    return this.dropped === 0 ? head + tail : `${head}\n[... ${this.dropped} bytes omitted ...]\n${tail}`
  }
}
