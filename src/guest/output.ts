/** Longest partial line held back for the line callback; longer runs are passed on as they are. */
const MAX_PENDING_LINE = 64 * 1024

/**
 * Collects one output stream of a remote command up to a byte limit and, when asked, passes it
 * on line by line (whole lines, so that a secret cannot be split across two log entries and
 * escape redaction, nor a multi-byte character be cut in two).
 */
export class OutputCollector {
  private readonly chunks: Buffer[] = []
  private size = 0
  private pending: Buffer = Buffer.alloc(0)
  private overflowed = false

  constructor(
    private readonly limit: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  /** Adds a chunk; false once the stream went past the limit (the excess is dropped). */
  push(chunk: Buffer): boolean {
    if (this.overflowed) return false
    if (this.size + chunk.length > this.limit) {
      this.overflowed = true
      return false
    }
    this.chunks.push(chunk)
    this.size += chunk.length
    if (this.onLine) this.splitLines(chunk)
    return true
  }

  get exceeded(): boolean {
    return this.overflowed
  }

  /** Passes on a last line that had no newline. */
  flush(): void {
    if (this.pending.length > 0) this.onLine?.(this.pending.toString('utf8'))
    this.pending = Buffer.alloc(0)
  }

  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8')
  }

  private splitLines(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a)) {
      this.onLine?.(data.subarray(0, nl).toString('utf8'))
      data = data.subarray(nl + 1)
    }
    if (data.length > MAX_PENDING_LINE) {
      this.onLine?.(data.toString('utf8'))
      data = Buffer.alloc(0)
    }
    // Copy so that the caller's chunk (and its whole backing buffer) is not kept alive by a tail.
    this.pending = Buffer.from(data)
  }
}
