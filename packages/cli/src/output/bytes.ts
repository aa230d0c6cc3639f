/**
 * Output bytes written in place. Log lines are formatted straight into the chunk that goes to the
 * stream: no string per line to build, concatenate and encode again. At 1.7 million lines those
 * strings (a rope of template pieces per line, flattened and UTF-8 encoded at each write) were most
 * of the output path's garbage and time.
 */
export class ByteLines {
  /** The chunk being filled; bytes [0, pos) of it are taken. Writers write at `pos` and move it. */
  buf: Buffer = EMPTY;
  pos = 0;

  constructor(
    private readonly emit: (chunk: Buffer) => void,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  /** The chunk, with room for `bytes` more at `pos`; what is filled goes out first when it lacks the room. */
  room(bytes: number): Buffer {
    if (this.pos + bytes <= this.buf.length) return this.buf;
    this.flush();
    if (this.buf.length < bytes) this.buf = Buffer.allocUnsafe(Math.max(this.chunkBytes, bytes));
    return this.buf;
  }

  /** Hands on what is filled. The stream may keep it until it is written: only the unfilled rest is reused. */
  flush(): void {
    if (this.pos === 0) return;
    const filled = this.buf.subarray(0, this.pos);
    this.buf = this.buf.length - this.pos >= MIN_REST ? this.buf.subarray(this.pos) : EMPTY;
    this.pos = 0;
    this.emit(filled);
  }
}

/** Bytes per chunk: a Linux pipe's whole buffer, and few enough writes for a log of millions of lines. */
const CHUNK_BYTES = 64 * 1024;
/** The unfilled rest of a chunk is used for the next one while it has room for a few long lines. */
const MIN_REST = 8 * 1024;
const EMPTY = Buffer.alloc(0);

/** Copies a small constant (a node column, a JSON key) at `p`; returns the position after it. */
export function put(buf: Buffer, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[p + i] = bytes[i]!;
  return p + bytes.length;
}

/** The decimal digits of an integer 0 ≤ n < 1000, three of them with leading zeros, at `p`. */
export function put3(buf: Buffer, p: number, n: number): number {
  const h = Math.floor(n / 100);
  const t = Math.floor(n / 10) - h * 10;
  buf[p] = 48 + h;
  buf[p + 1] = 48 + t;
  buf[p + 2] = 48 + (n - h * 100 - t * 10);
  return p + 3;
}

/**
 * `text` as UTF-8 at `p` (the room checked by the caller); returns the position after it. Node's
 * own `utf8Write`, which `Buffer#write` calls after checking its arguments again, once per log
 * line; `write` where a runtime lacks it.
 */
export function putText(buf: Buffer, p: number, text: string): number {
  return p + (utf8Write ? utf8Write.call(buf, text, p) : buf.write(text, p));
}
const utf8Write = (Buffer.prototype as { utf8Write?: (this: Buffer, text: string, offset: number) => number }).utf8Write;
