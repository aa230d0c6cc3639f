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
import { columnPoints, doubled, type MetricPoint, type SeriesColumns } from '@runlens/core';

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

/** A series file's points: as columns (no object per point), or as points once a text value showed. */
export type SeriesRead = { readonly columns: SeriesColumns; readonly points?: undefined } | { readonly points: MetricPoint[]; readonly columns?: undefined };

/**
 * The points of a series file: every line after the first non-blank one (the header), blank lines
 * skipped. `slow(text, line)` turns a line the fast decoder declined into a point, or throws (it is
 * the provider's JSON.parse + check + schema path, which names the file and line). Numeric series
 * (numbers and nulls) come back as columns; a series with a text value as points.
 */
export async function readSeries(file: string, slow: (text: string, line: number) => MetricPoint, chunkBytes = CHUNK_BYTES): Promise<SeriesRead> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    // About 40 bytes a line in the common shape: room for most series without growing.
    const sink = new SeriesSink(Math.max(16, Math.ceil(size / 40)));
    let position = 0;
    let carry: Buffer | undefined;
    let line = 1;
    let header = true;
    const decoder = new LineDecoder();
    const take = (data: Buffer, start: number, end: number) => {
      if (!header && decoder.decode(data, start, end)) sink.add(decoder.timestamp, decoder.step, decoder.value);
      else {
        // Blank lines are skipped, as String.prototype.trim sees blank.
        const text = data.toString('utf8', start, end);
        if (text.trim() !== '') {
          if (header) header = false;
          else {
            const p = slow(text, line);
            sink.add(p.timestamp, p.step ?? NaN, p.value);
          }
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
    return sink.result();
  } finally {
    await handle.close();
  }
}

/** The points of a series file as point objects (see readSeries). */
export async function readSeriesPoints(file: string, slow: (text: string, line: number) => MetricPoint, chunkBytes = CHUNK_BYTES): Promise<MetricPoint[]> {
  const read = await readSeries(file, slow, chunkBytes);
  return read.points ?? [...columnPoints(read.columns)];
}

/**
 * Collects points into growing Float64Arrays (a missing step or value is NaN: a JSON number never
 * is), until a text value arrives: from then on, into point objects.
 */
class SeriesSink {
  private timestamps: Float64Array;
  private steps: Float64Array;
  private values: Float64Array;
  private length = 0;
  private stepped = false;
  private points: MetricPoint[] | undefined;

  constructor(capacity: number) {
    this.timestamps = new Float64Array(capacity);
    this.steps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  add(timestamp: number, step: number, value: number | string | null): void {
    if (this.points) {
      this.points.push(Number.isNaN(step) ? { timestamp, value } : { timestamp, step, value });
      return;
    }
    if (typeof value === 'string') {
      this.points = [...columnPoints(this.columns())];
      this.add(timestamp, step, value);
      return;
    }
    if (this.length === this.timestamps.length) this.grow();
    const i = this.length++;
    this.timestamps[i] = timestamp;
    this.steps[i] = step;
    this.values[i] = value === null ? NaN : value;
    if (!Number.isNaN(step)) this.stepped = true;
  }

  result(): SeriesRead {
    return this.points ? { points: this.points } : { columns: this.columns() };
  }

  private columns(): SeriesColumns {
    const n = this.length;
    const fit = (a: Float64Array) => (a.length === n ? a : a.slice(0, n));
    return { timestamps: fit(this.timestamps), ...(this.stepped ? { steps: fit(this.steps) } : {}), values: fit(this.values) };
  }

  private grow(): void {
    this.timestamps = doubled(this.timestamps);
    this.steps = doubled(this.steps);
    this.values = doubled(this.values);
  }
}

/** Decodes one line of the common shape, or declines it (the caller then parses it fully). */
class LineDecoder {
  private at = 0;
  private number = 0;
  private integral = false;

  /** The decoded line's fields (after `decode` returned true): NaN for no step. */
  timestamp = 0;
  step = NaN;
  value: number | null = null;

  /** Decodes a line into timestamp/step/value; false when the line is not in the common shape. */
  decode(data: Buffer, start: number, end: number): boolean {
    this.at = start;
    if (!this.literal(data, TIMESTAMP, end) || !this.readNumber(data, end)) return false;
    this.timestamp = this.number;
    this.step = NaN;
    if (this.literal(data, STEP, end)) {
      if (!this.readNumber(data, end) || !this.integral) return false;
      this.step = this.number;
    }
    if (!this.literal(data, VALUE, end)) return false;
    if (this.literal(data, NULL, end)) this.value = null;
    else if (this.readNumber(data, end)) this.value = this.number;
    else return false;
    return this.at === end - 1 && data[this.at] === CLOSE;
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
