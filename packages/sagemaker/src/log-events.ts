// GetLogEvents' JSON answer read straight from its bytes. The CloudWatch Logs API reference documents
// the body as {"events":[{"timestamp","message","ingestionTime"}...],"nextForwardToken","nextBackwardToken"}
// (docs/providers/sagemaker.md). A whole read of a big job is ~1.4 MB per page: decoding it to one
// string, JSON.parse, and the SDK's schema walk copying every event cost ~18 ms of CPU a page, the
// largest part of the CLI's CPU. This reads the same answer at a few ms, and keeps the messages as
// UTF-8 bytes (core's LogLines columns) rather than strings: pages wait seconds for the merge, and as
// strings and record objects they filled V8's old generation (docs/performance.md).
// Anything it does not expect (other keys, nulls, fractions, escapes in keys) makes it decline, and the
// SDK parses the body as before: never a guess.

import { isUtf8 } from 'node:buffer';
import { jsonStringEnd, LineColumns } from '@runlens/core';

/**
 * Events of one page as columns: event i's timestamp, and its message as `bytes[starts[i], ends[i])`
 * (UTF-8, unescaped; the lines of a core LogLines once the node is known), and the tokens.
 */
export interface EventsPage {
  readonly timestamps: Float64Array;
  readonly bytes: Buffer;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly nextForwardToken?: string;
  readonly nextBackwardToken?: string;
}

/** Events from their messages as strings (the SDK's parse of a body the scanner declined, or a test). */
export function eventsPage(timestamps: readonly number[], messages: readonly string[], tokens: { nextForwardToken?: string; nextBackwardToken?: string } = {}): EventsPage {
  const starts = new Uint32Array(messages.length);
  const ends = new Uint32Array(messages.length);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    starts[i] = at;
    // Lone surrogates become U+FFFD (3 bytes), as Buffer.from writes them.
    at += Buffer.byteLength(messages[i]!, 'utf8');
    ends[i] = at;
  }
  return { timestamps: Float64Array.from(timestamps), bytes: Buffer.from(messages.join(''), 'utf8'), starts, ends, ...tokens };
}

/** Events `from` on (views of the same columns). */
export function eventsFrom(page: EventsPage, from: number): EventsPage {
  if (from === 0) return page;
  return { ...page, timestamps: page.timestamps.subarray(from), starts: page.starts.subarray(from), ends: page.ends.subarray(from) };
}

