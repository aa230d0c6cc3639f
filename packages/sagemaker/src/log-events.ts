// GetLogEvents' JSON answer read straight from its bytes. The CloudWatch Logs API reference documents
// the body as {"events":[{"timestamp","message","ingestionTime"}...],"nextForwardToken","nextBackwardToken"}
// (docs/providers/sagemaker.md). A whole read of a big job is ~1.4 MB per page: decoding it to one
// string, JSON.parse, and the SDK's schema walk copying every event cost ~18 ms of CPU a page, the
// largest part of the CLI's CPU. This reads the same answer at ~4 ms, making only the strings it keeps.
// Anything it does not expect (other keys, nulls, fractions, escapes in keys) makes it decline, and the
// SDK parses the body as before: never a guess.

import { jsonStringEnd } from '@runlens/core';

/** Events of one page as parallel arrays (records are built by the caller), and the tokens. */
export interface EventsPage {
  readonly timestamps: number[];
  readonly messages: string[];
  readonly nextForwardToken?: string;
  readonly nextBackwardToken?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const KEYS = ['timestamp', 'message', 'ingestionTime', 'events', 'nextForwardToken', 'nextBackwardToken'].map((key) => Buffer.from(key, 'latin1'));
const [TIMESTAMP, MESSAGE, INGESTION_TIME, EVENTS, FORWARD, BACKWARD] = [0, 1, 2, 3, 4, 5];
/** Digits an integer may have and still be read exactly (2^53 has 16). */
const MAX_DIGITS = 15;

/** Thrown inside the scanner to decline the body; never escapes it. */
const DECLINE = Symbol('decline');

/** The page in `body`, or undefined when the body is not in the form this reads (then let the SDK parse it). */
export function scanGetLogEvents(body: Buffer): EventsPage | undefined {
  try {
    return new Scanner(body).page();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

class Scanner {
  private i = 0;
  /** The next backslash at or after `i` (the body's length if none): strings before it need no unescaping. */
  private backslash: number;

  constructor(private readonly buf: Buffer) {
    this.backslash = this.nextBackslash(0);
  }

  page(): EventsPage {
    const timestamps: number[] = [];
    const messages: string[] = [];
    let nextForwardToken: string | undefined;
    let nextBackwardToken: string | undefined;
    this.object((key) => {
      if (key === EVENTS) {
        this.expect(0x5b);
        if (this.peek() === 0x5d) this.i++;
        else {
          for (;;) {
            this.event(timestamps, messages);
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
    return { timestamps, messages, ...(nextForwardToken !== undefined ? { nextForwardToken } : {}), ...(nextBackwardToken !== undefined ? { nextBackwardToken } : {}) };
  }

  /** One event object, its fields in any order (written out rather than through object(): it runs per event). */
  private event(timestamps: number[], messages: string[]): void {
    this.expect(0x7b);
    let timestamp = 0;
    let message = '';
    if (this.peek() === 0x7d) this.i++;
    else {
      for (;;) {
        if (this.peek() !== QUOTE) throw DECLINE;
        const field = this.key();
        this.expect(0x3a);
        this.skipSpace();
        if (field === TIMESTAMP) timestamp = this.integer();
        else if (field === MESSAGE) message = this.string();
        else if (field === INGESTION_TIME) this.integer();
        else throw DECLINE;
        const c = this.peek();
        this.i++;
        if (c === 0x7d) break;
        if (c !== 0x2c) throw DECLINE;
      }
    }
    timestamps.push(timestamp);
    messages.push(message);
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

  private string(): string {
    const { buf } = this;
    if (buf[this.i] !== QUOTE) throw DECLINE;
    const start = this.i + 1;
    const end = buf.indexOf(QUOTE, start);
    if (end < 0) throw DECLINE;
    if (end < this.backslash) {
      this.i = end + 1;
      return buf.toString('utf8', start, end);
    }
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
