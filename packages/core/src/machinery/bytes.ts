/**
 * Output bytes gathered in large chunks: log outputs (the CLI's stdout, NDJSON bodies, archive files)
 * write millions of short lines, and formatting them straight into one buffer costs neither a string
 * per line nor a UTF-8 encoding of that string. A full chunk is handed to `emit` and a fresh one
 * started (the one handed on is never written to again, so `emit` may keep it, as an asynchronous
 * stream write does).
 *
 * Writers fill `buf` directly: `room(n)` first, then bytes at `buf[pos…]`, then `pos` moved on.
 */
export class ByteSink {
  buf: Buffer;
  pos = 0;

  constructor(
    private readonly emit: (chunk: Buffer) => void,
    private readonly chunkBytes = 128 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** Bytes gathered and not yet handed on. */
  get pending(): number {
    return this.pos;
  }

  /** Makes room for `n` more bytes at `pos` (handing on what the chunk holds when it has not). */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Text, UTF-8 encoded. */
  string(text: string): void {
    if (text.length === 0) return;
    // A UTF-16 code unit never takes more than 3 bytes of UTF-8.
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos);
  }

  /** Bytes `source[start, end)`, copied as they are. */
  bytes(source: Uint8Array, start = 0, end = source.length): void {
    const n = end - start;
    this.room(n);
    const { buf } = this;
    let at = this.pos;
    if (n > 64) {
      buf.set(start === 0 && end === source.length ? source : source.subarray(start, end), at);
      at += n;
    } else for (let i = start; i < end; i++) buf[at++] = source[i]!;
    this.pos = at;
  }

  /** Hands on whatever has been gathered. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.pos = 0;
    this.emit(chunk);
  }
}