/** Event i's message as a string. */
export function eventMessage(page: EventsPage, i: number): string {
  return page.bytes.toString('utf8', page.starts[i], page.ends[i]);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const KEYS = ['timestamp', 'message', 'ingestionTime', 'events', 'nextForwardToken', 'nextBackwardToken'].map((key) => Buffer.from(key, 'latin1'));
const [TIMESTAMP, MESSAGE, INGESTION_TIME, EVENTS, FORWARD, BACKWARD] = [0, 1, 2, 3, 4, 5];
/** Digits an integer may have and still be read exactly (2^53 has 16). */
const MAX_DIGITS = 15;

/** Thrown inside the scanner to decline the body; never escapes it. */
const DECLINE = Symbol('decline');

/** The page in `body` (its messages in a buffer from `take`), or undefined when the body is not in the form this reads (then let the SDK parse it). */
export function scanGetLogEvents(body: Buffer, take: (size: number) => Buffer = Buffer.allocUnsafe): EventsPage | undefined {
  try {
    return new Scanner(body, take).page();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

class Scanner {
  private i = 0;
  /** The next backslash at or after `i` (the body's length if none): strings before it need no unescaping. */
  private backslash: number;

  constructor(
    private readonly buf: Buffer,
    /** Where the messages' bytes go (core's PageBuffers, or a fresh buffer). */
    private readonly take: (size: number) => Buffer,
  ) {
    this.backslash = this.nextBackslash(0);
  }

  /** Per event: its timestamp and where its message lies in the body (or, escaped, its decoded text in `decoded`). */
  private readonly events = new LineColumns();
  private readonly decoded = new Map<number, string>();

  page(): EventsPage {
    let nextForwardToken: string | undefined;
    let nextBackwardToken: string | undefined;
    this.object((key) => {
      if (key === EVENTS) {
        this.expect(0x5b);
        if (this.peek() === 0x5d) this.i++;
        else {
          for (;;) {
            this.event();
            const c = this.peek();
            this.i++;
            if (c === 0x5d) break;
            if (c !== 0x2c) throw DECLINE;
          }
        }
      } else if (key === FORWARD) nextForwardToken = this.string();
      else if (key === BACKWARD) nextBackwardToken = this.string();
      else throw DECLINE;
    });
    this.skipSpace();
    if (this.i !== this.buf.length) throw DECLINE;
    return { ...this.messages(), ...(nextForwardToken !== undefined ? { nextForwardToken } : {}), ...(nextBackwardToken !== undefined ? { nextBackwardToken } : {}) };
  }

  /** One event object, its fields in any order (written out rather than through object(): it runs per event). */
  private event(): void {
    this.expect(0x7b);
    let timestamp = 0;
    // An event without a message has an empty one, as the SDK path gives it.
    let start = 0;
    let end = 0;
    let decoded: string | undefined;
    if (this.peek() === 0x7d) this.i++;
    else {
      for (;;) {
        if (this.peek() !== QUOTE) throw DECLINE;
        const field = this.key();
        this.expect(0x3a);
        this.skipSpace();
        if (field === TIMESTAMP) timestamp = this.integer();
        else if (field === MESSAGE) {
          decoded = undefined;
          if (this.buf[this.i] !== QUOTE) throw DECLINE;
          start = this.i + 1;
          const plain = this.plainStringEnd();
          if (plain >= 0) end = plain;
          else decoded = this.string();
        } else if (field === INGESTION_TIME) this.integer();
        else throw DECLINE;
        const c = this.peek();
        this.i++;
        if (c === 0x7d) break;
        if (c !== 0x2c) throw DECLINE;
      }
    }
    if (decoded !== undefined) this.decoded.set(this.events.length, decoded);
    this.events.push(timestamp, start, end);
  }

  /**
   * The messages copied out of the body into one buffer of their own, unescaped: the body (~40% JSON
   * around the messages) is not kept, and its buffer can be reused for the next answer.
   */
  private messages(): Pick<EventsPage, 'timestamps' | 'bytes' | 'starts' | 'ends'> {
    const { events, buf, decoded } = this;
    const n = events.length;
    const text = (k: number) => (decoded.size > 0 ? decoded.get(k) : undefined);
    let total = 0;
    for (let k = 0; k < n; k++) {
      const t = text(k);
      total += t === undefined ? events.endAt(k) - events.startAt(k) : Buffer.byteLength(t, 'utf8');
    }
    const bytes = this.take(total);
    const { timestamps, starts, ends } = events.columns();
    let at = 0;
    for (let k = 0; k < n; k++) {
      const t = text(k);
      const from = starts[k]!;
      starts[k] = at;
      at += t === undefined ? buf.copy(bytes, at, from, ends[k]!) : bytes.write(t, at, 'utf8');
      ends[k] = at;
    }
    // Bytes that are not UTF-8 (a server's fault) are read as the SDK would: U+FFFD for what cannot be decoded.
    if (!isUtf8(bytes)) return eventsPage(Array.from(timestamps), Array.from(timestamps, (_, k) => bytes.toString('utf8', starts[k], ends[k])));
    return { timestamps, bytes, starts, ends };
  }

  /** `{ "key": value, ... }`, calling `member` with each key's index in KEYS to read its value. */
  private object(member: (key: number) => void): void {
    this.expect(0x7b);
    if (this.peek() === 0x7d) {
      this.i++;
      return;
    }
    for (;;) {
      if (this.peek() !== QUOTE) throw DECLINE;
      const key = this.key();
      this.expect(0x3a);
      this.skipSpace();
      member(key);
      const c = this.peek();
      this.i++;
      if (c === 0x7d) return;
      if (c !== 0x2c) throw DECLINE;
    }
  }

  /** A key without escapes (any other declines), as its index in KEYS (-1: unknown). */
  private key(): number {
    const { buf } = this;
    const start = this.i + 1;
    const end = buf.indexOf(QUOTE, start);
    if (end < 0 || end > this.backslash) throw DECLINE;
    this.i = end + 1;
    const length = end - start;
    for (let k = 0; k < KEYS.length; k++) {
      const want = KEYS[k]!;
      if (want.length !== length) continue;
      let m = 0;
      while (m < length && buf[start + m] === want[m]) m++;
      if (m === length) return k;
    }
    return -1;
  }

  /**
   * At a string's opening quote: when it has no escapes, moves past it and returns where its content
   * ends; otherwise -1, and nothing moves.
   */
  private plainStringEnd(): number {
    const end = this.buf.indexOf(QUOTE, this.i + 1);
    if (end < 0) throw DECLINE;
    if (end >= this.backslash) return -1;
    this.i = end + 1;
    return end;
  }

  private string(): string {
    const { buf } = this;
    if (buf[this.i] !== QUOTE) throw DECLINE;
    const start = this.i + 1;
    const plain = this.plainStringEnd();
    if (plain >= 0) return buf.toString('utf8', start, plain);
    // Escapes: find the closing quote, and let JSON.parse decode the string (\uXXXX pairs and all).
    const after = jsonStringEnd(buf, start - 1);
    if (after < 0) throw DECLINE;
    this.i = after;
    this.backslash = this.nextBackslash(this.i);
    return JSON.parse(buf.toString('utf8', start - 1, after)) as string;
  }

  /** A JSON integer (milliseconds); fractions, exponents and very long numbers decline. */
  private integer(): number {
    const { buf } = this;
    const negative = buf[this.i] === 0x2d;
    if (negative) this.i++;
    const start = this.i;
    let value = 0;
    let c = buf[this.i];
    while (c !== undefined && c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      c = buf[++this.i];
    }
    const digits = this.i - start;
    if (digits === 0 || digits > MAX_DIGITS || c === 0x2e || c === 0x65 || c === 0x45) throw DECLINE;
    return negative ? -value : value;
  }

  private expect(c: number): void {
    if (this.peek() !== c) throw DECLINE;
    this.i++;
  }

  /** The next byte that is not JSON whitespace (i moves to it). */
  private peek(): number | undefined {
    this.skipSpace();
    return this.buf[this.i];
  }

  private skipSpace(): void {
    const { buf } = this;
    let c = buf[this.i];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++this.i];
  }

  private nextBackslash(from: number): number {
    const at = this.buf.indexOf(BACKSLASH, from);
    return at < 0 ? this.buf.length : at;
  }
}
