// Reading a metric series file (metrics/<series>.jsonl) into points, fast.
//
// A 100,000-point series is about 4 MB. Read a page of lines at a time (a file handle per page, a
// string and an object per line, JSON.parse, then a point object), it cost ~1.5 µs a point, most
// of a compare page's wait. Here the file is read in large chunks through one handle, and a line in
// the shape exports write (`{"timestamp":N,"step":N,"value":N|null}`, step optional) is decoded
// straight from its bytes: no string per line, integers accumulated digit by digit, and only a
// fractional or exponent number handed to Number() (after checking it against JSON's grammar, so
// it reads exactly as JSON.parse would; as a latin1 slice, since the toString wrapper showed in profiles). Any other line (other key order, spaces, strings, extra
// keys, anything wrong) goes through JSON.parse and the checks the slow path always had, so the
// answers (and the errors, with file and line) are the same either way.
import { open } from 'node:fs/promises';
import type { MetricPoint } from '@runlens/core';

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Byte values used by the decoder. */
const NL = 10;
const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const LOWER_E = 101;
const UPPER_E = 69;
const CLOSE = 125;

const TIMESTAMP = Buffer.from('{"timestamp":');
const STEP = Buffer.from(',"step":');
const VALUE = Buffer.from(',"value":');
const NULL = Buffer.from('null');

/** Integers with at most this many digits are exact when accumulated in a double. */
const EXACT_DIGITS = 15;

/**
 * The points of a series file: every line after the first non-blank one (the header), blank lines
 * skipped. `slow(text, line)` turns a line the fast decoder declined into a point, or throws (it is
 * the provider's JSON.parse + check + schema path, which names the file and line).
 */
export async function readSeriesPoints(file: string, slow: (text: string, line: number) => MetricPoint, chunkBytes = CHUNK_BYTES): Promise<MetricPoint[]> {
  const handle = await open(file, 'r');
  const points: MetricPoint[] = [];
  try {
    const { size } = await handle.stat();
    let position = 0;
    let carry: Buffer | undefined;
    let line = 1;
    let header = true;
    const decoder = new LineDecoder();
    const take = (data: Buffer, start: number, end: number) => {
      const fast = header ? undefined : decoder.point(data, start, end);
      if (fast) points.push(fast);
      else {
        // Blank lines are skipped, as String.prototype.trim sees blank.
        const text = data.toString('utf8', start, end);
        if (text.trim() !== '') {
          if (header) header = false;
          else points.push(slow(text, line));
        }
      }
      line++;
    };
    while (position < size) {
      // The carried part of a line goes in front of the next chunk, read straight after it (no concat:
      // copying the whole chunk again showed in profiles).
      const kept = carry?.length ?? 0;
      const buffer = Buffer.allocUnsafe(kept + Math.min(chunkBytes, size - position));
      if (carry) carry.copy(buffer, 0);
      const { bytesRead } = await handle.read(buffer, kept, buffer.length - kept, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = buffer.subarray(0, kept + bytesRead);
      let start = 0;
      for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, start)) {
        take(data, start, nl);
        start = nl + 1;
      }
      // A line longer than a chunk is carried (copied) into the next one.
      carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
    }
    // The series has been written: a last line without its newline is read too.
    if (carry) take(carry, 0, carry.length);
    return points;
  } finally {
    await handle.close();
  }
}

/** Decodes one line of the common shape, or returns undefined (the caller then parses it fully). */
class LineDecoder {
  private at = 0;
  private number = 0;
  private integral = false;

  point(data: Buffer, start: number, end: number): MetricPoint | undefined {
    this.at = start;
    if (!this.literal(data, TIMESTAMP, end) || !this.readNumber(data, end)) return undefined;
    const timestamp = this.number;
    let step: number | undefined;
    if (this.literal(data, STEP, end)) {
      if (!this.readNumber(data, end) || !this.integral) return undefined;
      step = this.number;
    }
    if (!this.literal(data, VALUE, end)) return undefined;
    let value: number | null;
    if (this.literal(data, NULL, end)) value = null;
    else if (this.readNumber(data, end)) value = this.number;
    else return undefined;
    if (this.at !== end - 1 || data[this.at] !== CLOSE) return undefined;
    return step === undefined ? { timestamp, value } : { timestamp, step, value };
  }

  private literal(data: Buffer, bytes: Buffer, end: number): boolean {
    const at = this.at;
    if (at + bytes.length > end) return false;
    for (let i = 0; i < bytes.length; i++) if (data[at + i] !== bytes[i]) return false;
    this.at = at + bytes.length;
    return true;
  }

  /**
   * A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. An integer of up to 15 digits is
   * accumulated exactly; anything else, once its grammar is checked, is read by Number(), which rounds
   * as JSON.parse does. `integral`: it had no fraction or exponent and fits in 15 digits.
   */
  private readNumber(data: Buffer, end: number): boolean {
    const first = this.at;
    let at = first;
    const negative = data[at] === MINUS;
    if (negative) at++;
    let c = data[at]!;
    if (at >= end || c < ZERO || c > NINE) return false;
    let digits = 0;
    let whole = 0;
    if (c === ZERO) {
      at++;
      digits = 1;
    } else {
      while (at < end && (c = data[at]!) >= ZERO && c <= NINE) {
        whole = whole * 10 + (c - ZERO);
        digits++;
        at++;
      }
    }
    let simple = digits <= EXACT_DIGITS;
    if (at < end && data[at] === DOT) {
      at++;
      const from = at;
      while (at < end && (c = data[at]!) >= ZERO && c <= NINE) at++;
      if (at === from) return false;
      simple = false;
    }
    if (at < end && ((c = data[at]!) === LOWER_E || c === UPPER_E)) {
      at++;
      if (at < end && ((c = data[at]!) === PLUS || c === MINUS)) at++;
      const from = at;
      while (at < end && (c = data[at]!) >= ZERO && c <= NINE) at++;
      if (at === from) return false;
      simple = false;
    }
    this.integral = simple;
    this.number = simple ? (negative ? -whole : whole) : Number((data as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(first, at));
    this.at = at;
    return true;
  }
}
