/**
 * Output bytes gathered in large chunks: log outputs (the CLI's stdout, NDJSON bodies, archive files)
 * write millions of short lines, and formatting them straight into one buffer costs neither a string
 * per line nor a UTF-8 encoding of that string. A full chunk is handed to `emit`; unless `emit`
 * says it is done with it (returns true: a synchronous write to a pipe or file that took it all),
 * a fresh one is started, so `emit` may keep it, as an asynchronous stream write does. Reusing the
 * chunk spares an allocation per chunk, each of which is external memory that V8 counts towards its
 * next full collection.
 *
 * Writers fill `buf` directly: `room(n)` first, then bytes at `buf[pos…]`, then `pos` moved on.
 */
export class ByteSink {
  buf: Buffer;
  pos = 0;

  constructor(
    private readonly emit: (chunk: Buffer) => boolean | void,
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
    this.pos = 0;
    if (this.emit(chunk) === true && this.buf.length === this.chunkBytes) return;
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
  }
}

/**
 * Where the next of a few byte values lies in a page of log bytes, for lines visited in order: each
 * value is searched for (natively, `indexOf`) again only once the line start has passed it, so a
 * page costs one search per value however many lines it has. A writer then copies a line that has
 * none of the values in one piece. Pages are remembered weakly (streams of a merge interleave, and
 * a page read through is not kept alive by this).
 */
export class NextByte {
  private readonly pages = new WeakMap<Uint8Array, PageScan>();
  private last: Uint8Array | undefined;
  private lastEntry: PageScan | undefined;

  constructor(private readonly values: readonly number[]) {}

  /** The first position at or after `from` in `page` holding one of the values, or `page.length`. */
  find(page: Buffer, from: number): number {
    let entry = page === this.last ? this.lastEntry : this.pages.get(page);
    if (entry === undefined || from < entry.from) {
      entry = { at: new Float64Array(this.values.length).fill(-1), live: this.values.map((_, k) => k), from, min: -1 };
      this.pages.set(page, entry);
    }
    this.last = page;
    this.lastEntry = entry;
    entry.from = from;
    // Nothing passed since the last answer: it still holds (most lines of most pages).
    if (from <= entry.min) return entry.min;
    const { at, live } = entry;
    const { values } = this;
    let min = page.length;
    for (let i = 0; i < live.length; i++) {
      const k = live[i]!;
      let p = at[k]!;
      if (p < from) {
        p = page.indexOf(values[k]!, from);
        if (p === -1) {
          // Not in the rest of the page: never searched for again in it (a page of JSON escapes
          // then costs a search per value present, not per value per line).
          live.splice(i--, 1);
          continue;
        }
        at[k] = p;
      }
      if (p < min) min = p;
    }
    entry.min = min;
    return min;
  }
}

/** A page being scanned by NextByte: where each value was found next, which may still occur, and the answer last given. */
interface PageScan {
  readonly at: Float64Array;
  readonly live: number[];
  from: number;
  min: number;
}

/** Copies `source[start, end)` into `target` at `at` natively (a view, not a Buffer, is the cheapest to make). */
export function copyBytes(source: Uint8Array, start: number, end: number, target: Uint8Array, at: number): void {
  target.set(new Uint8Array(source.buffer, source.byteOffset + start, end - start), at);
}

/**
 * Where the JSON string literal whose opening quote is at `open` ends (just after its closing quote),
 * or -1 when it does not end in `bytes`. The closing quote is found by native searches: a quote is
 * escaped when an odd number of backslashes stands right before it. For scanners that read a few
 * members of a large JSON answer straight from its bytes.
 */
export function jsonStringEnd(bytes: Uint8Array, open: number): number {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let from = open + 1; ; ) {
    const quote = b.indexOf(0x22, from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (quote - 1 - backslashes > open && b[quote - 1 - backslashes] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}
